"""Figures of the ``text_analytics`` pipeline: confusion matrices of the language
detection and latency per document, per provider."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ia_portfolio.pipelines.text_analytics.nodes import OTHER
from ia_portfolio.reporting import new_figure


def plot_confusion_matrices(predictions: pd.DataFrame) -> Figure:
    """Per provider, the share of each true language's documents given each label
    (rows sum to 100 %); predictions outside the corpus's languages, and
    documents without an answer, fall in ``other``."""
    providers = list(dict.fromkeys(predictions["provider"]))
    labels = sorted(predictions["language"].astype(str).unique())
    columns = [*labels, OTHER]
    size = max(6.0, 0.42 * len(columns) + 2.5)
    figure = Figure(figsize=(size * len(providers), size), layout="constrained")
    axes_list = figure.subplots(1, len(providers), squeeze=False)[0]
    for axes, provider in zip(axes_list, providers, strict=True):
        frame = predictions[predictions["provider"] == provider]
        predicted = frame["detected_language"].where(
            frame["detected_language"].isin(labels), OTHER
        )
        counts = pd.crosstab(frame["language"].astype(str), predicted).reindex(
            index=labels, columns=columns, fill_value=0
        )
        shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
        image = axes.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1)
        axes.set_xticks(range(len(columns)), columns, rotation=90)
        axes.set_yticks(range(len(labels)), labels)
        for (row, col), count in np.ndenumerate(counts.to_numpy()):
            if count:
                share = shares.iat[row, col]
                axes.text(
                    col,
                    row,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if share > 0.5 else "black",
                )
        accuracy = frame["correct"].mean()
        axes.set_title(f"{provider}: accuracy {accuracy:.1%} on {len(frame)} documents")
        axes.set_xlabel("Detected language (ISO 639 code)")
        axes.set_ylabel("True language (ISO 639 code)")
        figure.colorbar(
            image, ax=axes, shrink=0.7, label="Share of the true language's documents"
        )
    figure.suptitle(
        "Language detection: which language each provider says, per true language (counts in cells)"
    )
    return figure


def plot_latency(predictions: pd.DataFrame) -> Figure:
    """Distribution of the time each provider spends per document (log scale)."""
    figure, axes = new_figure(
        "Language detection latency per document",
        "Milliseconds per document (log scale; Azure: request time / documents in it)",
        "Documents",
    )
    latency = predictions["latency_ms"].astype(float)
    positive = latency[latency > 0]
    low = max(positive.min() if len(positive) else 1e-3, 1e-3)
    high = max(latency.max() if len(latency) else 1.0, low * 10)
    bins = np.logspace(np.log10(low), np.log10(high), 40)
    for provider, frame in predictions.groupby("provider", sort=False):
        values = frame["latency_ms"].astype(float).clip(lower=low)
        median = values.median()
        axes.hist(
            values, bins=bins, alpha=0.6, label=f"{provider} (median {median:.3g} ms)"
        )
        axes.axvline(median, linestyle="--", color="black", linewidth=0.8)
    axes.set_xscale("log")
    axes.legend(loc="best")
    return figure
