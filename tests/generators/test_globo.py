"""Tests of the synthetic Globo.com generator: the original files' columns and
layout, the shape a recommender depends on, reproducibility."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.generators.globo import (
    CLICK_COLUMNS,
    EMBEDDING_DIM,
    HOUR_MS,
    WINDOW_START_MS,
    generate_files,
    write_files,
)


@pytest.fixture(scope="module")
def files() -> dict:
    return generate_files(20_000, seed=3)


def test_columns_and_sizes_scale_like_globo(files):
    clicks, articles, embeddings = (
        files["clicks"],
        files["articles"],
        files["embeddings"],
    )
    assert list(clicks.columns) == CLICK_COLUMNS
    assert len(clicks) == 20_000
    assert list(articles.columns) == [
        "article_id", "category_id", "created_at_ts", "publisher_id", "words_count"
    ]  # fmt: skip
    assert embeddings.shape == (len(articles), EMBEDDING_DIM)
    assert embeddings.dtype == np.float32
    assert articles["article_id"].tolist() == list(range(len(articles)))
    # ~0.108 readers and ~0.122 articles per click, as 322,897 / 364,047 per 2,988,181
    assert clicks["user_id"].nunique() == pytest.approx(2_160, rel=0.05)
    assert len(articles) == pytest.approx(2_436, rel=0.01)


def test_sessions_are_two_clicks_or_more_in_time_order(files):
    clicks = files["clicks"]
    sizes = clicks.groupby("session_id").size()
    assert (clicks["session_size"] >= 2).mean() > 0.99
    assert (sizes == clicks.groupby("session_id")["session_size"].first()).all()
    assert (clicks["click_timestamp"] >= clicks["session_start"]).all()


def test_clicks_go_to_published_mostly_fresh_articles(files):
    clicks, articles = files["clicks"], files["articles"]
    created = articles["created_at_ts"].to_numpy()[clicks["click_article_id"]]
    age_hours = (clicks["click_timestamp"].to_numpy() - created) / HOUR_MS
    assert (age_hours >= 0).all()
    assert np.median(age_hours) < 48
    popularity = clicks["click_article_id"].value_counts()
    assert popularity.iloc[: len(popularity) // 10].sum() > 0.3 * len(clicks)


def test_same_seed_same_files():
    first, again = generate_files(2_000, seed=1), generate_files(2_000, seed=1)
    pd.testing.assert_frame_equal(first["clicks"], again["clicks"])
    assert np.array_equal(first["embeddings"], again["embeddings"])
    assert not generate_files(2_000, seed=2)["clicks"].equals(first["clicks"])


def test_files_are_written_as_the_original_layout(tmp_path):
    paths = write_files(tmp_path, 3_000, seed=0)
    hourly = sorted(paths["clicks"].glob("clicks_hour_*.csv"))
    assert hourly[0].name == "clicks_hour_000.csv"
    first = pd.read_csv(hourly[0])
    assert list(first.columns) == CLICK_COLUMNS
    assert (first["session_start"] < WINDOW_START_MS + HOUR_MS).all()
    with paths["embeddings"].open("rb") as handle:
        assert pickle.load(handle).shape[1] == EMBEDDING_DIM
    total = sum(len(pd.read_csv(path)) for path in hourly)
    assert total == 3_000
