"""Warnings that are not about this project stay out of its runs, and only those."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.runner import AbstractRunner, SequentialRunner, ThreadRunner

from tests.support.project import copy_project

NON_SEQUENTIAL = "Workflow tracking is disabled for non-sequential runners"


class _Stop(Exception):
    """Raised in place of running the nodes: the test needs the hooks only."""


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _kedro_viz_warnings(project: Path, runner: AbstractRunner | None) -> list[str]:
    """What kedro-viz warns when a session starts a run with ``runner`` (on its
    own logger: Kedro's logging set-up replaces the root's handlers)."""
    bootstrap_project(project)
    records = _Records()
    viz = logging.getLogger("kedro_viz")
    viz.addHandler(records)
    try:
        with (
            KedroSession.create(project_path=project) as session,
            pytest.raises(_Stop),
        ):
            session.run(pipeline_names=["scoring"], runner=runner)
    finally:
        viz.removeHandler(records)
        while mlflow.active_run():
            mlflow.end_run()
    return records.messages


def test_kedro_viz_warns_of_a_non_sequential_runner_only_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(self: AbstractRunner, *args: object, **kwargs: object) -> None:
        raise _Stop

    monkeypatch.setattr(AbstractRunner, "run", stop)
    project = copy_project(tmp_path / "project")
    warned = {
        name: [w for w in _kedro_viz_warnings(project, runner) if NON_SEQUENTIAL in w]
        for name, runner in [
            # No runner named (a notebook's `session.run()`): Kedro runs
            # SequentialRunner, which kedro-viz took for another.
            ("none", None),
            ("sequential", SequentialRunner()),
            ("thread", ThreadRunner()),
        ]
    }
    assert {name: bool(w) for name, w in warned.items()} == {
        "none": False,
        "sequential": False,
        "thread": True,
    }
