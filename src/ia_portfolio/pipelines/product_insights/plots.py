"""Figures of ``product_insights``: a title, axes labelled with their units and a
legend on each; one interactive topic map (plotly)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from matplotlib.figure import Figure

from ia_portfolio.reporting import new_figure

FAMILIES = ("sift", "orb", "pixels", "cnn")
FAMILY_NAMES = {
    "sift": "SIFT bag of visual words",
    "orb": "ORB bag of visual words",
    "pixels": "raw pixels",
    "cnn": "EfficientNet-Lite0 (CNN)",
}
METHOD_NAMES = {
    "lda": "LDA (bag of words)",
    "embedding": "MiniLM + UMAP + KMeans (BERTopic)",
}


def _panels(
    title: str, rows: int, columns: int, size: tuple[float, float]
) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=size, layout="constrained")
    figure.suptitle(title)
    return figure, np.atleast_1d(figure.subplots(rows, columns, squeeze=False))


def plot_coherence(
    lda_coherence: pd.DataFrame, embedding_coherence: pd.DataFrame
) -> Figure:
    """c_v and NPMI coherence against the number of topics, for both models."""
    figure, axes = _panels("Topic coherence by number of topics", 1, 2, (11, 4.5))
    curves = pd.concat([lda_coherence, embedding_coherence])
    for axis, (measure, label) in zip(
        axes[0],
        (("c_v", "c_v coherence (0 to 1)"), ("npmi", "NPMI coherence (-1 to 1)")),
        strict=True,
    ):
        for method, curve in curves.groupby("method", sort=False):
            best = curve.loc[curve["c_v"].idxmax()]
            line = axis.plot(
                curve["k"], curve[measure], marker="o", label=METHOD_NAMES[method]
            )
            axis.scatter(
                [best["k"]],
                [best[measure]],
                s=160,
                facecolors="none",
                edgecolors=line[0].get_color(),
            )
        axis.set_xlabel("number of topics k")
        axis.set_ylabel(label)
        axis.set_title(f"{measure} (circled: k chosen by c_v)")
        axis.grid(alpha=0.3)
        axis.legend()
    return figure


def plot_topic_shares(topic_summary: pd.DataFrame) -> Figure:
    """Share of unhappy reviews per topic, topics named by their top words."""
    figure, axes = _panels("What unhappy customers write about", 1, 2, (13, 5.5))
    for axis, method in zip(axes[0], ("lda", "embedding"), strict=True):
        rows = topic_summary.loc[topic_summary["method"] == method].sort_values("share")
        axis.barh(rows["name"], rows["share"] * 100, label="share of reviews")
        axis.set_xlabel("share of unhappy reviews (%)")
        axis.set_ylabel("topic (its three top words)")
        axis.set_title(METHOD_NAMES[method])
        axis.grid(alpha=0.3, axis="x")
        axis.legend(loc="lower right")
    return figure


def plot_topic_map(
    review_map: pd.DataFrame,
    reviews: pd.DataFrame,
    embedding_topics: dict[str, Any],
    topic_summary: pd.DataFrame,
) -> go.Figure:
    """Every review on the 2-D map of its meaning, coloured by its topic; hovering
    shows the review's start, its corpus and its grade."""
    names = topic_summary.loc[topic_summary["method"] == "embedding"].set_index(
        "topic"
    )["name"]
    table = review_map.assign(
        topic=[names[t] for t in embedding_topics["topic"]],
        excerpt=reviews["text"].str.slice(0, 160).to_numpy(),
        rating=reviews["rating"].to_numpy(),
    )
    figure = px.scatter(
        table,
        x="x",
        y="y",
        color="topic",
        symbol="corpus",
        hover_data={
            "excerpt": True,
            "rating": True,
            "corpus": True,
            "x": False,
            "y": False,
        },
        title="Unhappy reviews by meaning (UMAP of MiniLM embeddings): close points say similar things",
        labels={
            "x": "map axis 1 (no unit)",
            "y": "map axis 2 (no unit)",
            "topic": "topic",
        },
    )
    figure.update_traces(marker={"size": 5, "opacity": 0.7})
    return figure


