"""Figures of ``customer_segmentation``: k selection, segment profiles, 2-D views
and the stability curve."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from ia_portfolio.pipelines.customer_segmentation.nodes import NOISE_NAME
from ia_portfolio.reporting import category_colours, new_figure


def segment_colours(profiles: pd.DataFrame) -> dict[str, str]:
    """One colour per segment name, in the order of the profiles table (most
    valuable first), used by every figure; density noise is grey."""
    return category_colours(profiles["name"], grey=[NOISE_NAME])


def _radar_label(column: str) -> str:
    """'interpurchase_days' -> 'interpurchase\ndays': short lines around a radar."""
    return textwrap.fill(column.replace("_", " "), width=12, break_long_words=False)


def plot_k_selection(table: pd.DataFrame, k_choice: dict[str, Any]) -> Figure:
    """Elbow (inertia), silhouette and Davies-Bouldin against k, chosen k marked."""
    figure = Figure(figsize=(13, 4), layout="constrained")
    figure.suptitle(f"KMeans: choice of k (chosen k = {k_choice['k']})")
    panels = [
        ("inertia", f"Elbow (inertia), elbow at k = {k_choice['elbow_k']}"),
        ("silhouette", "Silhouette (higher is better)"),
        ("davies_bouldin", "Davies-Bouldin (lower is better)"),
    ]
    for i, (column, title) in enumerate(panels, start=1):
        axes = figure.add_subplot(1, 3, i)
        axes.plot(table["k"], table[column], marker="o")
        axes.axvline(k_choice["k"], color="tab:red", linestyle="--", label="chosen k")
        axes.set_title(title)
        axes.set_xlabel("number of clusters k")
        axes.set_ylabel(column.replace("_", " "))
        axes.grid(alpha=0.3)
        axes.legend()
    return figure


def plot_profiles(profiles: pd.DataFrame) -> Figure:
    """One radar per segment over the mean z-scores of the model features."""
    z_columns = [c for c in profiles.columns if c.startswith("z_")]
    labels = [_radar_label(c[2:]) for c in z_columns]
    angles = np.linspace(0, 2 * np.pi, len(z_columns), endpoint=False).tolist()
    colours = segment_colours(profiles)
    n = len(profiles)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    figure = Figure(figsize=(5.5 * cols, 5.4 * rows), layout="constrained")
    figure.suptitle(
        "Segment profiles: mean z-score of each feature (0 = all customers)"
    )
    low = min(-1.5, float(profiles[z_columns].min().min()))
    high = max(1.5, float(profiles[z_columns].max().max()))
    for i, row in enumerate(profiles.itertuples(index=False), start=1):
        axes = figure.add_subplot(rows, cols, i, projection="polar")
        values = [getattr(row, c) for c in z_columns]
        colour = colours[row.name]
        axes.plot(angles + angles[:1], values + values[:1], color=colour)
        axes.fill(angles + angles[:1], values + values[:1], alpha=0.25, color=colour)
        axes.plot(np.linspace(0, 2 * np.pi, 100), np.zeros(100), "k:", linewidth=0.8)
        axes.set_xticks(angles, labels, fontsize=8)
        # Labels outside the outer ring, clear of the curve and the title.
        axes.tick_params(axis="x", pad=10)
        axes.tick_params(axis="y", labelsize=7)
        # Radial scale between two spokes, not over one.
        axes.set_rlabel_position(180 / len(z_columns))
        axes.set_ylim(low, high)
        axes.set_title(
            textwrap.fill(f"{row.name} ({row.share:.0%} of customers)", width=40),
            fontsize=10,
            pad=22,
            color=colour,
        )
    return figure


def plot_snake(profiles: pd.DataFrame) -> Figure:
    """Snake plot: every segment's mean z-score per feature on one chart."""
    z_columns = [c for c in profiles.columns if c.startswith("z_")]
    figure, axes = new_figure(
        "Snake plot of the segments", "feature", "mean z-score (0 = all customers)"
    )
    colours = segment_colours(profiles)
    for row in profiles.itertuples(index=False):
        axes.plot(
            [c[2:].replace("_", " ") for c in z_columns],
            [getattr(row, c) for c in z_columns],
            marker="o",
            label=row.name,
            color=colours[row.name],
        )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.tick_params(axis="x", rotation=30)
    axes.legend(fontsize=8)
    return figure


def _names(assignments: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    names = profiles.set_index("segment")["name"]
    return assignments.set_index("customer_id")["segment"].map(names)


def _scatter(
    axes: Any, xy: np.ndarray, names: pd.Series, colours: dict[str, str]
) -> None:
    """Customers coloured and listed in the segments' order of the profiles."""
    for name, colour in colours.items():
        mask = (names == name).to_numpy()
        if mask.any():
            axes.scatter(
                xy[mask, 0], xy[mask, 1], s=4, alpha=0.5, label=name, color=colour
            )
    axes.legend(markerscale=4, fontsize=8)


def plot_views(
    scaled: pd.DataFrame,
    assignments: pd.DataFrame,
    profiles: pd.DataFrame,
    views: dict[str, Any],
    seed: int,
) -> tuple[Figure, Figure]:
    """PCA (all customers) and t-SNE (a sample) projections coloured by segment."""
    names = _names(assignments, profiles).loc[scaled.index]
    colours = segment_colours(profiles)
    pca = PCA(n_components=2, random_state=seed)
    xy = pca.fit_transform(scaled.to_numpy())
    explained = pca.explained_variance_ratio_
    pca_figure, axes = new_figure(
        "Customers on the first two principal components",
        f"PC1 ({explained[0]:.0%} of variance)",
        f"PC2 ({explained[1]:.0%} of variance)",
    )
    _scatter(axes, xy, names, colours)
    sample = scaled.sample(
        n=min(views["tsne_sample_size"], len(scaled)), random_state=seed
    )
    embedded = TSNE(
        n_components=2,
        perplexity=min(views["perplexity"], max(2, len(sample) - 1) / 3),
        random_state=seed,
        init="pca",
    ).fit_transform(sample.to_numpy())
    tsne_figure, axes = new_figure(
        f"t-SNE of {len(sample):,} sampled customers", "t-SNE 1", "t-SNE 2"
    )
    _scatter(axes, embedded, names.loc[sample.index], colours)
    return pca_figure, tsne_figure


def plot_stability(curve: pd.DataFrame, summary: dict[str, Any]) -> Figure:
    """ARI of frozen vs re-fitted segments against elapsed time, with threshold."""
    figure, axes = new_figure(
        "Segment stability: frozen model vs re-fitted model",
        "days since the model was fitted",
        "adjusted Rand index (initial customers)",
    )
    axes.plot(curve["elapsed_days"], curve["ari"], marker="o", label="ARI")
    axes.axhline(
        summary["ari_threshold"],
        color="tab:red",
        linestyle="--",
        label="re-fit threshold",
    )
    axes.axvline(
        summary["recommended_refit_days"],
        color="tab:green",
        linestyle=":",
        label=f"recommended re-fit: {summary['recommended_refit_days']} days",
    )
    if summary.get("drift_from_days") is not None:
        axes.axvspan(
            summary["drift_from_days"],
            float(curve["elapsed_days"].max()),
            color="tab:red",
            alpha=0.08,
            label=f"drift: {summary.get('persistence', 1)}+ checks in a row "
            "under the threshold",
        )
    axes.set_ylim(min(0.0, float(curve["ari"].min()) - 0.05), 1.05)
    axes.legend()
    return figure
