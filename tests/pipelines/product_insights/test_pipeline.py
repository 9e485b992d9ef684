"""``kedro run --pipeline=product_insights`` on a project copy, on the real
packaged reviews and Fashion-MNIST photos with tiny budgets: files through the
catalog, MLflow metrics, report."""

from __future__ import annotations

import json

import pytest

from tests.support.notebooks import check_exploration
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

TINY = {
    "product_insights": {
        "data": {"reviews": {"sample_size": 60}, "images": {"sample_size": 100}},
        "text": {"topics": {"k_values": [2, 3]}},
        "images": {
            "sift": {"image_size": 56, "vocabulary_size": 30},
            "orb": {"vocabulary_size": 30},
            "cnn": {"image_size": 64},
            "clustering": {"tsne_perplexity": 10},
        },
    }
}
REPORTS = "08_reporting/product_insights"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    project = copy_project(tmp_path_factory.mktemp("product_insights_project"))
    run_pipeline(project, "product_insights", runtime_params=TINY)
    return project


def test_run_writes_metrics_report_figures_and_cached_features(project) -> None:
    outputs = data_dir(project)
    metrics = json.loads((outputs / REPORTS / "metrics.json").read_text())
    assert metrics["reviews_by_corpus"] == {"fine_food": 60, "drugs_com": 60}
    assert metrics["images"] == 100 and metrics["classes"] == 10
    assert [row["k"] for row in metrics["topics"]["lda"]["by_k"]] == [2, 3]
    assert set(metrics["image_features"]) == {"sift", "orb", "pixels", "cnn"}
    for figure in (
        "coherence",
        "topic_shares",
        "preprocessing",
        "image_maps",
        "confusion",
        "ari",
        "cluster_gallery",
    ):
        assert (outputs / REPORTS / f"{figure}.png").stat().st_size > 0, figure
    assert (outputs / REPORTS / "topic_map.json").is_file()
    assert "## Photos" in (outputs / REPORTS / "report.md").read_text()
    for cached in ("review_embeddings", "cnn_features"):
        assert (outputs / "04_feature/product_insights" / f"{cached}.pkl").is_file()


def test_the_exploration_notebook_runs_on_this_run(project) -> None:
    """``notebooks/product_insights.ipynb`` executes on this run and shows a table and a
    figure."""
    check_exploration(project, "product_insights")