def plot_preprocessing(
    sample: pd.DataFrame, clean_images: np.ndarray, preprocessing: dict[str, Any]
) -> Figure:
    """A few photos before and after cleaning, with their grey-level histograms."""
    shown = sample.groupby("label").head(1).head(preprocessing["examples"])
    figure, axes = _panels(
        "Pre-processing: denoised and contrast-equalised",
        3,
        len(shown),
        (1.6 * len(shown) + 2, 6),
    )
    for column, (position, row) in enumerate(shown.iterrows()):
        before = row["image"]
        axes[0, column].imshow(before, cmap="gray")
        axes[0, column].set_title(str(row["label"]), fontsize=8)
        axes[1, column].imshow(clean_images[position], cmap="gray")
        for axis in axes[:2, column]:
            axis.set_xticks([])
            axis.set_yticks([])
        axes[2, column].hist(
            before.ravel(), bins=32, range=(0, 255), alpha=0.6, label="before"
        )
        axes[2, column].hist(
            clean_images[position].ravel(),
            bins=32,
            range=(0, 255),
            alpha=0.6,
            label="after",
        )
        axes[2, column].set_xlabel("grey level (0-255)")
        axes[2, column].set_yticks([])
    axes[0, 0].set_ylabel("before")
    axes[1, 0].set_ylabel("after")
    axes[2, 0].set_ylabel("pixels per level")
    axes[2, 0].legend(fontsize=7)
    return figure


def _results(sift, orb, pixels, cnn) -> dict[str, dict[str, Any]]:
    return dict(zip(FAMILIES, (sift, orb, pixels, cnn), strict=True))


def plot_pca_variance(sift, orb, pixels, cnn) -> Figure:
    """Cumulative variance explained by the PCA components of each feature family,
    with the number of components kept."""
    figure, axis = new_figure(
        "PCA: variance kept per feature family",
        "number of components",
        "cumulative explained variance (share)",
    )
    for family, result in _results(sift, orb, pixels, cnn).items():
        curve = result["cumulative_variance"]
        line = axis.plot(
            range(1, len(curve) + 1),
            curve,
            label=f"{FAMILY_NAMES[family]}: {result['components']} kept",
        )
        axis.axvline(result["components"], color=line[0].get_color(), linestyle=":")
    axis.legend()
    return figure


def plot_image_maps(sample: pd.DataFrame, sift, orb, pixels, cnn) -> Figure:
    """t-SNE map of the images for each feature family, coloured by true label
    (left) and by cluster (right): good features make the colours match."""
    results = _results(sift, orb, pixels, cnn)
    figure, axes = _panels(
        "Images on a 2-D map (t-SNE of the PCA features)",
        len(results),
        2,
        (11, 4.2 * len(results)),
    )
    labels = sample["label"].astype("category")
    for row, (family, result) in enumerate(results.items()):
        xy = result["map"]
        for column, (colours, name) in enumerate(
            (
                (labels.cat.codes, "true label"),
                (
                    result["clusters"][result["best_method"]],
                    f"{result['best_method']} cluster",
                ),
            )
        ):
            axis = axes[row, column]
            points = axis.scatter(xy[:, 0], xy[:, 1], c=colours, cmap="tab10", s=4)
            axis.set_title(f"{FAMILY_NAMES[family]}, coloured by {name}")
            axis.set_xlabel("t-SNE axis 1 (no unit)")
            axis.set_ylabel("t-SNE axis 2 (no unit)")
            if column == 0:
                handles = points.legend_elements(num=None)[0]
                axis.legend(
                    handles,
                    list(labels.cat.categories),
                    fontsize=6,
                    markerscale=0.8,
                    loc="best",
                )
    return figure


