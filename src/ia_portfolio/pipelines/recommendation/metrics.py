"""Ranking metrics on top-k lists, per reader, and over a whole evaluation.

A reader's list is ``top``, item positions best first; ``relevant`` is the set of
items they clicked in the evaluated period (binary relevance).

- HR@k: 1 if at least one relevant item is in the first k, else 0.
- recall@k: relevant items in the first k / number of relevant items.
- NDCG@k: sum of 1/log2(rank + 1) over relevant items in the first k, divided by
  its best possible value (all of the first min(k, |relevant|) places relevant).
- AP@k: sum of precision@i at each rank i holding a relevant item, divided by
  min(k, |relevant|); MAP@k is its mean over readers.
- catalogue coverage: share of the catalogue recommended to at least one reader.
- novelty: mean self-information, -log2 of the share of history readers who
  clicked the item (Laplace-smoothed), of the recommended items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PER_READER = ("hr_at_5", "hr_at_10", "recall_at_10", "ndcg_at_10", "map_at_10")


def discounts(k: int) -> np.ndarray:
    """1/log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2))


def reader_metrics(top: Sequence[int], relevant: set[int]) -> dict[str, float]:
    """HR@5, HR@10, recall@10, NDCG@10 and AP@10 of one reader's list."""
    hits = np.array([item in relevant for item in top[:10]], dtype=float)
    if not relevant:
        raise ValueError("A reader without relevant items cannot be evaluated.")
    best = min(len(relevant), 10)
    weights = discounts(10)[: len(hits)]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return {
        "hr_at_5": float(hits[:5].any()),
        "hr_at_10": float(hits.any()),
        "recall_at_10": float(hits.sum() / len(relevant)),
        "ndcg_at_10": float((hits * weights).sum() / discounts(best).sum()),
        "map_at_10": float((precision_at * hits).sum() / best),
    }


def catalogue_coverage(tops: np.ndarray, n_items: int, k: int = 10) -> float:
    """Share of the ``n_items`` catalogue in at least one reader's first ``k``."""
    return float(len(np.unique(tops[:, :k])) / n_items) if len(tops) else 0.0


def novelty(tops: np.ndarray, item_readers: np.ndarray, n_readers: int, k: int = 10):
    """Mean of -log2((readers of the item + 1) / (n_readers + 1)) over the first
    ``k`` items of every list."""
    if not len(tops):
        return 0.0
    share = (item_readers[tops[:, :k]] + 1.0) / (n_readers + 1.0)
    return float(-np.log2(share).mean())
