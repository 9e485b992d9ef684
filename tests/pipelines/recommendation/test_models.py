"""Candidates and the split on tiny hand-made logs: what each model can place,
cold start, and the time cutoffs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.recommendation.data import split_by_time
from ia_portfolio.pipelines.recommendation.evaluation import best_columns
from ia_portfolio.pipelines.recommendation.models import (
    ALSModel,
    ClickMatrix,
    ContentModel,
    HybridModel,
    ItemKNNModel,
    PopularityModel,
    history_rows,
    standardise,
)
from ia_portfolio.pipelines.recommendation.serving_model import RecommendationModel

DAY = 86_400


@pytest.fixture
def clicks() -> ClickMatrix:
    """Readers 1-3 click items 10 and 11 recently; long ago reader 4 clicked 11
    and 12, readers 5 and 6 clicked 12. Item 13 exists but nobody clicked it."""
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 6],
            "item_id": [10, 11, 10, 11, 10, 11, 11, 12, 12, 12],
            "timestamp": [9, 9, 9, 9, 9, 9, 0, 0, 0, 0],
        }
    ).assign(timestamp=lambda f: f["timestamp"] * DAY)
    return ClickMatrix.build(frame, np.array([10, 11, 12, 13]))


def test_recent_popularity_ranks_items_clicked_in_the_window(clicks):
    model = PopularityModel(window_days=2).fit(clicks)
    scores = model.score(history_rows(clicks, [np.array([], "int64")]), np.array([-1]))
    assert scores[0, 0] > scores[0, 2]  # 10: three recent clicks; 12: old ones
    assert scores[0, 2] > 0 and scores[0, 3] == -np.inf  # 13: never clicked


def test_content_reaches_an_item_nobody_clicked(clicks):
    vectors = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype="float32")
    model = ContentModel(vectors).fit(clicks)
    scores = model.score(history_rows(clicks, [np.array([0])]), np.array([-1]))
    assert scores[0, 3] == pytest.approx(1.0)  # same vector as item 10


def test_collaborative_models_cannot_place_unclicked_items(clicks):
    history = history_rows(clicks, [np.array([0])])
    for model in (ALSModel(factors=2, seed=0), ItemKNNModel(neighbours=3)):
        scores = model.fit(clicks).score(history, np.array([-1]))
        assert scores[0, 3] == -np.inf
        assert np.isfinite(scores[0, :3]).all()


def test_als_folds_in_an_unknown_reader_from_their_history(clicks):
    model = ALSModel(factors=2, iterations=5, seed=0).fit(clicks)
    history = history_rows(clicks, [np.array([0])])  # read item 10 only
    scores = model.score(history, np.array([-1]))[0]
    assert scores[1] > scores[2]  # readers of 10 read 11, never 12


def test_hybrid_gives_unplaced_items_the_prior():
    scores = np.array([[1.0, 3.0, -np.inf]])
    assert standardise(scores, unplaced=2.5)[0, 2] == pytest.approx(2.5)
    assert standardise(scores)[0].tolist() == pytest.approx([-1.0, 1.0, 0.0])


def test_hybrid_weights_its_components(clicks):
    vectors = np.eye(4, dtype="float32")
    content, popularity = ContentModel(vectors), PopularityModel(window_days=30)
    hybrid = HybridModel(
        {"content": content, "popularity": popularity}, {"content": 1, "popularity": 0}
    ).fit(clicks)
    history = history_rows(clicks, [np.array([2])])
    expected = standardise(content.score(history, np.array([-1])))
    assert hybrid.score(history, np.array([-1])) == pytest.approx(expected)


def test_the_split_cuts_at_time_quantiles():
    log = pd.DataFrame(
        {"user_id": 1, "item_id": range(10), "timestamp": np.arange(10) * DAY}
    )
    train, validation, test, summary = split_by_time(
        log, {"validation_quantile": 0.6, "test_quantile": 0.8}
    )
    # quantiles of days 0..9: 5.4 and 7.2
    assert train["item_id"].tolist() == [0, 1, 2, 3, 4, 5]
    assert validation["item_id"].tolist() == [6, 7]
    assert test["item_id"].tolist() == [8, 9]
    assert summary["test"]["clicks"] == 2


def test_a_split_without_three_periods_is_refused():
    log = pd.DataFrame({"user_id": 1, "item_id": [1, 2], "timestamp": [5, 5]})
    with pytest.raises(ValueError, match="three"):
        split_by_time(log, {"validation_quantile": 0.5, "test_quantile": 0.9})


def _served(model, clicks: ClickMatrix) -> RecommendationModel:
    items = pd.DataFrame(
        {"title": ["a", "b", "c", "d"], "category": ["x", "x", "y", "y"]},
        index=clicks.item_ids,
    )
    fallback = PopularityModel(window_days=30).fit(clicks)
    return RecommendationModel(model, "m", fallback, clicks, items, max_k=10)


NEW_ARTICLE = pd.DataFrame({"item_id": [20], "title": ["e"], "category": ["x"]})
LIKE_ITEM_10 = np.array([[1, 0]], dtype="float32")


@pytest.mark.parametrize("family", ["content", "hybrid"])
def test_a_new_article_is_reachable_without_refitting(clicks, family):
    vectors = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype="float32")
    content = ContentModel(vectors)
    als = ALSModel(factors=2, iterations=3, seed=0)
    model = (
        content
        if family == "content"
        else HybridModel(
            {"als": als, "content": content, "popularity": PopularityModel(30)},
            {"als": 1.0, "content": 1.0, "popularity": 0.0},
        )
    ).fit(clicks)
    served = _served(model, clicks)
    factors = als.model.item_factors.copy() if family == "hybrid" else None
    extended = served.with_new_items(NEW_ARTICLE, LIKE_ITEM_10)
    # Reader 1 clicked 10 and 11: item 20 is like them, and was never clicked.
    assert extended.recommend(1, [], 1).item_ids == [20]
    assert served.unknown_items([20]) == [20]  # the served copy is unchanged
    assert extended.unknown_items([20]) == []
    if family == "hybrid":  # the factors were not refitted, only extended
        extended_als = extended.model.components["als"].model.item_factors
        assert np.array_equal(extended_als[:4], factors)
        assert not extended_als[4].any()


def test_an_article_already_in_the_catalogue_is_refused(clicks):
    served = _served(ContentModel(np.eye(4, 2, dtype="float32")).fit(clicks), clicks)
    with pytest.raises(ValueError, match="already in the catalogue"):
        served.with_new_items(NEW_ARTICLE.assign(item_id=10), LIKE_ITEM_10)


def test_k_outside_its_bounds_is_refused(clicks):
    served = _served(ContentModel(np.eye(4, 2, dtype="float32")).fit(clicks), clicks)
    with pytest.raises(ValueError, match="k must be between 1 and 10"):
        served.recommend(1, [], 11)


def test_best_columns_sorts_by_score_then_column():
    rng = np.random.default_rng(0)
    for _ in range(50):
        scores = rng.integers(0, 4, (6, 30)).astype("float32")
        scores[rng.random(scores.shape) < 0.3] = -np.inf
        k = int(rng.integers(1, 8))
        expected = [np.lexsort((np.arange(30), -row))[:k] for row in scores]
        assert best_columns(scores, k).tolist() == np.array(expected).tolist()
