"""The public_health pipeline run for real: on the default generated table (at a
reduced size), and through the `original` environment on a tab-separated file
shaped like Open Food Facts' export, including broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from ia_portfolio.generators.open_food_facts import PNNS_GROUPS, generate_products
from ia_portfolio.pipelines.public_health import cleaning
from ia_portfolio.validation import DataValidationError
from tests.support.in_memory import pipeline_parameters
from tests.support.notebooks import check_exploration
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/public_health")
# The cleaned table and its imputation mask are the primary layer, the rest reports.
PRIMARY = Path("03_primary/public_health")
PRIMARY_TABLES = {"cleaned_products.parquet", "imputed_cells.parquet"}
N_ROWS = 12_000
RAW_FILE = Path("data/01_raw/fr.openfoodfacts.org.products.csv")
ORIGINAL_ENV = "original"
PARAMS = pipeline_parameters("public_health")["public_health"]
OUTPUTS = [
    "cleaned_products.parquet",
    "imputed_cells.parquet",
    "cleaning_report.csv",
    "imputation_report.csv",
    "imputation_check.csv",
    "column_statistics.csv",
    "outlier_summary.csv",
    "pca_variance.csv",
    "pca_loadings.csv",
    "anova_table.csv",
    "group_profiles.csv",
    "missing_values.png",
    "distributions.png",
    "group_counts.png",
    "nutrients_by_group.png",
    "correlation.png",
    "hexbin.png",
    "pca_scree.png",
    "pca_correlation_circle.png",
    "pca_projection.png",
    "anova_effect_sizes.png",
    "nutrient_explorer.json",
    "metrics.json",
    "report.md",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy where the pipeline ran once on 12,000 generated products."""
    root = copy_project(tmp_path_factory.mktemp("public_health"))
    run_pipeline(
        root, "public_health", runtime_params={"public_health": {"n_rows": N_ROWS}}
    )
    return root


