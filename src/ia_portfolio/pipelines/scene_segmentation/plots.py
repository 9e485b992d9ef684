"""Figures of the ``scene_segmentation`` pipeline: a title, axes labelled with
their units and a legend on each."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ia_portfolio.pipelines.scene_segmentation.categories import (
    CATEGORIES,
    COLOURS,
    colourise,
)
from ia_portfolio.reporting import new_figure

SCORED = [name for name in CATEGORIES if name != "void"]


def _category_legend() -> list[Patch]:
    return [
        Patch(color=np.array(c) / 255, label=n)
        for n, c in zip(CATEGORIES, COLOURS, strict=True)
    ]


def plot_example_predictions(
    examples: dict[str, Any], comparison: pd.DataFrame
) -> Figure:
    """Test scenes: the image, the true categories, the chosen model's and the
    baseline's predictions, in the Cityscapes category colours."""
    chosen = comparison.loc[comparison["chosen"], "model"].iloc[0]
    shown = [chosen] + [
        m for m in ("pixel_baseline",) if m != chosen and m in examples["predictions"]
    ]
    n = len(examples["images"])
    columns = ["image", "truth", *shown]
    figure = Figure(figsize=(2.6 * len(columns), 1.5 * n + 1.2), layout="constrained")
    axes = figure.subplots(n, len(columns), squeeze=False)
    for row in range(n):
        panels = [examples["images"][row], colourise(examples["truth"][row])]
        panels += [colourise(examples["predictions"][m][row]) for m in shown]
        for column, (title, panel) in enumerate(zip(columns, panels, strict=True)):
            ax = axes[row, column]
            ax.imshow(panel, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=9)
    figure.suptitle(f"Held-out test scenes: truth and predictions (chosen: {chosen})")
    figure.legend(
        handles=_category_legend(),
        loc="outside lower center",
        ncol=len(CATEGORIES),
        fontsize=8,
    )
    return figure


def plot_training_curves(examples: dict[str, Any]) -> Figure:
    """Training and validation loss, and validation mean IoU, per epoch."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    loss_axes, iou_axes = figure.subplots(1, 2)
    for name, history in examples["histories"].items():
        epochs = np.arange(1, len(history["loss"]) + 1)
        (line,) = loss_axes.plot(epochs, history["loss"], label=f"{name} train")
        loss_axes.plot(
            epochs,
            history["val_loss"],
            "--",
            color=line.get_color(),
            label=f"{name} validation",
        )
        iou_axes.plot(
            epochs, history["val_mean_iou"], color=line.get_color(), label=name
        )
    loss_axes.set(
        title="Loss per epoch", xlabel="epoch", ylabel="loss (each model's own)"
    )
    iou_axes.set(
        title="Validation mean IoU (7 scored categories) per epoch",
        xlabel="epoch",
        ylabel="mean IoU (0-1)",
    )
    loss_axes.legend(fontsize=7)
    iou_axes.legend(fontsize=7)
    figure.suptitle(
        "Training curves (full trainings; early stopping on validation mean IoU)"
    )
    return figure


def plot_confusion_matrix(examples: dict[str, Any], comparison: pd.DataFrame) -> Figure:
    """The chosen model's test confusion matrix, each true category's row as
    shares of its pixels."""
    chosen = comparison.loc[comparison["chosen"], "model"].iloc[0]
    matrix = np.array(examples["confusion_matrices"][chosen], float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axes = new_figure(
        f"Test confusion matrix of {chosen} (row shares)",
        "predicted category",
        "true category",
    )
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(CATEGORIES)), CATEGORIES, rotation=45, ha="right")
    axes.set_yticks(range(len(CATEGORIES)), CATEGORIES)
    for (i, j), value in np.ndenumerate(shares):
        axes.text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if value > 0.5 else "black",
        )
    figure.colorbar(image, ax=axes, label="share of the true category's pixels")
    axes.legend(
        handles=[Patch(color="#08306b", label="share of row")],
        loc="upper right",
        fontsize=7,
    )
    return figure


def plot_category_iou(comparison: pd.DataFrame) -> Figure:
    """Test IoU of each category for every model, mean IoU in the legend."""
    figure, axes = new_figure("Test IoU per category", "category", "IoU (0-1)")
    width = 0.8 / len(comparison)
    x = np.arange(len(SCORED))
    for offset, row in enumerate(comparison.itertuples()):
        values = [getattr(row, f"iou_{name}") for name in SCORED]
        axes.bar(
            x + offset * width,
            values,
            width,
            label=f"{row.model} (mean {row.mean_iou:.3f})",
        )
    axes.set_xticks(x + 0.4 - width / 2, SCORED)
    axes.set_ylim(0, 1)
    axes.legend(fontsize=8)
    return figure
