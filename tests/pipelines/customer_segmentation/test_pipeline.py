"""The customer_segmentation pipeline run for real (Kedro session, catalog, hooks,
MLflow) in throw-away project copies: on the CDNOW log from the lifetimes wheel
(small search budgets), on the eight Olist CSV files of the ``original``
environment (synthetic ones), on a CSV with bad rows, and on a CSV without its
customer column."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from ia_portfolio.generators.olist import generate_tables, write_tables
from ia_portfolio.validation import DataValidationError
from tests.support.notebooks import check_exploration
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/customer_segmentation")
FAST = {
    "customer_segmentation": {
        "model": {"k_max": 6, "n_init": 2, "fit_sample_size": 3000},
        "stability": {"step_days": 91, "max_elapsed_days": 364},
        "views": {"tsne_sample_size": 500},
    }
}
OUTPUTS = (
    "input_quality.csv",
    "k_selection.csv",
    "model_comparison.csv",
    "segment_profiles.csv",
    "stability_curve.csv",
    "metrics.json",
    "k_selection.png",
    "profiles.png",
    "snake.png",
    "pca_view.png",
    "tsne_view.png",
    "stability.png",
    "report.md",
)


@pytest.fixture(scope="module")
def cdnow_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project copy where the pipeline ran once on CDNOW."""
    project = copy_project(tmp_path_factory.mktemp("customer_segmentation"))
    run_pipeline(project, "customer_segmentation", runtime_params=FAST)
    yield project


def test_every_output_is_written(cdnow_project: Path) -> None:
    for name in OUTPUTS:
        assert (data_dir(cdnow_project) / REPORTS / name).stat().st_size > 200, name


def test_metrics_have_quality_segments_and_stability_curve(cdnow_project: Path) -> None:
    reports = data_dir(cdnow_project) / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["customers"] == 23570 and metrics["transactions"] == 69659
    assert 0 < metrics["silhouette"] <= 1 and metrics["davies_bouldin"] > 0
    assert 3 <= metrics["n_segments"] <= 8
    assert len(metrics["segments"]) >= metrics["n_segments"]
    curve = pd.DataFrame(metrics["stability"]["curve"])
    assert curve["elapsed_days"].tolist()[:3] == [0, 91, 182]
    assert curve["ari"].iloc[0] == pytest.approx(1.0)
    assert metrics["stability"]["recommended_refit_days"] in set(curve["elapsed_days"])
    report = (reports / "report.md").read_text()
    assert "Recommendation: re-fit" in report
    for row in metrics["segments"]:
        assert row["name"] in report and row["action"] in report
    profiles = pd.read_csv(reports / "segment_profiles.csv")
    assert profiles["name"].is_unique and profiles["action"].is_unique


def test_metrics_reach_mlflow(cdnow_project: Path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{cdnow_project / 'mlflow.db'}")
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) == 1
    run = runs.iloc[0]
    assert np.isfinite(run["metrics.customer_segmentation.silhouette"])
    assert run["metrics.customer_segmentation.n_segments"] >= 3


def _csv_env(project: Path, env: str, frame: pd.DataFrame) -> None:
    path = project / "data/01_raw/transactions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    base = yaml.safe_load(
        (project / "conf/base/catalog_customer_segmentation.yml").read_text()
    )["customer_segmentation.raw_transactions"]
    entry = {
        "type": "pandas.CSVDataset",
        "filepath": "data/01_raw/transactions.csv",
        "load_args": {"dtype": "str"},
        "metadata": {"schema": base["metadata"]["schema"]},
    }
    (project / "conf" / env).mkdir()
    (project / "conf" / env / "catalog.yml").write_text(
        yaml.safe_dump({"customer_segmentation.raw_transactions": entry})
    )


def _small_log(n_customers: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        for _ in range(int(rng.integers(1, 6))):
            day = pd.Timestamp("1997-01-01") + pd.Timedelta(
                days=int(rng.integers(0, 500))
            )
            rows.append(
                {
                    "customer_id": f"{c:05d}",
                    "date": day.strftime("%Y%m%d"),
                    "number_of_cds": str(int(rng.integers(1, 5))),
                    "dollar_value": f"{rng.lognormal(3, 1):.2f}",
                }
            )
    return pd.DataFrame(rows)


def test_bad_rows_are_reported_with_counts(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    log = _small_log()
    log.loc[0:2, "dollar_value"] = "-5.00"
    log.loc[3:6, "dollar_value"] = "n/a"
    log.loc[7, "date"] = "19971345"
    _csv_env(project, "bad_rows", log)
    runtime = {
        "customer_segmentation": {
            **FAST["customer_segmentation"],
            "model": {
                "k_max": 5,
                "fit_sample_size": 300,
                "metric_sample_size": 300,
                "hdbscan": {"min_cluster_size": 15, "min_samples": 5},
            },
            "views": {"tsne_sample_size": 100, "perplexity": 10},
        }
    }
    run_pipeline(
        project, "customer_segmentation", env="bad_rows", runtime_params=runtime
    )
    outputs = data_dir(project, "bad_rows")
    quality = pd.read_csv(outputs / REPORTS / "input_quality.csv").set_index("issue")
    assert quality.loc["negative amount", "rows"] == 3
    assert quality.loc["non-numeric or missing amount", "rows"] == 4
    assert quality.loc["unparsable timestamp", "rows"] == 1
    assert quality.loc["rows kept", "rows"] == len(log) - 8
    kept = pd.read_parquet(
        outputs / "03_primary/customer_segmentation/transactions.parquet"
    )
    assert len(kept) == len(log) - 8


def test_missing_customer_column_fails_naming_it(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    _csv_env(project, "no_customer", _small_log().drop(columns="customer_id"))
    with pytest.raises(DataValidationError, match="customer_id"):
        run_pipeline(project, "customer_segmentation", env="no_customer")
    assert not (data_dir(project, "no_customer") / REPORTS).exists()


def test_original_env_joins_the_eight_olist_files(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    write_tables(project / "data/01_raw/olist", 6_000, seed=5)
    run_pipeline(project, "customer_segmentation", env="original", runtime_params=FAST)
    tables = generate_tables(6_000, seed=5)
    orders = tables["orders"]
    lines_per_order = tables["order_items"]["order_id"].value_counts()
    rows = orders["order_id"].map(lines_per_order).fillna(1)
    excluded = rows[orders["order_status"].isin(["canceled", "unavailable"])].sum()
    outputs = data_dir(project, "original")
    quality = pd.read_csv(outputs / REPORTS / "input_quality.csv").set_index("column")
    assert quality.loc["order_status", "rows"] == excluded > 0
    metrics = json.loads((outputs / REPORTS / "metrics.json").read_text())
    assert (
        metrics["customers"]
        == pd.read_parquet(
            outputs / "04_feature/customer_segmentation/customer_features.parquet"
        ).shape[0]
    )
    features = pd.read_parquet(
        outputs / "05_model_input/customer_segmentation/scaled_features.parquet"
    )
    assert {
        "mean_review_score",
        "mean_delivery_delay_days",
        "mean_installments",
        "mean_distance_km",
    } <= set(features.columns)
    assert "Olist" in (outputs / REPORTS / "report.md").read_text()


def test_the_exploration_notebook_runs_on_this_run(cdnow_project) -> None:
    """``notebooks/customer_segmentation.ipynb`` executes on this run and shows a table and a
    figure."""
    check_exploration(cdnow_project, "customer_segmentation")
