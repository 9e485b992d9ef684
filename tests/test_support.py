"""The in-memory runs of the test suite keep their promise: nothing written, no
MLflow store touched, no misspelt budget ignored."""

from __future__ import annotations

import mlflow
import pytest
from kedro.pipeline import Node, Pipeline
from mlflow.exceptions import MlflowException

from tests.support.in_memory import pipeline_parameters, run_in_memory


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
