"""The smart_city pipeline run for real (Kedro session, catalog, hooks, MLflow) in
throw-away project copies, on a smaller generated inventory, on a
``;``-separated file through the ``original`` environment, and on broken files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pandas as pd
import plotly.io
import pytest
import yaml

from ia_portfolio.generators.paris_trees import generate_trees
from ia_portfolio.validation import DataValidationError
from tests.support.notebooks import check_exploration
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

N_ROWS = 6000
SMALL_ENV = "small"
REPORTS = Path("08_reporting/smart_city")
CLEAN_TREES = Path("03_primary/smart_city/trees_clean.parquet")
OUTPUTS = (
    "column_statistics.csv",
    "name_variants.csv",
    "outliers.csv",
    "outlier_summary.csv",
    "cleaning_log.csv",
    "stage_estimate.json",
    "maintenance_by_area_stage.csv",
    "inspection_list.csv",
    "metrics.json",
    "missing_values.png",
    "distributions.png",
    "height_vs_circumference.png",
    "tree_map.png",
    "maintenance.png",
    "tree_map.json",
    "maintenance.json",
    "report.md",
)


def _base_entry(project: Path) -> dict:
    catalog = yaml.safe_load((project / "conf/base/catalog_smart_city.yml").read_text())
    return catalog["smart_city.raw_trees"]


def _write_env(project: Path, env: str, entry: dict) -> None:
    folder = project / "conf" / env
    folder.mkdir(exist_ok=True)
    (folder / "catalog.yml").write_text(yaml.safe_dump({"smart_city.raw_trees": entry}))


@pytest.fixture(scope="module")
def city_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project copy where ``kedro run --pipeline=smart_city`` ran once on
    6,000 generated trees (environment ``small``: only ``n_rows`` differs)."""
    project = copy_project(tmp_path_factory.mktemp("smart_city"))
    _write_env(project, SMALL_ENV, {**_base_entry(project), "n_rows": N_ROWS})
    run_pipeline(project, "smart_city", env=SMALL_ENV)
    yield project


@pytest.fixture(scope="module")
def city_outputs(city_project: Path) -> Path:
    """Where the ``small`` run of ``city_project`` wrote its outputs."""
    return data_dir(city_project, SMALL_ENV)


def test_every_output_is_written(city_project: Path, city_outputs: Path) -> None:
    for name in OUTPUTS:
        assert (city_outputs / REPORTS / name).stat().st_size > 200, name
    assert (city_outputs / CLEAN_TREES).exists()
    # The default environment's outputs are left alone.
    assert not (data_dir(city_project) / REPORTS).exists()


def test_cleaned_inventory_keeps_every_tree_within_bounds(city_outputs: Path) -> None:
    trees = pd.read_parquet(city_outputs / CLEAN_TREES)
    assert len(trees) == N_ROWS and trees["id"].is_unique
    assert trees["hauteur_m"].dropna().between(1, 50).all()
    assert trees["circonference_cm"].dropna().between(1, 800).all()
    assert set(trees["zone"]) == {"Paris", "woods", "outside Paris"}
    assert {"stage_used", "stage_source", "measure_suspect"} <= set(trees.columns)
    assert "numero" not in trees.columns


def test_outlier_table_names_the_rule_of_each_value(city_outputs: Path) -> None:
    outliers = pd.read_csv(city_outputs / REPORTS / "outliers.csv")
    absurd = outliers[outliers["value"] == 881_818]
    assert absurd["rules"].str.contains("domain").all() and len(absurd) == 1
    assert set(outliers["rules"]) <= {
        "domain",
        "iqr",
        "robust_z",
        "domain, iqr",
        "domain, robust_z",
        "iqr, robust_z",
        "domain, iqr, robust_z",
    }
    summary = pd.read_csv(city_outputs / REPORTS / "outlier_summary.csv")
    assert (
        summary.set_index("column").loc["hauteur_m", "flagged"]
        == (outliers["column"] == "hauteur_m").sum()
    )


