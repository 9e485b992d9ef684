"""One seed: ``scoring.seed`` given at run time (``--params scoring.seed=7``) or by
another environment reaches every seeded node."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.support.project import PROJECT_ROOT

SEEDED_NODES = {
    "split_train_test",
    "tune_dummy",
    "tune_logistic_regression",
    "tune_lightgbm",
    "cross_validate_dummy",
    "cross_validate_logistic_regression",
    "cross_validate_lightgbm",
    "refit_model",
}


def _run_parameters(env: str | None, runtime_params: dict[str, Any]) -> dict:
    """The parameters a ``kedro run`` with these ``--env`` and ``--params`` sees."""
    bootstrap_project(PROJECT_ROOT)
    with KedroSession.create(
        project_path=PROJECT_ROOT, env=env, runtime_params=runtime_params
    ) as session:
        return session.load_context().params


@pytest.mark.parametrize("env", [None, "original"])
def test_seed_given_at_run_time_is_the_one_every_seeded_node_reads(env):
    assert _run_parameters(env, {"scoring": {"seed": 7}})["scoring"]["seed"] == 7
    pipeline = importlib.import_module(
        "ia_portfolio.pipelines.scoring.pipeline"
    ).create_pipeline()
    readers = {
        node.name.removeprefix("scoring.")
        for node in pipeline.nodes
        if "params:scoring.seed" in node.inputs
    }
    assert SEEDED_NODES <= readers
