"""IoU, Dice and pixel accuracy on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest

from ia_portfolio.pipelines.scene_segmentation.metrics import (
    confusion_matrix,
    segmentation_scores,
)

VOID, FLAT, SKY = 0, 1, 5


def test_iou_and_dice_of_hand_made_masks() -> None:
    truth = np.array([[FLAT, FLAT, SKY, SKY]])
    predicted = np.array([[FLAT, SKY, SKY, SKY]])
    scores = segmentation_scores(confusion_matrix(truth, predicted))
    assert scores["iou"]["flat"] == pytest.approx(1 / 2)  # 1 / (2 + 1 - 1)
    assert scores["iou"]["sky"] == pytest.approx(2 / 3)  # 2 / (2 + 3 - 2)
    assert scores["dice"]["flat"] == pytest.approx(2 * 1 / (2 + 1))
    assert scores["dice"]["sky"] == pytest.approx(2 * 2 / (2 + 3))
    assert scores["mean_iou"] == pytest.approx((1 / 2 + 2 / 3) / 2)  # absent: left out
    assert scores["iou"]["human"] is None
    assert scores["pixel_accuracy"] == pytest.approx(3 / 4)


def test_void_truth_is_not_scored_but_predicting_void_is_an_error() -> None:
    truth = np.array([[VOID, VOID, FLAT, FLAT]])
    predicted = np.array([[SKY, FLAT, VOID, FLAT]])
    scores = segmentation_scores(confusion_matrix(truth, predicted))
    assert scores["pixel_accuracy"] == pytest.approx(1 / 2)
    assert scores["iou"]["flat"] == pytest.approx(1 / 2)
    assert scores["iou"]["sky"] is None  # only predicted on a void pixel
    assert scores["mean_iou"] == pytest.approx(1 / 2)


def test_a_perfect_prediction_scores_one() -> None:
    truth = np.random.default_rng(0).integers(0, 8, (3, 16, 16))
    scores = segmentation_scores(confusion_matrix(truth, truth))
    assert scores["mean_iou"] == scores["pixel_accuracy"] == scores["mean_dice"] == 1.0
