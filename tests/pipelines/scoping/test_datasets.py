"""The scoping pipeline's read-only inputs: benchmark files, the MLflow store and
the data folders, read where something exists and empty (not an error, nothing
created) where nothing does."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml

from ia_portfolio.pipelines.scoping.datasets import (
    DataFootprintDataset,
    JSONFolderDataset,
    MlflowRunsDataset,
)
from ia_portfolio.pipelines.scoping.nodes import _at, extract_benchmark_measurements
from tests.support.project import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results"


def _parameters() -> dict:
    path = PROJECT_ROOT / "conf" / "base" / "parameters_scoping.yml"
    return yaml.safe_load(path.read_text())["scoping"]


def test_a_missing_folder_reads_as_no_result(tmp_path: Path) -> None:
    assert JSONFolderDataset(path=str(tmp_path / "absent")).load() == {}
    (tmp_path / "a.json").write_text(json.dumps({"x": 1}))
    (tmp_path / "notes.md").write_text("not a result")
    assert JSONFolderDataset(path=str(tmp_path)).load() == {"a": {"x": 1}}


def test_every_prediction_benchmark_points_at_a_figure_of_its_file() -> None:
    """A renamed key in a benchmark file would silently turn a measured figure
    into a missing one: each configured path must hold a positive number."""
    results = JSONFolderDataset(path=str(RESULTS)).load()
    for spec in _parameters()["data"]["prediction_benchmarks"]:
        result = results[spec["file"]]
        for key in ("per_second", "rss_bytes"):
            if key in spec:
                value = _at(result, spec[key])
                assert isinstance(value, int | float), (spec["file"], spec[key])
                assert value > 0, (spec["file"], spec[key])


def test_committed_training_benchmarks_are_read() -> None:
    results = JSONFolderDataset(path=str(RESULTS)).load()
    figures = extract_benchmark_measurements(results, _parameters()["data"])
    timed = figures[figures["quantity"] == "train_peak_rss_mib"]
    # Every benchmark of a default `kedro run --pipeline=<p>` gives its peak memory.
    expected = {
        result["config"]["command"].split("--pipeline=")[1]
        for result in results.values()
        if str(_at(result, "config.command")).startswith("kedro run --pipeline=")
        and " " not in _at(result, "config.command").split("--pipeline=")[1]
        and isinstance(result.get("runs"), list)
    }
    assert expected, "no training benchmark found"
    assert expected <= set(timed["pipeline"])


def test_an_absent_mlflow_store_is_read_as_empty_and_not_created(
    tmp_path: Path,
) -> None:
    database = tmp_path / "mlflow.db"
    runs = MlflowRunsDataset(tracking_uri=f"sqlite:///{database}").load()
    assert runs.empty
    assert not database.exists()


class _Constant(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        return model_input


def test_runs_with_their_artifacts_and_models(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    experiment = client.create_experiment(
        "scoping_test", artifact_location=(tmp_path / "mlruns").as_uri()
    )
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        with mlflow.start_run(experiment_id=experiment, run_name="smart_city") as run:
            mlflow.log_text("x" * 5000, "smart_city/report.md")
            # Requirements given: MLflow's inference loads the model in a
            # subprocess (seconds), and only the model's size is read here.
            mlflow.pyfunc.log_model(
                name="model", python_model=_Constant(), pip_requirements=["mlflow"]
            )
        with mlflow.start_run(experiment_id=experiment, run_name="smart_city"):
            mlflow.set_tags({"node_names": "['a']", "env": "original"})
        # `kedro run` of several pipelines: one nested run per pipeline, tagged.
        with mlflow.start_run(experiment_id=experiment, run_name="__default__"):
            mlflow.set_tags({"env": "original"})
            with mlflow.start_run(run_name="scoring", nested=True) as nested:
                mlflow.set_tags({"ia_portfolio.pipeline": "scoring"})
    finally:
        mlflow.set_tracking_uri(previous)  # None: back to MLflow's default
    runs = MlflowRunsDataset(tracking_uri=uri).load().set_index("run_id")
    complete = runs.loc[run.info.run_id]
    assert complete["status"] == "FINISHED"
    assert complete["artifact_bytes"] == 5000  # noqa: PLR2004
    assert complete["model_bytes"] > 0
    assert not complete["partial"]
    assert complete["env"] == "local"
    partial = runs[runs["partial"]]
    assert len(partial) == 1
    assert partial.iloc[0]["env"] == "original"
    child = runs.loc[nested.info.run_id]
    assert child["pipeline"] == "scoring"
    assert child["env"] == "original"  # from its parent
    assert runs.loc[child["parent_run_id"], "run_name"] == "__default__"


def test_data_footprint_per_pipeline_folder(tmp_path: Path) -> None:
    reports = tmp_path / "08_reporting" / "smart_city"
    reports.mkdir(parents=True)
    (reports / "report.md").write_bytes(b"x" * 100)
    (reports / "plots").mkdir()
    (reports / "plots" / "a.png").write_bytes(b"x" * 50)
    (tmp_path / "06_models" / "scoring").mkdir(parents=True)
    (tmp_path / "06_models" / "scoring" / ".gitkeep").write_text("")
    footprint = DataFootprintDataset(root=str(tmp_path)).load()
    assert footprint.to_dict(orient="records") == [
        {"pipeline": "scoring", "layer": "06_models", "files": 0, "bytes": 0},
        {"pipeline": "smart_city", "layer": "08_reporting", "files": 2, "bytes": 150},
    ]
    assert DataFootprintDataset(root=str(tmp_path / "absent")).load().empty
    assert isinstance(footprint, pd.DataFrame)


@pytest.mark.parametrize(
    "dataset",
    [
        JSONFolderDataset(path="x"),
        MlflowRunsDataset(),
        DataFootprintDataset(root="x"),
    ],
)
def test_inputs_are_read_only(dataset) -> None:  # noqa: ANN001
    with pytest.raises(Exception, match="read-only"):
        dataset.save({"x": 1})
