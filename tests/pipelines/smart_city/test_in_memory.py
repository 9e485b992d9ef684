"""The whole smart_city pipeline in memory on 300 generated trees, one of them
with a typing error in its height."""

from __future__ import annotations

import pytest

from ia_portfolio.pipelines.smart_city.pipeline import create_pipeline
from tests.support.in_memory import InMemoryRun, raw_dataset, run_in_memory

N_TREES = 300
ABSURD_HEIGHT = 881_818
TINY = {
    "smart_city": {
        "stage_estimate": {"min_group_size": 20},
        "plots": {"sample_size": 200, "interactive_sample_size": 200},
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    trees = raw_dataset("smart_city.raw_trees", n_rows=N_TREES).load()
    trees.loc[0, "hauteur_m"] = ABSURD_HEIGHT
    return run_in_memory(create_pipeline(), {"raw_trees": trees}, TINY)


def test_cleaned_inventory_keeps_every_tree_within_bounds(run: InMemoryRun) -> None:
    trees = run["trees_clean"]
    assert len(trees) == N_TREES and trees["id"].is_unique
    assert trees["hauteur_m"].dropna().between(1, 50).all()
    assert trees["circonference_cm"].dropna().between(1, 800).all()
    assert {"zone", "stage_used", "stage_source", "measure_suspect"} <= set(
        trees.columns
    )


def test_maintenance_view_and_report_agree(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    assert metrics["source"]["synthetic"] is True
    assert len(run["inspection_list"]) == metrics["maintenance"]["trees_to_inspect"]
    assert run["mlflow_metrics"]["trees"]["value"] == N_TREES
    assert f"{N_TREES:,} trees" in run["report"]


def test_absurd_height_is_flagged_with_its_rule(run: InMemoryRun) -> None:
    outliers, summary = run["outliers"], run["outlier_summary"]
    (absurd,) = outliers[outliers["value"] == ABSURD_HEIGHT].itertuples()
    assert absurd.column == "hauteur_m" and "domain" in absurd.rules.split(", ")
    assert summary.set_index("column")["flagged"].sum() == len(outliers)
