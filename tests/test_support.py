"""The in-memory runs of the test suite keep their promise: nothing written, no
MLflow store touched, no misspelt budget ignored."""

from __future__ import annotations

import mlflow
import pytest
from kedro.pipeline import Node, Pipeline
from mlflow.exceptions import MlflowException

from ia_portfolio.sandbox import hand_written_inputs
from tests.support.in_memory import pipeline_parameters, run_in_memory
from tests.support.project import PROJECT_ROOT, copy_project


def _log_seed(seed: int) -> int:
    mlflow.log_metric("seed", seed)
    return seed


def test_a_node_that_logs_to_mlflow_fails_the_run_and_leaves_no_run_open() -> None:
    tracking_uri = mlflow.get_tracking_uri()
    logging = Pipeline([Node(_log_seed, "params:seed", "logged")], namespace="scoring")

    # Either the temporary store gets written (and the run is refused), or MLflow
    # refuses first because an earlier session left its experiment active.
    with pytest.raises(
        (AssertionError, MlflowException),
        match=r"wrote files: \['mlflow.db'|Experiment",
    ):
        run_in_memory(logging, {})

    assert mlflow.active_run() is None
    assert mlflow.get_tracking_uri() == tracking_uri


def test_a_misspelt_override_is_refused() -> None:
    with pytest.raises(ValueError, match="scoring.tuning.n_trial"):
        pipeline_parameters("scoring", {"scoring": {"tuning": {"n_trial": 2}}})


def test_a_project_copy_holds_the_hand_written_inputs_the_catalog_reads(tmp_path):
    inputs = hand_written_inputs(PROJECT_ROOT)
    assert {p.name for p in inputs} >= {"natural_utterances.jsonl", "ood_messages.csv"}
    project = copy_project(tmp_path / "project")
    for path in inputs:
        assert (project / path).read_bytes() == (PROJECT_ROOT / path).read_bytes()
