"""One seed: the split, the folds and the search follow ``scoring.seed``, also when
it is given at run time (``--params scoring.seed=7``) and in another environment."""

from __future__ import annotations

from typing import Any

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.support.project import PROJECT_ROOT


def _run_parameters(env: str | None, runtime_params: dict[str, Any]) -> dict:
    """The parameters a ``kedro run`` with these ``--env`` and ``--params`` sees."""
    bootstrap_project(PROJECT_ROOT)
    with KedroSession.create(
        project_path=PROJECT_ROOT, env=env, runtime_params=runtime_params
    ) as session:
        return session.load_context().params


@pytest.mark.parametrize("env", [None, "original"])
def test_seed_given_at_run_time_moves_every_seeded_step(env: str | None) -> None:
    scoring = _run_parameters(env, {"scoring": {"seed": 7}})["scoring"]
    assert [scoring[step]["seed"] for step in ("split", "cv", "tuning")] == [7, 7, 7]
