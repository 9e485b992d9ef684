"""The closing lines of a run: the folders it wrote and its MLflow run(s)."""

import logging
from types import SimpleNamespace

import mlflow
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset, Version
from kedro.pipeline import Pipeline, node
from kedro_datasets.pandas import CSVDataset

from ia_portfolio.run_summary import RunSummaryHooks
from ia_portfolio.tracking import PIPELINE_TAG


def _identity(frame):
    return frame, frame


@pytest.fixture
def tracking(tmp_path):
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield mlflow.MlflowClient()
    mlflow.set_tracking_uri(previous)


def test_the_summary_names_the_folders_written_and_the_runs(tmp_path, tracking, caplog):
    table = tmp_path / "data" / "08_reporting" / "demo" / "table.csv"
    catalog = DataCatalog(
        {
            "raw": MemoryDataset(pd.DataFrame({"a": [1]})),
            "table": CSVDataset(filepath=str(table)),
            "model": CSVDataset(
                filepath=str(table.parent / "model.csv"), version=Version(None, None)
            ),
            "kept_in_memory": MemoryDataset(),
        }
    )
    pipeline = Pipeline(
        [
            node(_identity, "raw", ["table", "kept_in_memory"]),
            node(lambda frame: frame, "table", "model"),
        ]
    )
    experiment = tracking.create_experiment("demo_experiment")
    parent = tracking.create_run(experiment, run_name="all", tags={"run_id": "s-1"})
    for name, tags in [("demo", {PIPELINE_TAG: "demo"}), ("demo.candidate", {})]:
        tracking.create_run(
            experiment,
            run_name=name,
            tags={"mlflow.parentRunId": parent.info.run_id, **tags},
        )
    hooks = RunSummaryHooks()
    hooks.after_context_created(
        SimpleNamespace(mlflow=SimpleNamespace(ui=SimpleNamespace(host="h", port=5001)))
    )
    hooks.before_pipeline_run()
    catalog.save("table", pd.DataFrame({"a": [1]}))
    catalog.save("model", pd.DataFrame({"a": [1]}))
    with caplog.at_level(logging.INFO, logger="ia_portfolio.run_summary"):
        hooks.after_pipeline_run(
            {"project_path": str(tmp_path), "run_id": "s-1"}, pipeline, catalog
        )
    (summary,) = [
        r.getMessage() for r in caplog.records if r.name == "ia_portfolio.run_summary"
    ]
    # The versioned dataset's file counts in the folder holding the dataset.
    assert "Outputs written to:\n  data/08_reporting/demo/ (2 files)\n" in summary
    assert (
        f"MLflow run 'all' (id {parent.info.run_id}, experiment 'demo_experiment'): "
        f"http://h:5001/#/experiments/{experiment}/runs/{parent.info.run_id}"
    ) in summary
    assert "\n  pipeline run 'demo' (id " in summary
    assert "\n  nested runs: demo.candidate\n" in summary


def test_a_run_without_tracking_says_so(tmp_path, tracking, caplog):
    catalog = DataCatalog({"x": MemoryDataset(1), "y": MemoryDataset()})
    hooks = RunSummaryHooks()
    hooks.before_pipeline_run()
    with caplog.at_level(logging.INFO, logger="ia_portfolio.run_summary"):
        hooks.after_pipeline_run(
            {"project_path": str(tmp_path), "run_id": "nothing-tagged"},
            Pipeline([node(lambda v: v, "x", "y")]),
            catalog,
        )
    (summary,) = [
        r.getMessage() for r in caplog.records if r.name == "ia_portfolio.run_summary"
    ]
    assert "No output file written" in summary
    assert "No MLflow run" in summary
