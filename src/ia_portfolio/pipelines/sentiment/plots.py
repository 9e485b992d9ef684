"""Figures of the ``sentiment`` pipeline: every model on the test split, with a
title, labelled axes and a legend."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import RocCurveDisplay

from ia_portfolio.pipelines.sentiment.nodes import LABEL
from ia_portfolio.reporting import new_figure


def plot_roc_curves(test_predictions: pd.DataFrame, comparison: pd.DataFrame) -> Figure:
    """ROC curves of every model on the test split."""
    figure, axes = new_figure("ROC curves on the test split", "", "")
    for name in comparison["model"]:
        RocCurveDisplay.from_predictions(
            test_predictions[LABEL],
            test_predictions[f"p_positive_{name}"],
            name=name,
            ax=axes,
        )
    # Set after plotting: RocCurveDisplay writes its own axis labels.
    axes.set_xlabel("False positive rate (share of negative texts called positive)")
    axes.set_ylabel("True positive rate (share of positive texts called positive)")
    axes.legend(loc="lower right")
    return figure


def plot_comparison(comparison: pd.DataFrame) -> Figure:
    """Test F1 of the negative class, accuracy and ROC AUC per model; latency in
    the labels."""
    figure, axes = new_figure(
        "Models on the test split",
        "Model (median latency per text)",
        "Score (0-1)",
        size=(10, 5),
    )
    positions = np.arange(len(comparison))
    width = 0.27
    for offset, (metric, label) in enumerate(
        [
            ("f1_negative", "F1 negative (primary)"),
            ("accuracy", "accuracy"),
            ("roc_auc", "ROC AUC"),
        ]
    ):
        axes.bar(
            positions + (offset - 1) * width,
            comparison[metric].fillna(0),
            width,
            label=label,
        )
    axes.set_xticks(
        positions,
        [
            f"{row.model}{' *' if row.chosen else ''}\n({row.latency_ms_per_text:.1f} ms)"
            for row in comparison.itertuples()
        ],
        fontsize=8,
    )
    axes.set_ylim(0, 1)
    axes.legend(loc="upper right", title="* chosen model")
    return figure
