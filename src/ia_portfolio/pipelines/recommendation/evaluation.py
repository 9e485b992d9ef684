"""The evaluation protocol: full-catalogue ranking on a later period.

For a model fitted on the history (every click before the period):

- the readers measured are those who clicked in the period and have at least one
  click in the history (a reader without one gets the popularity fallback from
  every model, so they would not tell the models apart);
- each reader's list ranks every catalogue item published by the end of the
  period (``items.published_at``), except the items they already clicked in the
  history;
- relevant items are the distinct items they clicked in the period that are not
  in their history;
- segments: cold readers (at most ``cold_user_max_clicks`` history clicks) and
  new items (first clicked during the period): the latter scored on the same
  lists, with only the new items counted relevant, for readers who clicked one;
- on a large log, a seeded sample of ``max_readers`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.pipelines.recommendation.metrics import (
    PER_READER,
    catalogue_coverage,
    novelty,
    reader_metrics,
)
from ia_portfolio.pipelines.recommendation.models import ClickMatrix, Recommender

SEGMENTS = ("all", "cold_users", "new_items")


def top_items(
    model: Recommender,
    history: ClickMatrix,
    user_ids: np.ndarray,
    k: int,
    batch_size: int,
    excluded: np.ndarray | None = None,
) -> np.ndarray:
    """Each reader's ``k`` best item positions, best first, their history and the
    ``excluded`` items (a boolean mask over the catalogue) left out."""
    rows = history.user_rows(user_ids)
    tops = np.empty((len(user_ids), k), dtype="int64")
    for start in range(0, len(user_ids), batch_size):
        batch = rows[start : start + batch_size]
        clicked = history.matrix[np.clip(batch, 0, None)]
        clicked = clicked.multiply((batch >= 0)[:, None]).tocsr()
        scores = np.asarray(model.score(clicked, batch), dtype="float32")
        scores[clicked.nonzero()] = -np.inf
        if excluded is not None:
            scores[:, excluded] = -np.inf
        tops[start : start + len(batch)] = best_columns(scores, k)
    return tops


def best_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` highest columns, best first (ties: lower column first).

    The k-th value of each row comes from ``np.partition`` (values only, several
    times faster than ``argpartition`` on a 364k-item catalogue); the columns at
    or above it are few and sorted. Rows with a mass of ties fall back to a
    stable sort of the row.
    """
    # Selecting the k smallest of the negated scores is much faster than the k
    # largest when most scores are -inf (items a model cannot place); one copy,
    # partitioned in place.
    negated = np.negative(scores)
    negated.partition(k - 1, axis=1)
    threshold = -negated[:, k - 1]
    del negated
    rows, columns = np.nonzero(scores >= threshold[:, None])
    counts = np.bincount(rows, minlength=len(scores))
    tops = np.empty((len(scores), k), dtype="int64")
    tied = counts > 50 * k
    keep = ~tied[rows]
    rows, columns = rows[keep], columns[keep]
    order = np.lexsort((columns, -scores[rows, columns], rows))
    rows, columns = rows[order], columns[order]
    rank = np.arange(len(rows)) - np.repeat(
        np.cumsum(counts[~tied]) - counts[~tied], counts[~tied]
    )
    first = rank < k
    tops[rows[first], rank[first]] = columns[first]
    for row in np.flatnonzero(tied):
        tops[row] = np.argsort(-scores[row], kind="stable")[:k]
    return tops


@dataclass(frozen=True)
class PeriodTargets:
    """Who is measured on a period and what counts as relevant for them."""

    user_ids: np.ndarray
    history_clicks: np.ndarray
    relevant: list[set[int]]
    new_relevant: list[set[int]]
    excluded: np.ndarray  # items that do not exist yet at the end of the period


