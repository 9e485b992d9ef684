"""Every pipeline exported as an Airflow 3 DAG, loaded and run by a real Airflow.

Airflow lives in its own virtual environment (its pins conflict with the project's,
e.g. fastapi), made by ``scripts/setup_airflow_env.sh`` and found through
``IA_PORTFOLIO_AIRFLOW_VENV`` (default: ``.venv-airflow`` at the project root). Its tasks
run the Kedro nodes with this interpreter, in the project directory they are given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project

from tests.support.project import (
    FAST_SCORING_PARAMS,
    PROJECT_ROOT,
    champion_version,
    copy_project,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AIRFLOW_VENV_VAR = "IA_PORTFOLIO_AIRFLOW_VENV"
PACKAGE = "ia_portfolio"
SCORING_DAG = f"{PACKAGE}__scoring"


# The pipeline tests' small search budget, passed as the DAG run's typed parameters.
FAST_SCORING_RUN_CONF = {
    "n_trials": FAST_SCORING_PARAMS["scoring"]["tuning"]["n_trials"],
    "tuning_timeout_s": FAST_SCORING_PARAMS["scoring"]["tuning"]["timeout_s"],
}
# Every task sits in the task group of its nodes' stage.
STAGES = ("data_preparation", "training", "evaluation", "reporting", "serving")
# The teardown task that ends the DAG run's MLflow run once every other task is done.
END_TASK = "end_mlflow_run"

# Run by the Airflow venv's interpreter: what its DagBag makes of the DAG folder.
DAGBAG_SCRIPT = """
import copy, json, sys
from airflow.models import DagBag

def refuses(params, name, value):
    try:
        params[name] = value
    except Exception as error:
        return type(error).__name__
    return None

bag = DagBag(dag_folder=sys.argv[1])
print("DAGBAG=" + json.dumps({
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "dags": {
        dag_id: {
            "fileloc": dag.fileloc,
            "params": {
                name: dag.params.get_param(name).schema for name in dag.params
            },
            "refused": {
                value: refuses(copy.deepcopy(dag.params), "n_trials", value)
                for value in ("many", 0)
            } if "n_trials" in dag.params else {},
            "tasks": {
                t.task_id: {
                    "nodes": t.op_args[0]["nodes"] if t.op_args else [],
                    "group": t.task_group.group_id,
                    "teardown": t.is_teardown,
                    "upstream": sorted(t.upstream_task_ids),
                    "retries": t.retries,
                    "timeout_s": t.execution_timeout.total_seconds()
                    if t.execution_timeout else None,
                }
                for t in dag.tasks
            },
        }
        for dag_id, dag in bag.dags.items()
    },
}))
"""


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _run_ok(
    command: list[str], cwd: Path, env: dict[str, str], timeout: int
) -> subprocess.CompletedProcess:
    """Run ``command``; fail the test with the end of its output unless it exits 0."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, _tail(result.stdout + result.stderr)
    return result


@pytest.fixture(scope="module")
def airflow_venv() -> Path:
    venv = Path(os.environ.get(AIRFLOW_VENV_VAR) or PROJECT_ROOT / ".venv-airflow")
    if not (venv / "bin" / "airflow").is_file():
        pytest.fail(
            f"No Airflow venv at {venv}: create it with scripts/setup_airflow_env.sh "
            f"(or point {AIRFLOW_VENV_VAR} at one). CI creates it, so this is an error.",
            pytrace=False,
        )
    return venv


