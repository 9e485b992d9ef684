"""Ranking metrics against values computed by hand on tiny lists."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.recommendation.metrics import (
    catalogue_coverage,
    novelty,
    reader_metrics,
)
from ia_portfolio.pipelines.recommendation.report import paired_difference

TOP = [7, 3, 9, 1, 5, 8, 2, 4, 6, 0]


def test_a_hit_at_rank_one():
    figures = reader_metrics(TOP, {7})
    assert figures == {
        "hr_at_5": 1.0,
        "hr_at_10": 1.0,
        "recall_at_10": 1.0,
        "ndcg_at_10": 1.0,
        "map_at_10": 1.0,
    }


def test_hits_at_ranks_two_and_six_of_three_relevant():
    figures = reader_metrics(TOP, {3, 8, 42})
    dcg = 1 / math.log2(3) + 1 / math.log2(7)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert figures["hr_at_5"] == 1.0
    assert figures["recall_at_10"] == pytest.approx(2 / 3)
    assert figures["ndcg_at_10"] == pytest.approx(dcg / ideal)
    # precision@2 = 1/2, precision@6 = 2/6, over min(3, 10) relevant items
    assert figures["map_at_10"] == pytest.approx((1 / 2 + 2 / 6) / 3)


def test_a_hit_only_after_rank_five():
    figures = reader_metrics(TOP, {2})
    assert (figures["hr_at_5"], figures["hr_at_10"]) == (0.0, 1.0)
    assert figures["ndcg_at_10"] == pytest.approx(1 / math.log2(8))


def test_no_hit():
    figures = reader_metrics(TOP, {42})
    assert set(figures.values()) == {0.0}


def test_a_reader_without_relevant_items_is_refused():
    with pytest.raises(ValueError, match="without relevant"):
        reader_metrics(TOP, set())


def test_coverage_counts_distinct_items_over_the_catalogue():
    tops = np.array([[0, 1, 2], [2, 3, 0]])
    assert catalogue_coverage(tops, n_items=8, k=3) == pytest.approx(4 / 8)
    assert catalogue_coverage(tops, n_items=8, k=1) == pytest.approx(2 / 8)


def test_novelty_is_the_mean_self_information():
    tops = np.array([[0, 1]])
    readers = np.array([3, 0])  # item 0 read by 3 of 3 readers, item 1 by none
    expected = (-math.log2(4 / 4) - math.log2(1 / 4)) / 2
    assert novelty(tops, readers, n_readers=3, k=2) == pytest.approx(expected)


def test_paired_difference_counts_readers_and_brackets_the_mean():
    readers = pd.DataFrame(
        {
            "user_id": [1, 2, 3, 1, 2, 3],
            "model": ["m", "m", "m", "base", "base", "base"],
            "ndcg_at_10": [0.5, 0.2, 0.1, 0.1, 0.2, 0.3],
        }
    )
    result = paired_difference(readers, "m", "base", "ndcg_at_10", seed=0)
    assert result["mean"] == pytest.approx((0.4 + 0.0 - 0.2) / 3)
    assert (result["readers_better"], result["readers_worse"]) == (1, 1)
    low, high = result["ci95"]
    assert -0.2 - 1e-9 <= low <= result["mean"] <= high <= 0.4 + 1e-9
