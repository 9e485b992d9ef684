"""``kedro run --pipeline=scoping`` for real in a throw-away project copy: first as
in a fresh clone (no benchmark file, no MLflow store, no data), where every
figure is reported missing, then after another pipeline ran, whose MLflow run
and data folders it then measures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ia_portfolio.pipeline_registry import pipeline_names
from tests.support.project import copy_project

pytestmark = pytest.mark.slow

REPORTS = Path("data/08_reporting/scoping")
OUTPUTS = (
    "measurements.csv",
    "cost_table.csv",
    "cost_table.md",
    "risk_register.md",
    "cost.png",
    "risk_matrix.png",
    "metrics.json",
    "report.md",
)


def _kedro_run(project: Path, pipeline: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kedro", "run", f"--pipeline={pipeline}"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("scoping") / "project")


@pytest.fixture(scope="module")
def fresh(project: Path) -> dict[str, pd.DataFrame | str]:
    """The outputs of a first run, before anything else ran in the copy."""
    assert not (project / "mlflow.db").exists()
    _kedro_run(project, "scoping")
    reports = project / REPORTS
    return {
        "measurements": pd.read_csv(reports / "measurements.csv"),
        "costs": pd.read_csv(reports / "cost_table.csv"),
        "report": (reports / "report.md").read_text(),
        "files": sorted(path.name for path in reports.iterdir()),
    }


def test_a_fresh_project_reports_every_figure_missing(fresh) -> None:
    assert set(OUTPUTS) <= set(fresh["files"])
    measurements = fresh["measurements"]
    expected = set(pipeline_names()) - {"scoping"}
    assert set(measurements["pipeline"]) == expected
    assert set(measurements["status"]) == {"not measured", "not applicable"}
    assert measurements["value"].isna().all()
    costs = fresh["costs"]
    assert set(costs["pipeline"]) == expected
    assert not costs["complete"].any()
    assert (costs["known_cost_month"] == 0).all()
    assert "## Not measured" in fresh["report"]
    assert "not measured" in fresh["report"]


def test_after_another_pipeline_its_run_and_data_are_measured(project, fresh) -> None:
    _kedro_run(project, "smart_city")
    _kedro_run(project, "scoping")
    measurements = pd.read_csv(project / REPORTS / "measurements.csv")
    city = measurements[measurements["pipeline"] == "smart_city"].set_index("quantity")
    assert city.loc["mlflow_runs", "value"] == 1
    assert city.loc["mlflow_run_s", "value"] > 0
    assert city.loc["mlflow_mib_per_run", "value"] > 0
    assert city.loc["data_mib", "value"] > 0
    assert city.loc["data_mib", "status"] == "measured"
    # The scoping runs themselves are not counted as a pipeline's runs.
    assert "scoping" not in set(measurements["pipeline"])
    metrics = json.loads((project / REPORTS / "metrics.json").read_text())
    by_pipeline = {row["pipeline"]: row for row in metrics["by_pipeline"]}
    assert by_pipeline["smart_city"]["storage_cost_month"] > 0
    assert by_pipeline["smart_city"]["train_wall_source"] == "MLflow"
