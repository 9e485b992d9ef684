"""The candidate recommenders, behind one interface.

Each model is fitted on a ``ClickMatrix`` (users x catalogue items, 1 where the
user clicked) and scores the whole catalogue for a batch of readers from their
histories: ``score(history, user_rows)``, where ``user_rows`` are the readers'
rows in the fitted matrix (``-1`` for a reader it never saw, scored from the
history alone). Items a collaborative model cannot place (no click when it was
fitted) score ``-inf`` for it, so they rank last.

CF models come from the ``implicit`` library; their fits run with one BLAS
thread (``threadpoolctl``), which is much faster on these small matrices, and
with the library's own thread count from the parameters (1 keeps them exactly
reproducible).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, eq=False)
class ClickMatrix:
    """Users x catalogue items (1 = clicked), with the ids of rows and columns."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    matrix: sp.csr_matrix
    clicks: pd.DataFrame  # the clicks it was built from (user_id, item_id, timestamp)

    @classmethod
    def build(cls, clicks: pd.DataFrame, item_ids: np.ndarray) -> ClickMatrix:
        """The matrix of ``clicks`` over the catalogue ``item_ids`` (sorted);
        clicks on items outside the catalogue are dropped."""
        item_ids = np.asarray(item_ids, dtype="int64")
        known = clicks[clicks["item_id"].isin(item_ids)]
        user_ids = np.unique(known["user_id"].to_numpy("int64"))
        rows = np.searchsorted(user_ids, known["user_id"].to_numpy("int64"))
        columns = np.searchsorted(item_ids, known["item_id"].to_numpy("int64"))
        matrix = sp.csr_matrix(
            (np.ones(len(known), dtype="float32"), (rows, columns)),
            shape=(len(user_ids), len(item_ids)),
        )
        matrix.data[:] = 1.0  # a user clicking an item twice is still one click
        return cls(user_ids, item_ids, matrix, known.reset_index(drop=True))

    def user_rows(self, user_ids: np.ndarray) -> np.ndarray:
        """Row of each user id, ``-1`` for a user without clicks here."""
        return _positions(self.user_ids, user_ids)

    def item_columns(self, item_ids: np.ndarray) -> np.ndarray:
        """Column of each item id, ``-1`` for an item outside the catalogue."""
        order = self._item_order
        found = _positions(self.item_ids[order], item_ids)
        return np.where(found >= 0, order[found.clip(min=0)], -1)

    @functools.cached_property
    def _item_order(self) -> np.ndarray:
        # Items published after the fit are appended unsorted (``with_new_items``).
        return np.argsort(self.item_ids, kind="stable")

    def with_new_items(self, item_ids: np.ndarray) -> ClickMatrix:
        """The same clicks over a catalogue with ``item_ids`` appended (no click)."""
        matrix = self.matrix.copy()
        matrix.resize((matrix.shape[0], matrix.shape[1] + len(item_ids)))
        all_ids = np.concatenate([self.item_ids, np.asarray(item_ids, "int64")])
        return ClickMatrix(self.user_ids, all_ids, matrix.tocsr(), self.clicks)

    def clicked_items(self) -> np.ndarray:
        """Whether each catalogue item has at least one click."""
        return np.asarray(self.matrix.getnnz(axis=0) > 0)

    @property
    def end(self) -> int:
        """Time of the last click (epoch seconds)."""
        return int(self.clicks["timestamp"].max())


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    ids = np.asarray(ids, dtype="int64")
    found = np.searchsorted(sorted_ids, ids).clip(max=max(len(sorted_ids) - 1, 0))
    hit = (len(sorted_ids) > 0) & (sorted_ids[found] == ids)
    return np.where(hit, found, -1)


def history_rows(matrix: ClickMatrix, item_columns: list[np.ndarray]) -> sp.csr_matrix:
    """A history matrix (one row per reader) from lists of item columns."""
    indptr = np.cumsum([0, *(len(c) for c in item_columns)])
    indices = np.concatenate([*item_columns, np.empty(0, "int64")]).astype("int64")
    data = np.ones(len(indices), dtype="float32")
    shape = (len(item_columns), len(matrix.item_ids))
    history = sp.csr_matrix((data, indices, indptr), shape=shape)
    history.sum_duplicates()
    history.data[:] = 1.0
    return history