@pytest.fixture(scope="module")
def original_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with a small export-shaped file under data/01_raw."""
    root = copy_project(tmp_path_factory.mktemp("public_health_original"))
    _write_export(root, generate_products(4_000, seed=5))
    run_pipeline(root, "public_health", env=ORIGINAL_ENV)
    return root


def _write_export(root: Path, products: pd.DataFrame) -> None:
    """Products as the export has them: more columns, in its order, tab-separated."""
    export = products.assign(
        code=np.arange(len(products)).astype(str),
        url="http://world-fr.openfoodfacts.org/produit/x",
        creator="openfoodfacts-contributors",
        states="en:to-be-completed",
    )
    front = ["code", "url", "creator", "product_name", "brands", "countries_fr"]
    export = export[front + [c for c in export.columns if c not in front]]
    (root / RAW_FILE).parent.mkdir(parents=True, exist_ok=True)
    export.to_csv(root / RAW_FILE, sep="\t", index=False)


@pytest.fixture(scope="module")
def reports(project: Path) -> Path:
    """The reports of the default run."""
    return data_dir(project) / REPORTS


@pytest.fixture(scope="module")
def original_reports(original_project: Path) -> Path:
    """The reports of the ``original`` run."""
    return data_dir(original_project, ORIGINAL_ENV) / REPORTS


def _output(reports: Path, name: str) -> Path:
    """Where the run wrote output ``name`` (``reports``: its reporting folder)."""
    return (
        reports.parents[1] / PRIMARY / name
        if name in PRIMARY_TABLES
        else reports / name
    )


def _read(reports: Path, name: str) -> pd.DataFrame:
    path = _output(reports, name)
    return pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)


def test_every_output_is_written(reports: Path) -> None:
    for name in OUTPUTS:
        assert _output(reports, name).stat().st_size > 300, name


def test_cleaned_table_obeys_every_rule(reports: Path) -> None:
    cleaned = _read(reports, "cleaned_products.parquet")
    assert 0.15 * N_ROWS < len(cleaned) < 0.25 * N_ROWS
    for column, bounds in PARAMS["bounds"].items():
        if column in cleaned:
            values = cleaned[column].dropna()
            assert values.between(bounds["ge"], bounds["le"]).all(), column
    for pair in PARAMS["parts"]:
        assert (cleaned[pair["part"]] <= cleaned[pair["whole"]]).all(), pair
    macro = cleaned[PARAMS["macro_sum"]["columns"]].sum(axis=1)
    assert (macro <= PARAMS["macro_sum"]["max"] + 1e-9).all()
    assert set(cleaned["pnns_groups_1"].dropna()) == set(PNNS_GROUPS)
    assert cleaned["countries_fr"].str.contains("France").all()
    keys = cleaning.duplicate_keys(cleaned, PARAMS["duplicates"]).dropna()
    assert not keys.duplicated().any()
    usable = cleaned[PARAMS["usable"]["columns"]]
    assert usable.notna().all().all()  # every nutrient the app suggests is filled
    assert not {"vitamin-d_100g", "iron_100g"} & set(cleaned.columns)


def test_cleaning_report_accounts_for_every_row(reports: Path) -> None:
    report = _read(reports, "cleaning_report.csv")
    cleaned = _read(reports, "cleaned_products.parquet")
    assert report["rows_before"].iloc[0] == N_ROWS
    assert report["rows_after"].iloc[-1] == len(cleaned)
    chained = report["rows_after"].iloc[:-1].to_numpy()
    assert (chained == report["rows_before"].iloc[1:].to_numpy()).all()
    assert (
        report["rows_before"] - report["rows_after"] == report["rows_removed"]
    ).all()
    imputed = _read(reports, "imputed_cells.parquet")
    step = report.set_index("step").loc["impute_missing_values"]
    assert step["values_imputed"] == imputed.to_numpy().sum()
    imputation = _read(reports, "imputation_report.csv").set_index("column")
    assert imputation.loc["nutrition-score-fr_100g", "imputed"] == 0
    assert imputation["reason"].notna().all()


def test_analysis_tables_show_the_group_structure(reports: Path) -> None:
    anova = _read(reports, "anova_table.csv").set_index("nutrient")
    assert set(anova.index) == set(PARAMS["analysis"]["anova_columns"])
    assert anova["eta_squared"].between(0, 1).all()
    assert anova.loc["carbohydrates_100g", "effect"] == "large"
    assert (anova["p_value"] < 0.001).all()
    variance = _read(reports, "pca_variance.csv")
    assert variance["explained_variance"].sum() == pytest.approx(1.0)
    assert len(variance) == len(PARAMS["analysis"]["pca_columns"])
    check = _read(reports, "imputation_check.csv").set_index("column")
    assert (check["mae_method"] < check["mae_overall_median"]).all()


def test_report_says_the_data_is_synthetic_and_mlflow_has_the_figures(
    project: Path, reports: Path
) -> None:
    cleaned = _read(reports, "cleaned_products.parquet")
    report = (reports / "report.md").read_text()
    assert "synthetic" in report.lower() and "not real data" in report
    assert f"{len(cleaned):,}" in report
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    run = client.search_runs([experiment.experiment_id], max_results=1)[0]
    metrics = run.data.metrics
    assert metrics["public_health.rows_after_impute_missing_values"] == len(cleaned)
    assert 0 < metrics["public_health.pca_explained_pc1"] < 1
    written = json.loads((reports / "metrics.json").read_text())
    logged = {name: metrics[f"public_health.{name}"] for name in written}
    assert logged == pytest.approx(written)


def test_original_environment_reads_the_export(original_reports: Path) -> None:
    cleaned = _read(original_reports, "cleaned_products.parquet")
    report = _read(original_reports, "cleaning_report.csv")
    assert report["rows_before"].iloc[0] == 4_000
    assert report["columns_before"].iloc[0] == 24  # only the 24 columns are read
    assert len(cleaned) > 500
    report = (original_reports / "report.md").read_text()
    assert "fr.openfoodfacts.org.products.csv" in report
    assert "synthetic" not in report.lower()


@pytest.mark.parametrize(
    ("breakage", "column", "expected"),
    [
        # read_csv(usecols=...) refuses the file; Kedro names the dataset.
        (lambda raw: raw.drop(columns="sugars_100g"), "sugars_100g", DatasetError),
        # the schema declared in the catalog catches the type.
        (
            lambda raw: raw.assign(fat_100g=raw["fat_100g"].astype(str) + " g"),
            "fat_100g",
            DataValidationError,
        ),
    ],
    ids=["missing-column", "text-in-measure-column"],
)
def test_bad_export_fails_naming_dataset_and_column_and_keeps_outputs(
    original_project: Path,
    original_reports: Path,
    breakage,
    column: str,
    expected: type[Exception],
) -> None:
    outputs = sorted(original_reports.iterdir())
    assert outputs
    before = {p: p.stat().st_mtime_ns for p in outputs}
    good = (original_project / RAW_FILE).read_bytes()
    try:
        _write_export(original_project, breakage(generate_products(300, seed=6)))
        with pytest.raises(expected) as error:
            run_pipeline(original_project, "public_health", env=ORIGINAL_ENV)
    finally:
        (original_project / RAW_FILE).write_bytes(good)
    message = str(error.value)
    assert "public_health.raw_products" in message
    # the column is named by the error itself, not only in the dataset's settings
    assert f"'{column}'" in message.splitlines()[-1]
    assert sorted(original_reports.iterdir()) == outputs
    assert {p: p.stat().st_mtime_ns for p in outputs} == before


def test_the_exploration_notebook_runs_on_this_run(project) -> None:
    """``notebooks/public_health.ipynb`` executes on this run and shows a table and a
    figure."""
    check_exploration(project, "public_health")
