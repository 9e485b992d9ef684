"""Image nodes, second stage: each feature family reduced by PCA, clustered two
ways, scored against the true labels, and placed on a 2-D map."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import adjusted_rand_score, confusion_matrix
from sklearn.preprocessing import normalize

logger = logging.getLogger(__name__)


def reduce_dimensions(
    features: np.ndarray, reduction: dict[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows L2-normalised, then PCA keeping the fewest components that explain
    ``reduction.variance`` of the variance (at most ``reduction.max_components``).
    Returns the projection and the cumulative explained variance of every
    component fitted."""
    rows = normalize(features)
    n_max = min(reduction["max_components"], *rows.shape)
    pca = PCA(n_components=n_max, random_state=seed).fit(rows)
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    kept = int(np.searchsorted(cumulative, reduction["variance"]) + 1)
    kept = min(max(kept, 2), n_max)
    return pca.transform(rows)[:, :kept], cumulative


def matched_confusion(labels: np.ndarray, clusters: np.ndarray) -> pd.DataFrame:
    """True label x cluster counts, each cluster named after the label it is
    matched to (Hungarian matching on the counts) and placed in that label's
    column; extra clusters keep their number."""
    names = np.unique(labels)
    cluster_ids = np.unique(clusters)
    counts = confusion_matrix(
        np.searchsorted(names, labels),
        np.searchsorted(cluster_ids, clusters) + len(names),
        labels=list(range(len(names) + len(cluster_ids))),
    )[: len(names), len(names) :]
    rows, columns = linear_sum_assignment(-counts)
    column_names = [f"cluster {c}" for c in cluster_ids]
    for r, c in zip(rows, columns, strict=True):
        column_names[c] = f"~{names[r]}"
    # Matched clusters in label order (a diagonal), the others after them.
    order = [
        *columns[np.argsort(rows)],
        *sorted(set(range(len(cluster_ids))) - set(columns)),
    ]
    table = pd.DataFrame(counts, index=names, columns=column_names)
    return table.iloc[:, order]


def cluster_features(
    features: np.ndarray,
    sample: pd.DataFrame,
    clustering: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """One feature family: PCA, KMeans and Ward agglomerative clustering with as
    many clusters as labels, their ARI against the true labels, the confusion
    matrix of the better one, and a t-SNE map of the images."""
    labels = sample["label"].to_numpy()
    n_clusters = len(np.unique(labels))
    reduced, cumulative = reduce_dimensions(features, clustering["reduction"], seed)
    assignments = {
        "kmeans": KMeans(
            n_clusters=n_clusters, n_init=10, random_state=seed
        ).fit_predict(reduced),
        "ward": AgglomerativeClustering(
            n_clusters=n_clusters, linkage="ward"
        ).fit_predict(reduced),
    }
    ari = {
        method: float(adjusted_rand_score(labels, a))
        for method, a in assignments.items()
    }
    best = max(ari, key=ari.get)
    perplexity = min(clustering["tsne_perplexity"], (len(reduced) - 1) / 3)
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    xy = tsne.fit_transform(reduced)
    logger.info("ARI %s (%d PCA components)", ari, reduced.shape[1])
    return {
        "dimensions": int(features.shape[1]),
        "components": int(reduced.shape[1]),
        "explained_variance": float(cumulative[reduced.shape[1] - 1]),
        "cumulative_variance": cumulative.tolist(),
        "ari": ari,
        "best_method": best,
        "clusters": {m: a.tolist() for m, a in assignments.items()},
        "confusion": matched_confusion(labels, assignments[best]),
        "map": xy,
    }


def compare_feature_families(
    sift: dict[str, Any],
    orb: dict[str, Any],
    pixels: dict[str, Any],
    cnn: dict[str, Any],
) -> pd.DataFrame:
    """ARI of each feature family and clustering method, best first."""
    rows = [
        {
            "features": family,
            "dimensions": result["dimensions"],
            "pca_components": result["components"],
            "explained_variance": result["explained_variance"],
            **{f"ari_{method}": value for method, value in result["ari"].items()},
        }
        for family, result in {
            "sift": sift,
            "orb": orb,
            "pixels": pixels,
            "cnn": cnn,
        }.items()
    ]
    table = pd.DataFrame(rows)
    table["ari_best"] = table[[c for c in table if c.startswith("ari_")]].max(axis=1)
    return table.sort_values("ari_best", ascending=False).reset_index(drop=True)
