"""Analysis stage of the ``public_health`` pipeline: per-column statistics,
statistical outliers, PCA and one-way ANOVA by food group of the cleaned products."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from ia_portfolio.outliers import flag_outliers
from ia_portfolio.profiling import column_statistics

logger = logging.getLogger(__name__)


def describe_columns(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Per-column statistics of the cleaned table."""
    return column_statistics(cleaned)


def summarise_outliers(
    cleaned: pd.DataFrame,
    outlier_rules: dict[str, dict[str, Any]],
    group_column: str | None,
) -> pd.DataFrame:
    """How many values the statistical rules (IQR fences, robust z-score, within
    each food group) flag per nutrient. They are reported, not removed: after the
    physical rules, an unusual value (100 g of fat in an oil) is a real product."""
    usable = {c: r for c, r in outlier_rules.items() if c in cleaned}
    flagged = flag_outliers(cleaned, usable, group_by=group_column)
    rows = []
    for column, rules in usable.items():
        values = cleaned[column]
        mine = flagged[flagged["column"] == column]
        row = {"column": column, "values": int(values.notna().sum())}
        for rule in rules:
            count = int(mine[rule].sum()) if len(mine) else 0
            row[f"{rule}_flagged"] = count
            row[f"{rule}_share"] = count / row["values"] if row["values"] else 0.0
        row["treatment"] = "kept (plausible after the physical rules)"
        rows.append(row)
    return pd.DataFrame(rows)


def compute_pca(
    cleaned: pd.DataFrame, analysis: dict[str, Any], group_column: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PCA of the standardised nutrients of every cleaned product.

    Returns the variance table (eigenvalue, explained and cumulative share per
    component), the variable-component correlations (for the correlation circle)
    and the coordinates of a stratified sample of products (for the projection).
    """
    columns = [c for c in analysis["pca_columns"] if c in cleaned]
    complete = cleaned.dropna(subset=columns)
    scaled = StandardScaler().fit_transform(complete[columns])
    pca = PCA(random_state=seed).fit(scaled)
    components = [f"PC{i + 1}" for i in range(pca.n_components_)]
    # Eigenvalues of the correlation matrix (sklearn divides by n - 1, the
    # standardisation by n); they sum to the number of variables.
    eigenvalues = pca.explained_variance_ * (len(scaled) - 1) / len(scaled)
    variance = pd.DataFrame(
        {
            "component": components,
            "eigenvalue": eigenvalues,
            "explained_variance": pca.explained_variance_ratio_,
            "cumulative_variance": np.cumsum(pca.explained_variance_ratio_),
        }
    )
    correlations = pca.components_.T * np.sqrt(eigenvalues)
    loadings = pd.DataFrame(correlations, columns=components).assign(variable=columns)[
        ["variable", *components]
    ]
    scores = pd.DataFrame(
        pca.transform(scaled)[:, :4], index=complete.index, columns=components[:4]
    )
    sample = _stratified_sample(
        complete, group_column, analysis["projection_sample_size"], seed
    )
    keep = [c for c in ("product_name", "brands", group_column) if c in complete]
    projection = scores.loc[sample.index].join(complete.loc[sample.index, keep])
    logger.info(
        "PCA on %d products: PC1 %.1f %%, PC2 %.1f %% of the variance.",
        len(complete),
        100 * variance["explained_variance"].iloc[0],
        100 * variance["explained_variance"].iloc[1],
    )
    return variance, loadings, projection.reset_index(drop=True)


def _stratified_sample(
    frame: pd.DataFrame, group_column: str, size: int, seed: int
) -> pd.DataFrame:
    """About ``size`` rows with the groups in their proportions (rows without a
    group included)."""
    if len(frame) <= size:
        return frame
    share = size / len(frame)
    keys = frame[group_column].fillna("(no group)")
    parts = [
        rows.sample(max(1, round(share * len(rows))), random_state=seed)
        for _, rows in frame.groupby(keys, sort=True)
    ]
    return pd.concat(parts)


def anova_by_group(
    cleaned: pd.DataFrame,
    imputed_cells: pd.DataFrame,
    analysis: dict[str, Any],
    group_column: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-way ANOVA of each nutrient by food group, on observed values only
    (imputed values, drawn towards group centres, would inflate the effect).

    Per nutrient: classic F and p, Welch's F and p (unequal variances), eta² and
    omega² (share of variance explained by the group), Kruskal-Wallis H, p and
    epsilon² (rank-based, for skewed nutrients). Also the mean and median of each
    nutrient per group.
    """
    min_size = analysis.get("min_group_size", 30)
    imputed = imputed_cells.set_axis(cleaned.index)
    rows, profiles = [], []
    for column in [c for c in analysis["anova_columns"] if c in cleaned]:
        observed = cleaned[column]
        if column in imputed:
            observed = observed.mask(imputed[column])
        data = pd.DataFrame(
            {"group": cleaned[group_column], "value": observed}
        ).dropna()
        sizes = data["group"].value_counts()
        data = data[data["group"].isin(sizes[sizes >= min_size].index)]
        samples = [g["value"].to_numpy() for _, g in data.groupby("group")]
        if len(samples) < 2:
            logger.warning("ANOVA of %s skipped: fewer than 2 groups.", column)
            continue
        rows.append({"nutrient": column, **_anova(samples)})
        summary = data.groupby("group")["value"].agg(["count", "mean", "median"])
        profiles.append(summary.reset_index().assign(nutrient=column))
    table = pd.DataFrame(rows).sort_values("eta_squared", ascending=False)
    means = pd.concat(profiles, ignore_index=True)[
        ["nutrient", "group", "count", "mean", "median"]
    ]
    return table.reset_index(drop=True), means


def effect_size_label(eta_squared: float) -> str:
    """Cohen's conventional reading of eta²: 0.01 small, 0.06 medium, 0.14 large."""
    if eta_squared >= 0.14:
        return "large"
    if eta_squared >= 0.06:
        return "medium"
    if eta_squared >= 0.01:
        return "small"
    return "negligible"


def _anova(samples: list[np.ndarray]) -> dict[str, float]:
    """F tests and effect sizes of one-way ANOVA over ``samples``."""
    values = np.concatenate(samples)
    n, k = len(values), len(samples)
    grand = values.mean()
    ss_between = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ss_total = ((values - grand) ** 2).sum()
    ss_within = ss_total - ss_between
    ms_within = ss_within / (n - k)
    eta = ss_between / ss_total if ss_total > 0 else np.nan
    omega = (ss_between - (k - 1) * ms_within) / (ss_total + ms_within)
    classic = stats.f_oneway(*samples)
    welch = stats.f_oneway(*samples, equal_var=False)
    kruskal = stats.kruskal(*samples)
    return {
        "n": n,
        "groups": k,
        "f_statistic": float(classic.statistic),
        "p_value": float(classic.pvalue),
        "welch_f": float(welch.statistic),
        "welch_p_value": float(welch.pvalue),
        "eta_squared": float(eta),
        "omega_squared": float(omega),
        "effect": effect_size_label(eta),
        "kruskal_h": float(kruskal.statistic),
        "kruskal_p_value": float(kruskal.pvalue),
        "epsilon_squared": float((kruskal.statistic - k + 1) / (n - k)),
    }
