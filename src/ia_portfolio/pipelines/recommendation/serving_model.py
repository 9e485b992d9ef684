"""The MLflow pyfunc model registered as ``ia_portfolio_recommendation``.

Input: one row per request with ``user_id`` (a reader id, or ``-1`` for an
anonymous reader), ``item_ids`` (items the reader just read, possibly empty) and
``k``. Output: one row per request with the ``k`` recommended ``item_ids``, their
``titles`` and ``categories``, the ``source`` that chose them (the
model's name, or ``popularity_fallback``), whether the reader was ``known_user``,
and the ``unknown_item_ids`` of the request (ids outside the catalogue, ignored).

Who gets what:
- a known reader: the model from their click history, plus the items just read;
- an unknown reader (or none) with known items just read: the model from those
  items alone (factor models solve the reader's factors from them);
- nobody known and nothing known read: the popularity list of the last days.
Items the reader already clicked or just read are never recommended. When the
model places fewer than ``k`` items, the popularity list fills the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from ia_portfolio.pipelines.recommendation.models import (
    ClickMatrix,
    HybridModel,
    Recommender,
    history_rows,
)

FALLBACK = "popularity_fallback"
ANONYMOUS = -1  # ``user_id`` of a request without a reader id


@dataclass(frozen=True)
class Recommendation:
    """``k`` items for one reader and who chose them."""

    item_ids: list[int]
    titles: list[str]
    categories: list[str]
    source: str
    known_user: bool
    unknown_item_ids: list[int] = field(default_factory=list)


def requests_frame(
    user_ids: Sequence[int | None], item_ids: Sequence[Sequence[int]], k: int
) -> pd.DataFrame:
    """The pyfunc's input for a batch of requests."""
    return pd.DataFrame(
        {
            "user_id": np.array(
                [ANONYMOUS if u is None else u for u in user_ids], dtype="int64"
            ),
            "item_ids": [[int(i) for i in ids] for ids in item_ids],
            "k": np.full(len(user_ids), k, dtype="int64"),
        }
    )


class RecommendationModel(mlflow.pyfunc.PythonModel):
    """A fitted recommender with its catalogue, click history and fallback."""

    def __init__(
        self,
        model: Recommender,
        name: str,
        fallback: Recommender,
        clicks: ClickMatrix,
        items: pd.DataFrame,
        max_k: int,
    ) -> None:
        self.model = model
        self.name = name
        self.fallback = fallback
        self.clicks = clicks
        self.titles = items["title"].astype(str).to_numpy()
        self.categories = items["category"].astype(str).to_numpy()
        self.max_k = max_k

    def with_new_items(
        self, items: pd.DataFrame, vectors: np.ndarray
    ) -> RecommendationModel:
        """A copy that also ranks ``items`` (``item_id``, ``title``,
        ``category``), articles published since the fit, from their unit content
        ``vectors``: no collaborative model is refitted. Models that rank by
        clicks cannot place them until the next fit; content (and the hybrid
        through it) can, from now on."""
        ids = items["item_id"].to_numpy("int64")
        if (known := ids[self.clicks.item_columns(ids) >= 0]).size:
            raise ValueError(f"Items {known.tolist()} are already in the catalogue.")
        if len(vectors) != len(ids):
            raise ValueError(f"{len(ids)} items but {len(vectors)} vectors.")
        extended = copy.deepcopy(self)
        extended.clicks = self.clicks.with_new_items(ids)
        extended.titles = np.concatenate([self.titles, items["title"].astype(str)])
        extended.categories = np.concatenate(
            [self.categories, items["category"].astype(str)]
        )
        extended.model.add_items(np.asarray(vectors, dtype="float32"))
        # The fallback may be the model itself or one of a hybrid's components.
        reached = {id(extended.model)}
        if isinstance(extended.model, HybridModel):
            reached |= {id(m) for m in extended.model.components.values()}
        if id(extended.fallback) not in reached:
            extended.fallback.add_items(np.asarray(vectors, dtype="float32"))
        return extended

    def knows_user(self, user_id: int) -> bool:
        """Whether ``user_id`` has clicks the model was fitted on."""
        return bool(self.clicks.user_rows(np.array([user_id]))[0] >= 0)

    def unknown_items(self, item_ids: Sequence[int]) -> list[int]:
        """The ids of ``item_ids`` that are not in the catalogue."""
        columns = self.clicks.item_columns(np.asarray(item_ids, dtype="int64"))
        return [int(i) for i, c in zip(item_ids, columns, strict=True) if c < 0]

    def recommend(
        self, user_id: int | None, item_ids: Sequence[int], k: int
    ) -> Recommendation:
        """``k`` items for a reader (by id, by items just read, or both)."""
        if not 1 <= k <= self.max_k:
            raise ValueError(f"k must be between 1 and {self.max_k}, got {k}.")
        read = self.clicks.item_columns(np.asarray(item_ids, dtype="int64"))
        row = -1 if user_id is None else int(self.clicks.user_rows([user_id])[0])
        past = self.clicks.matrix[row].indices if row >= 0 else np.empty(0, "int64")
        just_read = read[read >= 0]
        seen = np.union1d(past, just_read).astype("int64")
        history = history_rows(self.clicks, [seen])
        if row >= 0 or len(seen):
            # A known reader with new reads is scored from the whole history.
            rows = np.array([row if not len(just_read) else -1])
            source, model = self.name, self.model
        else:
            rows, source, model = np.array([-1]), FALLBACK, self.fallback
        scores = np.asarray(model.score(history, rows)[0], dtype="float64")
        top = self._top(scores, seen, k)
        if len(top) < k:  # the model places too few items: popularity fills in
            filler = self.fallback.score(history, rows)[0]
            top = np.concatenate([top, self._top(filler, np.union1d(seen, top), k)])
        top = top[:k]
        return Recommendation(
            item_ids=self.clicks.item_ids[top].tolist(),
            titles=self.titles[top].tolist(),
            categories=self.categories[top].tolist(),
            source=source,
            known_user=row >= 0,
            unknown_item_ids=self.unknown_items(item_ids),
        )

    @staticmethod
    def _top(scores: np.ndarray, seen: np.ndarray, k: int) -> np.ndarray:
        scores = scores.copy()
        scores[seen.astype("int64")] = -np.inf
        finite = np.flatnonzero(np.isfinite(scores))
        k = min(k, len(finite))
        if not k:
            return np.empty(0, "int64")
        best = finite[np.argpartition(-scores[finite], k - 1)[:k]]
        return best[np.argsort(-scores[best], kind="stable")]

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        answers = []
        for user_id, item_ids, k in zip(
            model_input["user_id"],
            model_input["item_ids"],
            model_input["k"],
            strict=True,
        ):
            reader = None if user_id == ANONYMOUS else int(user_id)
            ids = [int(i) for i in (item_ids if item_ids is not None else [])]
            answers.append(vars(self.recommend(reader, ids, int(k))))
        return pd.DataFrame(answers)
