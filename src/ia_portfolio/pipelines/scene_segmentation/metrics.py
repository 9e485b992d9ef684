"""Segmentation scores from a confusion matrix: IoU and Dice per category, mean
IoU, pixel accuracy.

As in the Cityscapes benchmark, pixels whose truth is void are not scored and the
mean IoU is taken over the 7 other categories (a prediction of void on a scored
pixel counts as an error). Categories absent from both the truth and the
predictions have no IoU and are left out of the mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ia_portfolio.pipelines.scene_segmentation.categories import CATEGORIES, VOID

N = len(CATEGORIES)
SCORED = [i for i in range(N) if i != VOID]


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Counts of pixels by (true category, predicted category), 8 x 8."""
    pairs = (
        np.asarray(truth, np.int64).ravel() * N
        + np.asarray(predicted, np.int64).ravel()
    )
    return np.bincount(pairs, minlength=N * N).reshape(N, N)


def segmentation_scores(matrix: np.ndarray) -> dict[str, Any]:
    """Mean IoU, pixel accuracy, mean Dice and per-category IoU and Dice of a
    confusion matrix, void-labelled pixels left out."""
    scored = matrix.astype(np.float64).copy()
    scored[VOID, :] = 0  # truth void: not scored
    true_positive = np.diag(scored)
    predicted = scored.sum(axis=0)
    actual = scored.sum(axis=1)
    union = actual + predicted - true_positive
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, true_positive / union, np.nan)
        dice = np.where(
            actual + predicted > 0, 2 * true_positive / (actual + predicted), np.nan
        )
    total = scored.sum()
    return {
        "mean_iou": float(np.nanmean(iou[SCORED]))
        if np.isfinite(iou[SCORED]).any()
        else float("nan"),
        "mean_dice": float(np.nanmean(dice[SCORED]))
        if np.isfinite(dice[SCORED]).any()
        else float("nan"),
        "pixel_accuracy": float(true_positive.sum() / total) if total else float("nan"),
        "iou": {CATEGORIES[i]: _finite(iou[i]) for i in SCORED},
        "dice": {CATEGORIES[i]: _finite(dice[i]) for i in SCORED},
    }


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
