"""The ``product_insights`` pipeline run in memory on tiny hand-made reviews and
drawn shapes, with the project's parameters and small budgets: every node
(the real MiniLM and EfficientNet on a handful of inputs), no files, no MLflow."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from ia_portfolio.pipelines.product_insights import create_pipeline
from tests.pipelines.product_insights.samples import SHAPES, raw_images, raw_reviews
from tests.support.in_memory import InMemoryRun, run_in_memory

SMALL = {
    "product_insights": {
        "data": {"images": {"sample_size": 60}},
        "text": {
            "tokens": {"bigram_min_count": 3},
            "vocabulary": {"no_below": 2, "no_above": 0.9},
            "topics": {"k_values": [2, 3], "embedding": {"umap": {"n_neighbors": 5}}},
        },
        "images": {
            "sift": {"image_size": 56, "vocabulary_size": 20},
            "orb": {"image_size": 112, "vocabulary_size": 20},
            "cnn": {"image_size": 64, "batch_size": 32},
            "clustering": {"tsne_perplexity": 5},
            "gallery": {"images_per_cluster": 4},
        },
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    return run_in_memory(
        create_pipeline(),
        {"raw_reviews": raw_reviews(), "raw_images": raw_images()},
        SMALL,
    )


def test_only_unhappy_cleaned_distinct_reviews_are_kept(run: InMemoryRun) -> None:
    reviews = run["reviews"]
    assert len(reviews) == 8 * 7  # 8 copies of 4 + 3 texts; happy ones left out
    assert not reviews["text"].str.contains('&quot;|"').any()
    assert set(reviews["corpus"]) == {"fine_food", "drugs_com"}


def test_tokens_are_stemmed_without_stop_words_and_shown_as_words(
    run: InMemoryRun,
) -> None:
    tokens = " ".join(run["review_tokens"]["tokens"]).split()
    assert "the" not in tokens and "and" not in tokens
    headache = [t for t in tokens if "headach" in t]  # Porter stem of headaches
    assert headache and all("headaches" not in t for t in tokens)
    assert "headaches" in run["display_words"][headache[0]]  # shown as written
    assert any("_" in t for t in tokens)  # repeated pairs became bigrams


def test_both_topic_models_are_scored_on_every_k(run: InMemoryRun) -> None:
    for method in ("lda", "embedding"):
        curve = run[f"{method}_coherence"]
        assert curve["k"].tolist() == [2, 3]
        assert curve["c_v"].between(0, 1).all()
        assert curve["npmi"].between(-1, 1).all()
    metrics = run["metrics"]["topics"]
    assert metrics["embedding"]["chosen_k"] in {2, 3}
    assert metrics["lda"]["c_v"] == run["lda_coherence"]["c_v"].max()


def test_topics_have_names_shares_and_representative_reviews(run: InMemoryRun) -> None:
    summary = run["topic_summary"]
    for method, rows in summary.groupby("method"):
        assert rows["share"].sum() == pytest.approx(1.0), method
        assert rows["name"].str.count(" / ").eq(2).all()
        assert rows["representative_reviews"].str.len().gt(0).all()
    # Copies of one text (``<corpus>-<copy>-<text>``) say the same: same topic.
    reviews = run["reviews"]
    text = reviews["review_id"].str.replace(r"-\d+-", "-", regex=True)
    for method in ("lda", "embedding"):
        topics = pd.Series(run[f"{method}_topics"]["topic"])
        assert topics.groupby(text).nunique().eq(1).all(), method


def test_topic_map_is_an_interactive_figure_of_every_review(run: InMemoryRun) -> None:
    figure = run["topic_map_interactive"]
    assert isinstance(figure, go.Figure)
    assert sum(len(trace.x) for trace in figure.data) == len(run["reviews"])


def test_images_are_sampled_by_label_and_cleaned(run: InMemoryRun) -> None:
    sample = run["image_sample"]
    assert sample["label"].value_counts().to_dict() == dict.fromkeys(SHAPES, 20)
    assert run["clean_images"].shape == (60, 28, 28)


def test_every_feature_family_has_one_row_per_image(run: InMemoryRun) -> None:
    assert run["sift_features"].shape == (60, 20)
    assert run["pixels_features"].shape == (60, 28 * 28)
    assert run["cnn_features"].shape == (60, 1280)  # EfficientNet-Lite0 pooled maps


def test_drawn_shapes_are_found_again_by_the_best_features(run: InMemoryRun) -> None:
    comparison = run["family_comparison"]
    assert set(comparison["features"]) == {"sift", "orb", "pixels", "cnn"}
    assert comparison["ari_best"].iloc[0] > 0.8
    metrics = run["metrics"]
    assert metrics["best_ari"] == comparison["ari_best"].iloc[0]
    assert set(metrics["image_features"]["cnn"]["ari"]) == {"kmeans", "ward"}


def test_report_and_figures(run: InMemoryRun) -> None:
    report = run["report"]
    assert "## Topics" in report and "## Photos" in report
    for plot in (
        "coherence",
        "topic_shares",
        "preprocessing",
        "pca_variance",
        "image_maps",
        "confusion",
        "ari",
        "cluster_gallery",
    ):
        figure = run[f"{plot}_plot"]
        assert figure.axes and (figure.axes[0].get_title() or figure.get_suptitle()), (
            plot
        )
    assert run["mlflow_metrics"]["ari_cnn_kmeans"]["step"] == 0
