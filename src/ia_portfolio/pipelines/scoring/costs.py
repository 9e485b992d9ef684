"""Costs of credit decisions: a granted defaulter (false negative) costs more than
a refused good applicant (false positive)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    fbeta_score,
    roc_auc_score,
)


def business_cost(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
) -> float:
    """Total cost of the decisions: ``fn_cost * FN + fp_cost * FP``."""
    _, fp, fn, _ = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return float(false_negative_cost * fn + false_positive_cost * fp)


def cost_by_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
    thresholds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Business cost of flagging ``proba >= t`` for every threshold ``t``.

    Thresholds default to a 0.001 grid on [0, 1.001]; the last one flags nobody.
    """
    if thresholds is None:
        thresholds = np.round(np.arange(0.0, 1.0011, 0.001), 3)
    y_true = np.asarray(y_true)
    order = np.argsort(proba)
    sorted_proba = np.asarray(proba)[order]
    positives_below = np.concatenate([[0], np.cumsum(y_true[order])])
    n_below = np.searchsorted(sorted_proba, thresholds, side="left")
    false_negatives = positives_below[n_below]
    negatives_at_or_above = (len(y_true) - n_below) - (y_true.sum() - false_negatives)
    costs = false_negative_cost * false_negatives + false_positive_cost * (
        negatives_at_or_above
    )
    return thresholds, costs.astype(float)


def best_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    false_negative_cost: float,
    false_positive_cost: float = 1.0,
) -> float:
    """The threshold with the lowest business cost (the smallest one on ties)."""
    thresholds, costs = cost_by_threshold(
        y_true, proba, false_negative_cost, false_positive_cost
    )
    return float(thresholds[int(np.argmin(costs))])


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