def plot_confusion(sift, orb, pixels, cnn) -> Figure:
    """True label x cluster counts of each family's better clustering; clusters
    named after the label they match best."""
    results = _results(sift, orb, pixels, cnn)
    figure, axes = _panels("True labels against clusters", 2, 2, (14, 12))
    for axis, (family, result) in zip(axes.ravel(), results.items(), strict=True):
        table = result["confusion"]
        image = axis.imshow(table.to_numpy(), cmap="Blues")
        axis.set_xticks(
            range(table.shape[1]), table.columns, rotation=60, ha="right", fontsize=7
        )
        axis.set_yticks(range(table.shape[0]), table.index, fontsize=7)
        axis.set_title(
            f"{FAMILY_NAMES[family]} ({result['best_method']}, ARI {result['ari'][result['best_method']]:.2f})"
        )
        axis.set_xlabel("cluster (~ matched label)")
        axis.set_ylabel("true label")
        figure.colorbar(image, ax=axis, label="images")
    return figure


def plot_ari(family_comparison: pd.DataFrame, references: dict[str, float]) -> Figure:
    """ARI against the true labels per feature family and clustering method, with
    the reference figures."""
    figure, axis = new_figure(
        "Agreement of clusters with true labels",
        "feature family",
        "adjusted Rand index (0 = chance, 1 = perfect)",
    )
    table = family_comparison.set_index("features").reindex(list(FAMILIES))
    methods = [
        c.removeprefix("ari_")
        for c in table
        if c.startswith("ari_") and c != "ari_best"
    ]
    width = 0.8 / len(methods)
    positions = np.arange(len(table))
    for i, method in enumerate(methods):
        axis.bar(positions + i * width, table[f"ari_{method}"], width, label=method)
    axis.scatter(
        positions + width / 2,
        [references.get(f, np.nan) for f in table.index],
        marker="_",
        s=400,
        color="black",
        label="reference (KMeans)",
    )
    axis.set_xticks(
        positions + width / 2, [FAMILY_NAMES[f] for f in table.index], fontsize=8
    )
    axis.legend()
    return figure


def plot_cluster_gallery(
    sample: pd.DataFrame,
    family_comparison: pd.DataFrame,
    sift,
    orb,
    pixels,
    cnn,
    gallery: dict[str, Any],
    seed: int,
) -> Figure:
    """For the best feature family: each cluster as a row of example photos, with
    its most common true label and how pure it is. Reading the rows answers
    "would these labels be usable?" without any statistics."""
    family = family_comparison.iloc[0]["features"]
    result = _results(sift, orb, pixels, cnn)[family]
    clusters = np.asarray(result["clusters"][result["best_method"]])
    n_clusters = len(np.unique(clusters))
    per_row = gallery["images_per_cluster"]
    figure, axes = _panels(
        f"Clusters found from {FAMILY_NAMES[family]} ({result['best_method']}), {per_row} random photos each",
        n_clusters,
        per_row,
        (per_row * 1.1 + 1, n_clusters * 1.2 + 0.5),
    )
    rng = np.random.default_rng(seed)
    for row, cluster in enumerate(np.unique(clusters)):
        members = np.flatnonzero(clusters == cluster)
        counts = sample["label"].iloc[members].value_counts()
        chosen = rng.choice(members, size=min(per_row, len(members)), replace=False)
        for column in range(per_row):
            axis = axes[row, column]
            axis.set_xticks([])
            axis.set_yticks([])
            if column < len(chosen):
                axis.imshow(sample["image"].iloc[chosen[column]], cmap="gray")
        axes[row, 0].set_ylabel(
            f"{counts.index[0]}\n{counts.iloc[0] / len(members):.0%} of {len(members)}",
            fontsize=7,
            rotation=0,
            ha="right",
            va="center",
        )
    return figure