def test_report_and_figures_are_labelled_synthetic(city_outputs: Path) -> None:
    report = (city_outputs / REPORTS / "report.md").read_text()
    assert "**Synthetic data.**" in report and f"{N_ROWS:,} trees" in report
    figure = plotly.io.read_json(city_outputs / REPORTS / "tree_map.json")
    assert "synthetic" in figure.layout.title.text
    assert sum(len(trace.x) for trace in figure.data) <= N_ROWS
    metrics = json.loads((city_outputs / REPORTS / "metrics.json").read_text())
    assert metrics["source"]["synthetic"] is True
    inspection = pd.read_csv(city_outputs / REPORTS / "inspection_list.csv")
    assert len(inspection) == metrics["maintenance"]["trees_to_inspect"]


def test_mlflow_run_has_the_metrics_and_plots(
    city_project: Path, city_outputs: Path
) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{city_project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    run = client.search_runs([experiment.experiment_id], max_results=1)[0]
    assert run.data.metrics["smart_city.trees"] == N_ROWS
    metrics = json.loads((city_outputs / REPORTS / "metrics.json").read_text())
    assert run.data.metrics["smart_city.share_to_inspect"] == pytest.approx(
        metrics["maintenance"]["share_to_inspect"]
    )
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "smart_city")}
    assert {"smart_city/tree_map.png", "smart_city/report.md"} <= artifacts


@pytest.mark.parametrize(
    ("breakage", "column"),
    [
        (lambda raw: raw.drop(columns="hauteur_m"), "hauteur_m"),
        (
            lambda raw: raw.assign(
                circonference_cm=raw["circonference_cm"].astype(str) + " cm"
            ),
            "circonference_cm",
        ),
    ],
    ids=["missing-measure-column", "text-in-measure-column"],
)
def test_bad_raw_file_fails_naming_dataset_and_column_and_writes_nothing(
    city_project: Path, city_outputs: Path, breakage, column: str
) -> None:
    (city_project / "data/01_raw").mkdir(exist_ok=True)
    broken = breakage(generate_trees(500, seed=0))
    broken.to_csv(city_project / "data/01_raw/broken_trees.csv", sep=";", index=False)
    entry = {
        "type": "pandas.CSVDataset",
        "filepath": "data/01_raw/broken_trees.csv",
        "load_args": {"sep": ";"},
        "metadata": _base_entry(city_project)["metadata"],  # the same contract
    }
    _write_env(city_project, "broken", entry)
    report = city_outputs / REPORTS / "report.md"
    before = report.stat().st_mtime_ns

    with pytest.raises(DataValidationError) as error:
        run_pipeline(city_project, "smart_city", env="broken")

    assert "smart_city.raw_trees" in str(error.value)
    assert f"'{column}'" in str(error.value)
    # The run stopped before its first node: not one output of its own.
    broken_outputs = data_dir(city_project, "broken")
    assert not [p for p in broken_outputs.rglob("*") if p.is_file()]
    assert report.stat().st_mtime_ns == before


def test_original_environment_reads_the_semicolon_file(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "original")
    raw = project / "data/01_raw/p2-arbres-fr.csv"
    raw.parent.mkdir(parents=True)
    generate_trees(3000, seed=1).to_csv(raw, sep=";", index=False)

    run_pipeline(project, "smart_city", env="original")

    reports = data_dir(project, "original") / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["source"]["synthetic"] is False
    assert metrics["raw_shape"] == [3000, 18]
    report = (reports / "report.md").read_text()
    assert "Synthetic" not in report and "p2-arbres-fr.csv" in report


def test_the_exploration_notebook_runs_on_this_run(city_project) -> None:
    """``notebooks/smart_city.ipynb`` executes on this run and shows a table and a
    figure."""
    check_exploration(city_project, "smart_city", env=SMALL_ENV)
