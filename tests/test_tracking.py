"""What a run leaves in MLflow: one run per pipeline (nested under the run of a
``kedro run`` of several, named after them), the raw inputs with their digest, the
git commit, one shared run for the tasks of a scheduled run (running until its last
task ends it), and candidates' searches."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mlflow
import optuna
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.runner import SequentialRunner
from mlflow.entities import Run

from ia_portfolio import mlflow_run_end
from ia_portfolio.tracking import (
    GIT_DIRTY_TAG,
    INPUT_CONTEXT,
    PIPELINE_TAG,
    PIPELINES_TAG,
    SHARED_RUN_NAME_VAR,
    SHARED_RUN_TAGS_VAR,
    child_run,
    git_tags,
    log_search,
    run_name,
)
from tests.support.project import copy_project

PARENT = "mlflow.parentRunId"


@pytest.fixture
def tracking_store(tmp_path: Path) -> Iterator[mlflow.MlflowClient]:
    """A throw-away MLflow store, active for the test."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("tracking_test")
    try:
        yield mlflow.MlflowClient()
    finally:
        while mlflow.active_run():
            mlflow.end_run()
        mlflow.set_tracking_uri(previous)


def test_child_runs_are_resumed_by_name_not_duplicated(tracking_store) -> None:
    with child_run("outside") as run_id:
        assert run_id is None  # no active run: nothing logged
    with mlflow.start_run() as parent:
        with child_run("scoring.dummy", tags={"kind": "dummy"}) as first:
            mlflow.log_metric("cv_roc_auc", 0.5)
        with child_run("scoring.dummy") as again:
            mlflow.log_metric("cv_pr_auc", 0.1)
    assert again == first
    child = tracking_store.get_run(first)
    assert child.data.tags[PARENT] == parent.info.run_id
    assert child.data.tags["kind"] == "dummy"
    assert set(child.data.metrics) == {"cv_roc_auc", "cv_pr_auc"}
    assert child.info.status == "FINISHED"