class Recommender(Protocol):
    """Scores of every catalogue item for a batch of readers."""

    family: str

    def fit(self, clicks: ClickMatrix) -> Recommender: ...

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray: ...

    def add_items(self, vectors: np.ndarray) -> None:
        """Append new catalogue items (nobody clicked them yet) at the end."""


class PopularityModel:
    """Clicks per item in the last ``window_days`` before the end of the fitted
    clicks; all-time clicks break ties; items never clicked cannot be placed.
    The same list for everyone."""

    family = "popularity"

    def __init__(self, window_days: float = 7.0) -> None:
        self.window_days = window_days

    def fit(self, clicks: ClickMatrix) -> PopularityModel:
        start = clicks.end - self.window_days * SECONDS_PER_DAY
        recent = clicks.clicks[clicks.clicks["timestamp"] > start]
        columns = clicks.item_columns(recent["item_id"].to_numpy())
        recent_counts = np.bincount(columns, minlength=len(clicks.item_ids))
        all_counts = np.asarray(clicks.matrix.sum(axis=0)).ravel()
        scores = recent_counts + all_counts / (all_counts.max() + 1.0)
        self.scores = np.where(all_counts > 0, scores, -np.inf).astype("float32")
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        return np.tile(self.scores, (history.shape[0], 1))

    def add_items(self, vectors: np.ndarray) -> None:
        self.scores = np.concatenate([self.scores, np.full(len(vectors), -np.inf)])
        self.scores = self.scores.astype("float32")


class ContentModel:
    """Cosine between each item's content vector and the reader's profile, the
    mean of the vectors of what they clicked. Needs no click on an item to rank
    it: a new article is reachable from the moment it has a vector."""

    family = "content"

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = np.asarray(vectors, dtype="float32")

    def fit(self, clicks: ClickMatrix) -> ContentModel:
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        counts = np.asarray(history.sum(axis=1)).clip(min=1.0)
        profiles = np.asarray(history @ self.vectors) / counts
        return profiles @ self.vectors.T

    def add_items(self, vectors: np.ndarray) -> None:
        self.vectors = np.vstack([self.vectors, np.asarray(vectors, "float32")])


class BM25Weights:
    """BM25 weights of clicks (as ``implicit.nearest_neighbours.bm25_weight``),
    with the item frequencies and mean history length kept from the fitted
    matrix so that a new reader's history is weighted the same way."""

    def __init__(self, k1: float, b: float) -> None:
        self.k1, self.b = float(k1), float(b)

    def fit(self, matrix: sp.csr_matrix) -> BM25Weights:
        self.readers = float(matrix.shape[0])
        self.idf = np.log(self.readers) - np.log1p(matrix.getnnz(axis=0))
        self.average_length = float(matrix.sum(axis=1).mean()) or 1.0
        return self

    def apply(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """``matrix`` with each click replaced by its BM25 weight."""
        coo = matrix.tocoo()
        lengths = np.ravel(matrix.sum(axis=1))
        norm = (1.0 - self.b) + self.b * lengths / self.average_length
        data = (
            coo.data * (self.k1 + 1.0) / (self.k1 * norm[coo.row] + coo.data)
        ) * self.idf[coo.col]
        return sp.csr_matrix(
            (data.astype("float32"), (coo.row, coo.col)), shape=matrix.shape
        )


def _fit_quietly(build: Callable[[], Any], matrix: sp.csr_matrix) -> Any:
    """``build()`` fitted on ``matrix`` with one BLAS thread (``implicit`` checks
    the BLAS threads when a model is built) and without its CSR-conversion
    warnings (raised on its own internal conversions)."""
    from implicit.utils import ParameterWarning  # noqa: PLC0415

    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ParameterWarning)
        model = build()
        model.fit(matrix, show_progress=False)
    return model