def period_targets(
    history: ClickMatrix,
    period: pd.DataFrame,
    published_at: np.ndarray,
    max_readers: int | None = None,
    seed: int = 0,
) -> PeriodTargets:
    """The measured readers of ``period`` and their relevant items;
    ``published_at`` (one time per catalogue item) tells which items exist by
    the end of the period. With ``max_readers``, a seeded sample of that many
    readers (on large logs, scoring the full catalogue for all is too slow)."""
    columns = history.item_columns(period["item_id"].to_numpy())
    clicks = period.assign(column=columns)[columns >= 0]
    clicks = clicks[history.user_rows(clicks["user_id"].to_numpy()) >= 0]
    readers = clicks["user_id"].unique()
    if max_readers is not None and len(readers) > max_readers:
        sample = np.random.default_rng(seed).choice(readers, max_readers, replace=False)
        clicks = clicks[clicks["user_id"].isin(sample)]
    clicked_before = history.clicked_items()
    first_in_period = np.zeros(len(history.item_ids), dtype=bool)
    first_in_period[clicks["column"].to_numpy()] = True
    new_items = first_in_period & ~clicked_before
    later = published_at > int(period["timestamp"].max())
    user_ids, relevant, new_relevant = [], [], []
    for user_id, group in clicks.groupby("user_id", sort=True):
        row = history.user_rows(np.array([user_id]))[0]
        seen = set(history.matrix[row].indices.tolist())
        items = set(group["column"].tolist()) - seen
        if items:
            user_ids.append(user_id)
            relevant.append(items)
            new_relevant.append({i for i in items if new_items[i]})
    user_ids = np.asarray(user_ids, dtype="int64")
    rows = history.user_rows(user_ids)
    return PeriodTargets(
        user_ids=user_ids,
        history_clicks=np.asarray(history.matrix[rows].getnnz(axis=1)),
        relevant=relevant,
        new_relevant=new_relevant,
        excluded=later,
    )


def evaluate_model(
    model: Recommender,
    history: ClickMatrix,
    targets: PeriodTargets,
    evaluation: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-reader metrics (all relevant items, and new items only) and the
    list-level figures (coverage, novelty) of ``model`` on a period."""
    k = int(evaluation["k"])
    tops = top_items(
        model,
        history,
        targets.user_ids,
        k,
        int(evaluation["batch_size"]),
        targets.excluded,
    )
    records = []
    for top, relevant, new_relevant in zip(
        tops, targets.relevant, targets.new_relevant, strict=True
    ):
        record = reader_metrics(top.tolist(), relevant)
        if new_relevant:
            new = reader_metrics(top.tolist(), new_relevant)
            record.update({f"new_items_{name}": new[name] for name in PER_READER})
        records.append(record)
    readers = pd.DataFrame.from_records(records, columns=None)
    readers.insert(0, "user_id", targets.user_ids)
    readers.insert(1, "history_clicks", targets.history_clicks)
    readers.insert(2, "relevant_items", [len(r) for r in targets.relevant])
    readers.insert(3, "new_relevant_items", [len(r) for r in targets.new_relevant])
    item_readers = np.asarray(history.matrix.getnnz(axis=0))
    available = int((~targets.excluded).sum())
    lists = {
        "coverage": catalogue_coverage(tops, available, k),
        "novelty": novelty(tops, item_readers, history.matrix.shape[0], k),
    }
    return readers, lists


def summarise(
    readers: pd.DataFrame, lists: dict[str, float], cold_user_max_clicks: int
) -> list[dict[str, Any]]:
    """One row per segment: readers measured and mean metrics (coverage and
    novelty over every measured reader's list)."""
    rows = []
    cold = readers["history_clicks"] <= cold_user_max_clicks
    for segment, frame, prefix in (
        ("all", readers, ""),
        ("cold_users", readers[cold], ""),
        ("new_items", readers[readers["new_relevant_items"] > 0], "new_items_"),
    ):
        row: dict[str, Any] = {"segment": segment, "readers": len(frame)}
        for name in PER_READER:
            column = f"{prefix}{name}"
            values = frame[column] if column in frame else pd.Series(dtype=float)
            row[name] = float(values.mean()) if len(values) else float("nan")
        row.update(lists if segment == "all" else {})
        rows.append(row)
    return rows
