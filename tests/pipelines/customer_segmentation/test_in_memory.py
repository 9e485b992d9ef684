"""The whole customer_segmentation pipeline in memory on the CDNOW purchases of
200 customers."""

from __future__ import annotations

import pytest

from ia_portfolio.pipelines.customer_segmentation.pipeline import create_pipeline
from tests.support.in_memory import InMemoryRun, raw_dataset, run_in_memory

N_CUSTOMERS = 200
TINY = {
    "customer_segmentation": {
        "model": {
            "k_max": 6,
            "n_init": 2,
            "hdbscan": {"min_cluster_size": 10, "min_samples": 5},
        },
        "stability": {"step_days": 91, "max_elapsed_days": 364},
        "views": {"tsne_sample_size": 100, "perplexity": 10},
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    log = raw_dataset("customer_segmentation.raw_transactions").load()
    customers = log["customer_id"].drop_duplicates().sample(N_CUSTOMERS, random_state=0)
    return run_in_memory(
        create_pipeline(),
        {"raw_transactions": log[log["customer_id"].isin(customers)]},
        TINY,
    )


def test_every_customer_gets_a_readable_segment(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    assert metrics["customers"] == N_CUSTOMERS
    assert metrics["transactions"] == len(run["transactions"])
    assert 0 < metrics["silhouette"] <= 1 and metrics["davies_bouldin"] > 0
    comparison = run["model_comparison"]
    assert comparison.loc[comparison["chosen"], "model"].item() == metrics["model"]
    assert comparison.loc[comparison["chosen"], "readable"].item()
    assignments = run["segment_assignments"]
    assert len(assignments) == N_CUSTOMERS


def test_segments_have_unique_names_and_actions_in_the_report(
    run: InMemoryRun,
) -> None:
    profiles, report = run["segment_profiles"], run["report"]
    assert profiles["customers"].sum() == N_CUSTOMERS
    assert profiles["name"].is_unique and profiles["action"].is_unique
    for row in profiles.itertuples():
        assert row.name in report and row.action in report


def test_stability_curve_recommends_a_refit_period(run: InMemoryRun) -> None:
    curve = run["stability_curve"]
    assert curve["elapsed_days"].tolist() == [0, 91, 182, 273, 364]
    assert curve["ari"].iloc[0] == pytest.approx(1.0)
    summary = run["stability_summary"]
    assert summary["recommended_refit_days"] in set(curve["elapsed_days"])


def test_a_segment_has_one_colour_in_every_figure(run: InMemoryRun) -> None:
    """Radar, snake and 2-D views draw each segment in the same colour."""
    from matplotlib.colors import to_hex  # noqa: PLC0415

    from ia_portfolio.pipelines.customer_segmentation.plots import (  # noqa: PLC0415
        segment_colours,
    )

    profiles = run["segment_profiles"]
    colours = {k: v.lower() for k, v in segment_colours(profiles).items()}
    assert len(set(colours.values())) == len(colours)
    radar = [to_hex(axes.lines[0].get_color()) for axes in run["profiles_plot"].axes]
    assert radar == [colours[name] for name in profiles["name"]]
    snake = {
        line.get_label(): to_hex(line.get_color())
        for line in run["snake_plot"].axes[0].lines
        if line.get_label() in colours
    }
    assert snake == {name: colours[name] for name in profiles["name"]}
    for view in ("pca_view_plot", "tsne_view_plot"):
        points = {
            c.get_label(): to_hex(c.get_facecolor()[0])
            for c in run[view].axes[0].collections
        }
        assert points and points == {name: colours[name] for name in points}
