"""Costs of credit decisions: a granted defaulter (false negative) costs more than
a refused good applicant (false positive)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import (
    average_precision_score,
    fbeta_score,
    make_scorer,
    roc_auc_score,
)
from sklearn.model_selection import TunedThresholdClassifierCV


def business_cost(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
) -> float:
    """Total cost of the decisions: ``fn_cost * FN + fp_cost * FP``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    false_negatives = np.count_nonzero((y_true == 1) & (y_pred == 0))
    false_positives = np.count_nonzero((y_true == 0) & (y_pred == 1))
    return float(
        false_negative_cost * false_negatives + false_positive_cost * false_positives
    )


THRESHOLD_GRID = np.round(np.arange(0.0, 1.0011, 0.001), 3)
"""Decision thresholds searched: a 0.001 grid on [0, 1.001]; the last flags nobody."""


class _GivenScores(ClassifierMixin, BaseEstimator):
    """A fitted "classifier" whose probability of the positive class is its one
    input column: scikit-learn's threshold search then runs on scores computed
    elsewhere (the candidates' calibrated out-of-fold probabilities)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> _GivenScores:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        proba = np.asarray(x, dtype=float)[:, 0]
        return np.column_stack([1 - proba, proba])


def tune_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
    thresholds: np.ndarray | None = None,
) -> TunedThresholdClassifierCV:
    """scikit-learn's ``TunedThresholdClassifierCV`` fitted on ``proba`` with the
    business cost as its scorer: ``best_threshold_`` and, in ``cv_results_``,
    the cost (negated) at every threshold of the grid."""
    scorer = make_scorer(
        business_cost,
        greater_is_better=False,
        false_negative_cost=false_negative_cost,
        false_positive_cost=false_positive_cost,
    )
    tuner = TunedThresholdClassifierCV(
        _GivenScores().fit(None, None),
        scoring=scorer,
        thresholds=THRESHOLD_GRID if thresholds is None else thresholds,
        cv="prefit",
        refit=False,
        store_cv_results=True,
    )
    return tuner.fit(np.asarray(proba, dtype=float)[:, None], np.asarray(y_true))


def cost_by_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
    thresholds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Business cost of flagging ``proba >= t`` for every threshold ``t`` (default
    ``THRESHOLD_GRID``)."""
    results = tune_threshold(
        y_true, proba, false_negative_cost, false_positive_cost, thresholds
    ).cv_results_
    return results["thresholds"], -results["scores"]


def best_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
) -> float:
    """The threshold of ``THRESHOLD_GRID`` with the lowest business cost (the
    smallest one on ties), found by ``TunedThresholdClassifierCV``."""
    tuner = tune_threshold(y_true, proba, false_negative_cost, false_positive_cost)
    return float(tuner.best_threshold_)


DECISION_METRICS = (
    "roc_auc",
    "pr_auc",
    "fbeta2",
    "business_cost",
    "business_cost_per_applicant",
    "threshold",
)
"""What :func:`decision_metrics` measures, in the order reports show it."""


def decision_metrics(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
) -> dict[str, float]:
    """Ranking and decision metrics of the positive class at ``threshold``."""
    y_true = np.asarray(y_true)
    y_pred = (np.asarray(proba) >= threshold).astype(int)
    single_class = len(np.unique(y_true)) < 2  # noqa: PLR2004
    cost = business_cost(y_true, y_pred, false_negative_cost, false_positive_cost)
    return {
        "roc_auc": float("nan")
        if single_class
        else float(roc_auc_score(y_true, proba)),
        "pr_auc": float(average_precision_score(y_true, proba)),
        "fbeta2": float(fbeta_score(y_true, y_pred, beta=2, zero_division=0)),
        "business_cost": cost,
        "business_cost_per_applicant": cost / len(y_true),
        "threshold": float(threshold),
    }


def trivial_policy_costs(
    y_true: np.ndarray, false_negative_cost: float, false_positive_cost: float = 1.0
) -> dict[str, float]:
    """Cost of accepting everyone (every positive missed) and refusing everyone."""
    y_true = np.asarray(y_true)
    positives = float(y_true.sum())
    return {
        "grant_all": false_negative_cost * positives,
        "refuse_all": false_positive_cost * (len(y_true) - positives),
    }