def _mask_unclicked(scores: np.ndarray, clicked: np.ndarray) -> np.ndarray:
    scores[:, ~clicked] = -np.inf
    return scores


class ALSModel:
    """Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) on BM25
    weighted clicks; an unseen reader's factors are solved from their history."""

    family = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 1.0,
        iterations: int = 15,
        bm25_k1: float = 100.0,
        bm25_b: float = 0.8,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.params = dict(
            factors=factors, regularization=regularization, alpha=alpha,
            iterations=iterations, bm25_k1=bm25_k1, bm25_b=bm25_b, threads=threads,
        )  # fmt: skip
        self.seed = seed

    def fit(self, clicks: ClickMatrix) -> ALSModel:
        from implicit.cpu.als import AlternatingLeastSquares  # noqa: PLC0415

        build = partial(
            AlternatingLeastSquares,
            factors=int(self.params["factors"]),
            regularization=float(self.params["regularization"]),
            alpha=float(self.params["alpha"]),
            iterations=int(self.params["iterations"]),
            num_threads=int(self.params["threads"]),
            random_state=self.seed,
            calculate_training_loss=False,
        )
        self.weights = BM25Weights(self.params["bm25_k1"], self.params["bm25_b"])
        self.clicked = clicks.clicked_items()
        weighted = self.weights.fit(clicks.matrix).apply(clicks.matrix)
        self.model = _fit_quietly(build, weighted)
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        factors = np.zeros(
            (len(user_rows), self.model.item_factors.shape[1]), dtype="float32"
        )
        known = user_rows >= 0
        factors[known] = self.model.user_factors[user_rows[known]]
        unknown = np.flatnonzero(~known)
        if len(unknown):
            # Unseen readers' factors are solved from their history alone, weighted
            # with the statistics of the fitted clicks.
            rows = self.weights.apply(history[unknown])
            factors[unknown] = self.model.recalculate_user(
                np.arange(len(unknown)), rows
            )
        return _mask_unclicked(factors @ self.model.item_factors.T, self.clicked)

    def add_items(self, vectors: np.ndarray) -> None:
        factors = self.model.item_factors
        self.model.item_factors = np.vstack(
            [factors, np.zeros((len(vectors), factors.shape[1]), factors.dtype)]
        )
        self.clicked = np.concatenate([self.clicked, np.zeros(len(vectors), bool)])
        self.weights.idf = np.concatenate(
            [self.weights.idf, np.full(len(vectors), np.log(self.weights.readers))]
        )


class BPRModel:
    """Bayesian personalised ranking (Rendle et al. 2009) on the clicks; an unseen
    reader's factors are the mean of the factors of the items they clicked."""

    family = "bpr"

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.01,
        regularization: float = 0.01,
        iterations: int = 100,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.params = dict(
            factors=factors, learning_rate=learning_rate,
            regularization=regularization, iterations=iterations, threads=threads,
        )  # fmt: skip
        self.seed = seed

    def fit(self, clicks: ClickMatrix) -> BPRModel:
        from implicit.cpu.bpr import BayesianPersonalizedRanking  # noqa: PLC0415

        build = partial(
            BayesianPersonalizedRanking,
            factors=int(self.params["factors"]),
            learning_rate=float(self.params["learning_rate"]),
            regularization=float(self.params["regularization"]),
            iterations=int(self.params["iterations"]),
            num_threads=int(self.params["threads"]),
            random_state=self.seed,
        )
        self.clicked = clicks.clicked_items()
        self.model = _fit_quietly(build, clicks.matrix)
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        item_factors = self.model.item_factors
        known = user_rows >= 0
        factors = np.zeros((len(user_rows), item_factors.shape[1]), dtype="float32")
        factors[known] = self.model.user_factors[user_rows[known]]
        unknown = np.flatnonzero(~known)
        if len(unknown):
            rows = history[unknown]
            counts = np.asarray(rows.sum(axis=1)).clip(min=1.0)
            factors[unknown] = np.asarray(rows @ item_factors) / counts
            factors[unknown, -1] = 1.0  # the item-bias column of implicit's BPR
        return _mask_unclicked(factors @ item_factors.T, self.clicked)

    def add_items(self, vectors: np.ndarray) -> None:
        factors = self.model.item_factors
        self.model.item_factors = np.vstack(
            [factors, np.zeros((len(vectors), factors.shape[1]), factors.dtype)]
        )
        self.clicked = np.concatenate([self.clicked, np.zeros(len(vectors), bool)])


