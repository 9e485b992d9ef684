"""The candidates and metrics reproduce the published-style reference on
MovieLens-100K (the packaged copy) under leave-last-out, full ranking, untuned:
popularity HR@10 0.050 / NDCG@10 0.025 / coverage 0.054, item-kNN 0.069 / 0.034,
ALS 0.115 / 0.055 (../shared toolchain notes). A wrong metric or a broken model
moves these figures far more than the tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.recommendation.evaluation import top_items
from ia_portfolio.pipelines.recommendation.metrics import (
    catalogue_coverage,
    reader_metrics,
)
from ia_portfolio.pipelines.recommendation.models import (
    ALSModel,
    ClickMatrix,
    ItemKNNModel,
    PopularityModel,
)
from tests.support.in_memory import raw_dataset


@pytest.fixture(scope="module")
def leave_last_out() -> tuple[ClickMatrix, np.ndarray, list[set[int]]]:
    ratings = raw_dataset("recommendation.raw_interactions").load()
    ratings = ratings.sort_values(["user_id", "timestamp", "item_id"])
    last = ratings.groupby("user_id").tail(1)
    history = ClickMatrix.build(
        ratings.drop(last.index), np.sort(ratings["item_id"].unique())
    )
    relevant = [{int(c)} for c in history.item_columns(last["item_id"].to_numpy())]
    return history, last["user_id"].to_numpy(), relevant


@pytest.mark.parametrize(
    ("model", "hr_at_10", "ndcg_at_10"),
    [
        (PopularityModel(window_days=100_000), 0.050, 0.025),
        (ItemKNNModel(neighbours=20, bm25_k1=1.2, bm25_b=0.75), 0.069, 0.034),
        (ALSModel(factors=64, seed=0), 0.115, 0.055),
    ],
    ids=["popularity", "item_knn", "als"],
)
def test_leave_last_out_matches_the_reference(
    leave_last_out, model, hr_at_10, ndcg_at_10
):
    history, users, relevant = leave_last_out
    tops = top_items(model.fit(history), history, users, 10, 512)
    figures = pd.DataFrame(
        [reader_metrics(top.tolist(), items) for top, items in zip(tops, relevant)]
    ).mean()
    assert figures["hr_at_10"] == pytest.approx(hr_at_10, abs=0.012)
    assert figures["ndcg_at_10"] == pytest.approx(ndcg_at_10, abs=0.006)
    if model.family == "popularity":
        assert catalogue_coverage(tops, history.matrix.shape[1]) == pytest.approx(
            0.054, abs=0.002
        )