def test_a_search_logs_every_trial(tracking_store) -> None:
    study = optuna.create_study(direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=4)
    with mlflow.start_run() as run:
        log_search(study, "cv_roc_auc")
    history = tracking_store.get_metric_history(run.info.run_id, "trial_cv_roc_auc")
    assert [m.step for m in history] == [0, 1, 2, 3]
    assert [m.value for m in history] == [t.value for t in study.trials]
    metrics = tracking_store.get_run(run.info.run_id).data.metrics
    assert metrics["search_best_cv_roc_auc"] == study.best_value
    assert metrics["search_trials"] == 4
    table = mlflow.load_table("optuna_trials.json", run_ids=[run.info.run_id])
    assert {"number", "value", "params_x", "state"} <= set(table.columns)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_git_tags_name_the_commit_and_local_changes(tmp_path: Path) -> None:
    assert git_tags(tmp_path) == {}  # not a git checkout
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "pyproject.toml").write_text("[project]\n")
    _git(repo, "add", "pyproject.toml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    tags = git_tags(repo)
    assert tags["mlflow.source.git.commit"] == _git(repo, "rev-parse", "HEAD")
    assert tags[GIT_DIRTY_TAG] == "false"
    (repo / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    assert git_tags(repo)[GIT_DIRTY_TAG] == "true"


def test_a_run_is_named_after_its_pipelines() -> None:
    assert run_name(["scoring"]) == "scoring"
    assert run_name(["scoring", "sentiment"]) == "scoring, sentiment"
    assert run_name(["__default__"]) == "all pipelines"


def _run(project: Path, pipelines: list[str] | None, nodes: list[str]) -> None:
    """``kedro run --pipelines ... --nodes ...`` in ``project``, in this process."""
    bootstrap_project(project)
    try:
        with KedroSession.create(project_path=project) as session:
            session.run(
                pipeline_names=pipelines, node_names=nodes, runner=SequentialRunner()
            )
    finally:
        while mlflow.active_run():
            mlflow.end_run()


def _runs(project: Path) -> list[Run]:
    client = mlflow.MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ia_portfolio")
    return client.search_runs([experiment.experiment_id])


@pytest.mark.slow
def test_a_run_of_several_pipelines_has_one_nested_run_per_pipeline(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    _run(
        project,
        ["scoring", "customer_segmentation"],
        [
            "scoring.prepare_applications",
            "scoring.split_train_test",
            "customer_segmentation.to_transactions",
        ],
    )
    runs = _runs(project)
    [parent] = [run for run in runs if PARENT not in run.data.tags]
    assert parent.info.run_name == "scoring, customer_segmentation"
    assert parent.data.tags[PIPELINES_TAG] == "customer_segmentation,scoring"
    assert parent.data.params == {}
    assert parent.info.status == "FINISHED"
    children = {run.info.run_name: run for run in runs if run is not parent}
    assert set(children) == {"scoring", "customer_segmentation"}
    for name, child in children.items():
        assert child.data.tags[PARENT] == parent.info.run_id
        assert child.data.tags[PIPELINE_TAG] == name
        assert child.info.status == "FINISHED"
        # Each pipeline's parameters in its own run only.
        assert child.data.params
        assert all(key.startswith(f"{name}.") for key in child.data.params)
    assert "scoring.split.test_size" in children["scoring"].data.params
    # The raw input, with a digest, in the run of the pipeline that read it.
    [raw] = children["scoring"].inputs.dataset_inputs
    assert raw.dataset.name == "scoring.raw_applications"
    assert raw.dataset.digest
    assert {t.key: t.value for t in raw.tags}["mlflow.data.context"] == INPUT_CONTEXT
    assert json.loads(raw.dataset.profile)["num_rows"] > 9000


@pytest.mark.slow
def test_the_parent_run_of_a_full_run_reads_all_pipelines(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    _run(project, None, ["scoring.prepare_applications", "scoring.split_train_test"])
    runs = _runs(project)
    [parent] = [run for run in runs if PARENT not in run.data.tags]
    assert parent.info.run_name == "all pipelines"
    # Each pipeline that ran keeps its own nested run, named after it.
    assert [run.info.run_name for run in runs if run is not parent] == ["scoring"]


@pytest.mark.slow
def test_runs_with_the_same_shared_tags_log_into_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tasks of one Airflow DAG run, and a retried task, share one MLflow run;
    a retried candidate keeps one nested run."""
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv(
        SHARED_RUN_TAGS_VAR, json.dumps({"airflow.dag_id": "d", "airflow.run_id": "r1"})
    )
    monkeypatch.setenv(SHARED_RUN_NAME_VAR, "scoring @ r1")
    prepare = ["scoring.prepare_applications", "scoring.split_train_test"]
    _run(project, ["scoring"], prepare)
    # A task that fails (its input is missing) leaves the run to its retry.
    with pytest.raises(Exception, match="study_dummy"):
        _run(project, ["scoring"], ["scoring.cross_validate_dummy"])
    [shared] = _runs(project)
    assert shared.info.status == "RUNNING"
    _run(project, ["scoring"], ["scoring.tune_dummy"])
    for _attempt in range(2):
        _run(project, ["scoring"], ["scoring.cross_validate_dummy"])

    runs = _runs(project)
    [shared] = [run for run in runs if PARENT not in run.data.tags]
    # Every task left it running: the DAG's last task ends it.
    assert shared.info.status == "RUNNING"
    assert shared.info.run_name == "scoring @ r1"
    assert shared.data.tags["airflow.run_id"] == "r1"
    assert shared.data.tags[PIPELINE_TAG] == "scoring"
    assert shared.data.tags["kedro_command"] == "kedro run --pipeline=scoring"
    assert {"scoring.split.test_size", "scoring.tuning.n_trials"} <= set(
        shared.data.params
    )
    assert [d.dataset.name for d in shared.inputs.dataset_inputs] == [
        "scoring.raw_applications"
    ]
    [candidate] = [run for run in runs if run is not shared]
    assert candidate.info.run_name == "scoring.dummy"
    assert candidate.data.tags[PARENT] == shared.info.run_id
    assert {"cv_business_cost", "cv_roc_auc", "trial_cv_roc_auc"} <= set(
        candidate.data.metrics
    )
    assert candidate.info.status == "FINISHED"

    # The DAG's last task, after a failed task: the run ends FAILED.
    monkeypatch.chdir(project)
    mlflow_run_end.main(["--status", "FAILED"])
    assert {run.info.run_id: run.info.status for run in _runs(project)} == {
        shared.info.run_id: "FAILED",
        candidate.info.run_id: "FINISHED",
    }

    # Another DAG run: another MLflow run.
    monkeypatch.setenv(
        SHARED_RUN_TAGS_VAR, json.dumps({"airflow.dag_id": "d", "airflow.run_id": "r2"})
    )
    _run(project, ["scoring"], prepare)
    assert len([r for r in _runs(project) if PARENT not in r.data.tags]) == 2