class ItemKNNModel:
    """Item-to-item neighbours on BM25-weighted co-clicks: an item scores the sum
    of its similarities to what the reader clicked."""

    family = "item_knn"

    def __init__(
        self, neighbours: int = 100, bm25_k1: float = 100.0, bm25_b: float = 0.8
    ) -> None:
        self.params = dict(neighbours=neighbours, bm25_k1=bm25_k1, bm25_b=bm25_b)

    def fit(self, clicks: ClickMatrix) -> ItemKNNModel:
        from implicit.nearest_neighbours import BM25Recommender  # noqa: PLC0415

        build = partial(
            BM25Recommender,
            K=int(self.params["neighbours"]),
            K1=float(self.params["bm25_k1"]),
            B=float(self.params["bm25_b"]),
            num_threads=1,
        )
        self.similarity = _fit_quietly(build, clicks.matrix).similarity.tocsr()
        self.clicked = clicks.clicked_items()
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        scores = np.asarray((history @ self.similarity).todense(), dtype="float32")
        return _mask_unclicked(scores, self.clicked)

    def add_items(self, vectors: np.ndarray) -> None:
        size = self.similarity.shape[0] + len(vectors)
        self.similarity.resize((size, size))
        self.clicked = np.concatenate([self.clicked, np.zeros(len(vectors), bool)])


def standardise(scores: np.ndarray, unplaced: float = 0.0) -> np.ndarray:
    """Scores centred and scaled per reader over the finite ones; ``-inf`` (an
    item the model cannot place) becomes ``unplaced``."""
    finite = np.isfinite(scores)
    values = np.where(finite, scores, np.nan)
    mean = np.nanmean(values, axis=1, keepdims=True)
    std = np.nanstd(values, axis=1, keepdims=True)
    standard = (values - mean) / np.where(std > 0, std, 1.0)
    return np.nan_to_num(standard, nan=unplaced).astype("float32")


class HybridModel:
    """A weighted sum of fitted models' standardised scores. An item a component
    cannot place (never clicked: ALS, popularity) gets ``new_item_prior`` from
    it, in standard deviations: what a fresh item is assumed worth until clicks
    say more, so content can bring it up."""

    family = "hybrid"

    def __init__(
        self,
        components: dict[str, Recommender],
        weights: dict[str, float],
        new_item_prior: float = 0.0,
    ) -> None:
        self.components = components
        self.weights = weights
        self.new_item_prior = new_item_prior

    def fit(self, clicks: ClickMatrix) -> HybridModel:
        for model in self.components.values():
            model.fit(clicks)
        return self

    def score(self, history: sp.csr_matrix, user_rows: np.ndarray) -> np.ndarray:
        total = np.zeros((history.shape[0], history.shape[1]), dtype="float32")
        for name, model in self.components.items():
            if self.weights.get(name):
                total += self.weights[name] * standardise(
                    model.score(history, user_rows), self.new_item_prior
                )
        return total

    def add_items(self, vectors: np.ndarray) -> None:
        for model in self.components.values():
            model.add_items(vectors)


def build_model(
    family: str, params: dict[str, Any], vectors: np.ndarray, seed: int
) -> Recommender:
    """An unfitted model of ``family`` with ``params`` (the hybrid is built from
    its fitted components in ``nodes``)."""
    if family == "popularity":
        return PopularityModel(**params)
    if family == "content":
        return ContentModel(vectors, **params)
    if family == "als":
        return ALSModel(**params, seed=seed)
    if family == "bpr":
        return BPRModel(**params, seed=seed)
    if family == "item_knn":
        return ItemKNNModel(**params)
    raise ValueError(f"Unknown recommender family '{family}'.")
