"""Figures of the ``recommendation`` pipeline: every candidate on the test
period, with a title, labelled axes and a legend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ia_portfolio.reporting import new_figure

METRICS = (
    ("hr_at_10", "HR@10"),
    ("recall_at_10", "recall@10"),
    ("ndcg_at_10", "NDCG@10"),
    ("map_at_10", "MAP@10"),
)


def plot_metric_by_model(comparison: pd.DataFrame) -> Figure:
    """HR@10, recall@10, NDCG@10 and MAP@10 of every model (all readers), with
    its catalogue coverage in the labels."""
    overall = comparison[comparison["segment"] == "all"].reset_index(drop=True)
    figure, axes = new_figure(
        "Candidates on the test period (full-catalogue ranking)",
        "Model (catalogue coverage of its top 10)",
        "Score (0-1)",
        size=(10, 5),
    )
    positions = np.arange(len(overall))
    width = 0.8 / len(METRICS)
    for offset, (metric, label) in enumerate(METRICS):
        shift = (offset - (len(METRICS) - 1) / 2) * width
        axes.bar(positions + shift, overall[metric], width, label=label)
    axes.set_xticks(
        positions,
        [f"{row.model}\n({row.coverage:.0%})" for row in overall.itertuples()],
    )
    axes.legend(title="metric")
    return figure


def plot_metric_by_activity(
    user_metrics: pd.DataFrame, evaluation: dict[str, Any]
) -> Figure:
    """Mean NDCG@10 of every model per bin of reader history length."""
    edges = evaluation["activity_bins"]
    labels = [
        f"{low}-{high - 1}" for low, high in zip(edges[:-1], edges[1:], strict=True)
    ]
    labels[-1] = f"{edges[-2]}+"
    bins = pd.cut(user_metrics["history_clicks"], edges, right=False, labels=labels)
    means = (
        user_metrics.assign(activity=bins)
        .groupby(["activity", "model"], observed=False)["ndcg_at_10"]
        .mean()
        .unstack("model")
    )
    readers = bins[user_metrics["model"] == user_metrics["model"].iloc[0]]
    counts = readers.value_counts().reindex(labels).fillna(0).astype(int)
    figure, axes = new_figure(
        "NDCG@10 by reader activity (test period)",
        "Clicks in the reader's history (readers measured)",
        "Mean NDCG@10 (0-1)",
        size=(10, 5),
    )
    positions = np.arange(len(labels))
    for model in means.columns:
        axes.plot(positions, means[model].to_numpy(), marker="o", label=model)
    axes.set_xticks(positions, [f"{label}\n(n={counts[label]})" for label in labels])
    axes.legend(title="model")
    return figure
