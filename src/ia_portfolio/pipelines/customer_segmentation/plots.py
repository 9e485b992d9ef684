"""Figures of ``customer_segmentation``: k selection, segment profiles, 2-D views
and the stability curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from ia_portfolio.reporting import new_figure


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
    labels = [c[2:].replace("_", " ") for c in z_columns]
    angles = np.linspace(0, 2 * np.pi, len(z_columns), endpoint=False).tolist()
    n = len(profiles)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    figure = Figure(figsize=(5 * cols, 4.6 * rows), layout="constrained")
    figure.suptitle(
        "Segment profiles: mean z-score of each feature (0 = all customers)"
    )
    low = min(-1.5, float(profiles[z_columns].min().min()))
    high = max(1.5, float(profiles[z_columns].max().max()))
    for i, row in enumerate(profiles.itertuples(index=False), start=1):
        axes = figure.add_subplot(rows, cols, i, projection="polar")
        values = [getattr(row, c) for c in z_columns]
        axes.plot(angles + angles[:1], values + values[:1], color=f"C{i - 1}")
        axes.fill(
            angles + angles[:1], values + values[:1], alpha=0.25, color=f"C{i - 1}"
        )
        axes.plot(np.linspace(0, 2 * np.pi, 100), np.zeros(100), "k:", linewidth=0.8)
        axes.set_xticks(angles, labels, fontsize=8)
        axes.set_ylim(low, high)
        axes.set_title(f"{row.name}\n{row.share:.0%} of customers", fontsize=10)
    return figure


def plot_snake(profiles: pd.DataFrame) -> Figure:
    """Snake plot: every segment's mean z-score per feature on one chart."""
    z_columns = [c for c in profiles.columns if c.startswith("z_")]
    figure, axes = new_figure(
        "Snake plot of the segments", "feature", "mean z-score (0 = all customers)"
    )
    for row in profiles.itertuples(index=False):
        axes.plot(
            [c[2:].replace("_", " ") for c in z_columns],
            [getattr(row, c) for c in z_columns],
            marker="o",
            label=row.name,
        )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.tick_params(axis="x", rotation=30)
    axes.legend(fontsize=8)
    return figure


def _names(assignments: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    names = profiles.set_index("segment")["name"]
    return assignments.set_index("customer_id")["segment"].map(names)


def _scatter(axes: Any, xy: np.ndarray, names: pd.Series) -> None:
    for i, name in enumerate(sorted(names.unique())):
        mask = (names == name).to_numpy()
        axes.scatter(
            xy[mask, 0], xy[mask, 1], s=4, alpha=0.5, label=name, color=f"C{i}"
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
    pca = PCA(n_components=2, random_state=seed)
    xy = pca.fit_transform(scaled.to_numpy())
    explained = pca.explained_variance_ratio_
    pca_figure, axes = new_figure(
        "Customers on the first two principal components",
        f"PC1 ({explained[0]:.0%} of variance)",
        f"PC2 ({explained[1]:.0%} of variance)",
    )
    _scatter(axes, xy, names)
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
    _scatter(axes, embedded, names.loc[sample.index])
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
    axes.set_ylim(min(0.0, float(curve["ari"].min()) - 0.05), 1.05)
    axes.legend()
    return figure