@pytest.fixture(scope="module")
def dags_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documented export, run from elsewhere than the project, with no retries."""
    target = tmp_path_factory.mktemp("airflow_dags")
    export = PROJECT_ROOT / "scripts" / "export_airflow_dags.sh"
    _run_ok(
        ["bash", str(export), "--target-dir", str(target), "--params", "retries=0"],
        cwd=tmp_path_factory.mktemp("elsewhere"),
        env={**os.environ, "IA_PORTFOLIO_KEDRO_PYTHON": sys.executable},
        timeout=600,
    )
    return target


@pytest.fixture(scope="module")
def airflow_env(
    airflow_venv: Path, dags_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment of a throw-away Airflow (sqlite metadata DB), migrated."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of this (project) interpreter may leak into Airflow's.
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    }
    env.update(
        {
            "PATH": os.pathsep.join([str(airflow_venv / "bin"), env.get("PATH", "")]),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "KEDRO_DISABLE_TELEMETRY": "1",
        }
    )
    _run_ok(
        [str(airflow_venv / "bin" / "airflow"), "db", "migrate"],
        cwd=home,
        env=env,
        timeout=300,
    )
    return env


@pytest.fixture(scope="module")
def dagbag(airflow_venv: Path, airflow_env: dict[str, str], dags_folder: Path) -> dict:
    result = _run_ok(
        [str(airflow_venv / "bin" / "python"), "-c", DAGBAG_SCRIPT, str(dags_folder)],
        cwd=Path(airflow_env["AIRFLOW_HOME"]),
        env=airflow_env,
        timeout=300,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("DAGBAG="))
    return json.loads(line.removeprefix("DAGBAG="))


def _registered_pipelines() -> dict:
    bootstrap_project(PROJECT_ROOT)
    return {name: p for name, p in pipelines.items() if name != "__default__"}


def test_every_pipeline_is_one_dag_that_airflow_loads(dagbag: dict) -> None:
    assert dagbag["import_errors"] == {}
    registered = _registered_pipelines()
    assert registered, "no pipeline registered"
    expected = {f"{PACKAGE}__{name}": name for name in registered}
    assert set(dagbag["dags"]) == set(expected)
    filelocs = [dag["fileloc"] for dag in dagbag["dags"].values()]
    assert len(set(filelocs)) == len(filelocs), "two DAGs in one file"

    for dag_id, name in expected.items():
        dag = dagbag["dags"][dag_id]
        # Last, after every other task: the teardown ending the shared MLflow run.
        tasks = dict(dag["tasks"])
        end = tasks.pop(END_TASK)
        assert end["teardown"] and end["group"] is None
        assert set(end["upstream"]) == set(tasks)
        task_nodes = [node for task in tasks.values() for node in task["nodes"]]
        # The same Kedro nodes, each in exactly one task.
        assert sorted(task_nodes) == sorted(n.name for n in registered[name].nodes)
        for task_id, task in tasks.items():
            assert not task["teardown"], task_id
            assert task["retries"] == 0
            assert task["timeout_s"] and task["timeout_s"] > 0, task_id
            # Readable ids: <stage>.<node>, or <stage>.<first>__and__/__to__<last>.
            assert task["group"] in STAGES, task_id
            short = [node.removeprefix(f"{name}.") for node in task["nodes"]]
            joined = {1: short[0], 2: f"{short[0]}__and__{short[-1]}"}.get(
                len(short), f"{short[0]}__to__{short[-1]}"
            )
            assert task_id == f"{task['group']}.{joined}"
        # A typed seed, and still room for any other Kedro parameter.
        assert dag["params"]["seed"]["type"] == ["null", "integer"]
        assert dag["params"]["kedro_params"]["type"] == "string"


def test_scoring_dag_reads_as_its_stages_and_retries_one_candidate_at_a_time(
    dagbag: dict,
) -> None:
    dag = dagbag["dags"][SCORING_DAG]
    tasks = {k: t for k, t in dag["tasks"].items() if k != END_TASK}
    groups = {}
    for task_id, task in tasks.items():
        groups.setdefault(task["group"], []).append(task_id)
    assert list(groups) == list(STAGES)
    # Each candidate's search is its own task: a retry redoes one search only.
    for candidate in ("dummy", "logistic_regression", "lightgbm"):
        assert tasks[f"training.tune_{candidate}"]["nodes"] == [
            f"scoring.tune_{candidate}"
        ]
        assert (
            f"training.tune_{candidate}"
            in (tasks[f"training.cross_validate_{candidate}"]["upstream"])
        )
    # What crosses tasks is saved: only preparation and splitting share a process.
    assert [task_id for task_id, t in tasks.items() if len(t["nodes"]) > 1] == [
        "data_preparation.prepare_applications__and__split_train_test"
    ]
    assert tasks["serving.register_model"]["nodes"] == ["scoring.register_model"]
    # Typed run parameters, validated by Airflow before a run starts.
    assert dag["params"]["n_trials"]["type"] == ["null", "integer"]
    assert dag["params"]["n_trials"]["minimum"] == 1
    assert dag["params"]["tuning_timeout_s"]["type"] == ["null", "number"]
    assert dag["refused"] == {
        "many": "ParamValidationError",
        "0": "ParamValidationError",
    }


def test_scene_segmentation_trains_each_candidate_in_its_own_task(
    dagbag: dict,
) -> None:
    """Trained candidates are saved (``CandidateDataset``): a retry retrains one."""
    tasks = dagbag["dags"][f"{PACKAGE}__scene_segmentation"]["tasks"]
    for name in ("baseline", "unet", "unet_dice", "residual_unet"):
        task = tasks[f"training.train_{name}"]
        assert task["nodes"] == [f"scene_segmentation.train_{name}"]
        assert task["upstream"] == ["data_preparation.split_scenes"]
    assert tasks["serving.register_model"]["nodes"] == [
        "scene_segmentation.register_model"
    ]


def _dags_test(
    airflow_venv: Path, env: dict[str, str], log_file: Path, conf: dict
) -> tuple[int, str]:
    """``airflow dags test`` of the scoring DAG: its exit code and its output."""
    with log_file.open("w") as log:
        result = subprocess.run(
            [
                str(airflow_venv / "bin" / "airflow"),
                "dags",
                "test",
                SCORING_DAG,
                "--conf",
                json.dumps(conf),
            ],
            cwd=env["AIRFLOW_HOME"],  # not the project: the cwd must not matter
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=1800,
            check=False,
        )
    return result.returncode, log_file.read_text()


def test_a_failing_kedro_run_fails_the_dag_run(
    airflow_venv: Path,
    airflow_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    env = {**airflow_env, "IA_PORTFOLIO_KEDRO_PYTHON": shutil.which("false") or "false"}
    log_file = tmp_path_factory.mktemp("logs") / "dags_test_failing.log"
    returncode, output = _dags_test(airflow_venv, env, log_file, {})
    assert returncode != 0, _tail(output)
    assert "Kedro exited with code 1" in output, _tail(output)
    # The teardown still ran, to end the DAG run's MLflow run as failed.
    assert f"-m {PACKAGE}.mlflow_run_end --status FAILED" in output, _tail(output)


def test_scoring_dag_runs_the_pipeline(
    airflow_venv: Path,
    airflow_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``airflow dags test``, with a project copy so that outputs are checkable."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    env = {**airflow_env, "IA_PORTFOLIO_PROJECT_PATH": str(project)}
    log_file = tmp_path_factory.mktemp("logs") / "dags_test.log"
    returncode, output = _dags_test(airflow_venv, env, log_file, FAST_SCORING_RUN_CONF)
    assert returncode == 0, _tail(output)
    assert "state=success" in output, _tail(output)
    assert f"Running in {project}:" in output

    reports = project / "data" / "08_reporting" / "scoring"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["chosen_model"] in metrics["candidates"]
    assert (reports / "report.md").stat().st_size > 0
    models = project / "data" / "06_models" / "scoring"
    assert list(models.glob("model.pkl/*/model.pkl"))
    # The typed parameters reached Kedro.
    assert "scoring.tuning.n_trials=2" in output
    # The DAG run registered the model and, once it succeeded, promoted it.
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    [version] = client.search_model_versions(f"name='{PACKAGE}_scoring'")
    champion = champion_version(project, f"{PACKAGE}_scoring")
    assert champion.version == version.version
    assert champion.tags["candidate"] == metrics["chosen_model"]
    # One MLflow run for the whole DAG run (its tasks each ran `kedro run`), with
    # one nested run per candidate.
    experiment = client.get_experiment_by_name("ia_portfolio")
    runs = client.search_runs([experiment.experiment_id])
    [dag_run] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert dag_run.data.tags["airflow.dag_id"] == SCORING_DAG
    # Still running once every task had run; finished by the DAG's last task.
    ended = f"MLflow run {dag_run.info.run_id} was RUNNING; ended FINISHED."
    assert ended in output, _tail(output)
    assert dag_run.info.status == "FINISHED"
    assert dag_run.data.metrics["scoring.test_roc_auc"] == pytest.approx(
        metrics["test"]["roc_auc"]
    )
    assert version.run_id == dag_run.info.run_id
    candidates = {r.info.run_name: r for r in runs if r is not dag_run}
    assert set(candidates) == {f"scoring.{name}" for name in metrics["candidates"]}
    for run in candidates.values():
        assert run.data.tags["mlflow.parentRunId"] == dag_run.info.run_id
        trials = client.get_metric_history(run.info.run_id, "trial_cv_roc_auc")
        assert len(trials) >= 1
