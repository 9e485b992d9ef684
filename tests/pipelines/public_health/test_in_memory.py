"""The whole public_health pipeline in memory on 600 generated products."""

from __future__ import annotations

import pytest

from ia_portfolio.pipelines.public_health.pipeline import create_pipeline
from tests.support.in_memory import (
    InMemoryRun,
    pipeline_parameters,
    raw_dataset,
    run_in_memory,
)

N_PRODUCTS = 600
TINY = {
    "public_health": {
        "imputation": {"median_by_group": {"min_group_size": 5}},
        "analysis": {
            "min_group_size": 5,
            "projection_sample_size": 100,
            "interactive_sample_size": 100,
        },
    }
}
PARAMS = pipeline_parameters("public_health", TINY)["public_health"]


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    products = raw_dataset("public_health.raw_products", n_rows=N_PRODUCTS).load()
    return run_in_memory(create_pipeline(), {"raw_products": products}, TINY)


def test_cleaning_report_accounts_for_every_row(run: InMemoryRun) -> None:
    report, cleaned = run["cleaning_report"], run["cleaned_products"]
    assert report["rows_before"].iloc[0] == N_PRODUCTS
    assert report["rows_after"].iloc[-1] == len(cleaned) > 50
    assert (
        report["rows_after"].iloc[:-1].to_numpy() == report["rows_before"].iloc[1:]
    ).all()
    assert report.set_index("step").loc["impute_missing_values", "values_imputed"] == (
        run["imputed_cells"].to_numpy().sum()
    )


def test_cleaned_products_obey_the_rules(run: InMemoryRun) -> None:
    cleaned = run["cleaned_products"]
    assert cleaned["countries_fr"].str.contains("France").all()
    for column, bounds in PARAMS["bounds"].items():
        if column in cleaned:
            assert cleaned[column].dropna().between(bounds["ge"], bounds["le"]).all()
    for pair in PARAMS["parts"]:
        assert (cleaned[pair["part"]] <= cleaned[pair["whole"]]).all(), pair
    assert cleaned[PARAMS["usable"]["columns"]].notna().all().all()


def test_analysis_covers_every_nutrient(run: InMemoryRun) -> None:
    anova = run["anova_table"].set_index("nutrient")
    assert set(anova.index) == set(PARAMS["analysis"]["anova_columns"])
    assert anova["eta_squared"].between(0, 1).all()
    variance = run["pca_variance"]
    assert len(variance) == len(PARAMS["analysis"]["pca_columns"])
    assert variance["explained_variance"].sum() == pytest.approx(1.0)
    assert f"{len(run['cleaned_products']):,}" in run["report"]


def test_metrics_follow_the_cleaning_and_the_analysis(run: InMemoryRun) -> None:
    metrics, report = run["metrics"], run["cleaning_report"]
    assert metrics["rows_raw"] == N_PRODUCTS
    assert metrics["rows_after_impute_missing_values"] == report["rows_after"].iloc[-1]
    assert run["mlflow_metrics"]["rows_raw"] == {"value": N_PRODUCTS, "step": 0}
