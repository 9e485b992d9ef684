"""Metrics of the bad-buzz question: how well negative texts are caught."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

NEGATIVE, POSITIVE = 0, 1
THRESHOLD_GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


def predict_labels(proba_positive: np.ndarray, threshold: float) -> np.ndarray:
    """1 (positive) where ``P(positive) >= threshold``, else 0 (negative)."""
    return (np.asarray(proba_positive) >= threshold).astype(int)


def negative_f1(
    y_true: np.ndarray, proba_positive: np.ndarray, threshold: float
) -> float:
    """F1 score of the negative class at ``threshold``."""
    y_pred = predict_labels(proba_positive, threshold)
    return float(f1_score(y_true, y_pred, pos_label=NEGATIVE, zero_division=0))


def best_of_grid(scores: np.ndarray) -> float:
    """The threshold of ``THRESHOLD_GRID`` with the highest of ``scores`` (one per
    threshold), the one closest to 0.5 on ties."""
    candidates = THRESHOLD_GRID[scores == scores.max()]
    return float(candidates[np.argmin(np.abs(candidates - 0.5))])


def grid_scores(
    y_true: np.ndarray, proba_positive: np.ndarray
) -> dict[str, np.ndarray]:
    """Accuracy, F1 of the negative class and balanced accuracy (the mean of the
    recalls of the classes present) at every threshold of the grid, one value per
    threshold: counted at once with NumPy, as sklearn's scores would give them."""
    y_negative = np.asarray(y_true) == NEGATIVE
    called_negative = np.asarray(proba_positive)[None, :] < THRESHOLD_GRID[:, None]
    caught = (called_negative & y_negative).sum(axis=1)  # true negatives
    false_alarms = (called_negative & ~y_negative).sum(axis=1)
    missed = (~called_negative & y_negative).sum(axis=1)
    kept_positive = (~called_negative & ~y_negative).sum(axis=1)
    n_negative, n_positive = y_negative.sum(), (~y_negative).sum()
    f1_denominator = 2 * caught + false_alarms + missed
    recalls = [
        counts / n
        for counts, n in ((caught, n_negative), (kept_positive, n_positive))
        if n
    ]
    return {
        "accuracy": (caught + kept_positive) / max(1, len(y_negative)),
        "f1_negative": np.divide(
            2 * caught,
            f1_denominator,
            out=np.zeros(len(THRESHOLD_GRID)),
            where=f1_denominator > 0,
        ),
        "balanced_accuracy": np.mean(recalls, axis=0)
        if recalls
        else np.zeros(len(THRESHOLD_GRID)),
    }


def best_threshold(y_true: np.ndarray, proba_positive: np.ndarray) -> float:
    """The threshold of the grid with the best negative-class F1 (the one closest
    to 0.5 on ties)."""
    return best_of_grid(grid_scores(y_true, proba_positive)["f1_negative"])


def balanced_threshold(y_true: np.ndarray, proba_positive: np.ndarray) -> float:
    """The threshold of the grid with the best balanced accuracy (the mean of the
    two classes' recalls), the one closest to 0.5 on ties.

    Balanced accuracy does not depend on how common negative texts are, so the
    threshold does not carry the training texts' share of negatives to texts
    where that share differs (70 % of the tweets, 28 % of the drug reviews).
    """
    return best_of_grid(grid_scores(y_true, proba_positive)["balanced_accuracy"])


def classification_metrics(
    y_true: np.ndarray, proba_positive: np.ndarray, threshold: float
) -> dict[str, float]:
    """Accuracy, ROC AUC and negative-class precision/recall/F1 at ``threshold``."""
    y_true = np.asarray(y_true)
    y_pred = predict_labels(proba_positive, threshold)
    single_class = len(np.unique(y_true)) < 2  # noqa: PLR2004
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "roc_auc": float("nan")
        if single_class
        else float(roc_auc_score(y_true, proba_positive)),
        "f1_negative": negative_f1(y_true, proba_positive, threshold),
        "precision_negative": float(
            precision_score(y_true, y_pred, pos_label=NEGATIVE, zero_division=0)
        ),
        "recall_negative": float(
            recall_score(y_true, y_pred, pos_label=NEGATIVE, zero_division=0)
        ),
    }
