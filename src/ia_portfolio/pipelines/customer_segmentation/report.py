"""``metrics.json``, MLflow metrics and the markdown report of
``customer_segmentation``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.tracking import mlflow_metrics

REPORT_TEMPLATE = """# Customer segmentation

Data: {source}. {transactions:,} transactions kept, {customers:,} customers.

## Input quality

{quality}

## Choice of k (KMeans)

Elbow at k = {elbow_k}, best silhouette at k = {best_silhouette_k}, best Davies-Bouldin at k = {best_davies_bouldin_k}. Rule: {rule} -> **k = {k}**. See `k_selection.png`.

{k_selection}

## Models compared

{comparison}

Chosen: **{model}** ({n_segments} segments, silhouette {silhouette:.3f}, Davies-Bouldin {davies_bouldin:.3f}): the readable model (segment count a team can address, no tiny segment, no unassigned customers) with the best silhouette.

## Segments

Names and actions are derived from each segment's mean z-scores (value = spend and frequency, activity = recency); each action is completed by the segment's most distinctive other feature. See `profiles.png` and `snake.png`.

{segments}

Median customer of each segment:

{medians}

## Maintenance contract

Model frozen after {initial_days} days, compared every {step_days} days with a model re-fitted on the longer log (ARI on the initial customers, threshold {ari_threshold}). Drift means {persistence} checks in a row under the threshold: {note}. Recommendation: {refit}. {uncertainty} See `stability.png`.

{curve}
"""


def build_metrics(
    transactions: pd.DataFrame,
    quality: pd.DataFrame,
    comparison: pd.DataFrame,
    k_choice: dict[str, Any],
    model_choice: dict[str, Any],
    profiles: pd.DataFrame,
    curve: pd.DataFrame,
    stability: dict[str, Any],
    data: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``metrics.json`` (chosen model's quality, segments, stability curve as
    data), and for MLflow its scalar figures and the ARI by elapsed days."""
    chosen = comparison.set_index("model").loc[model_choice["model"]]
    metrics = {
        "source": data.get("description", ""),
        "transactions": len(transactions),
        "customers": int(transactions["customer_id"].nunique()),
        "input_quality": quality.to_dict(orient="records"),
        "model": model_choice["model"],
        "silhouette": float(chosen["silhouette"]),
        "davies_bouldin": float(chosen["davies_bouldin"]),
        "n_segments": int(chosen["n_segments"]),
        "k_selection": k_choice,
        "comparison": comparison.to_dict(orient="records"),
        "segments": profiles[
            ["segment", "name", "action", "customers", "share"]
        ].to_dict(orient="records"),
        "stability": {**stability, "curve": curve.to_dict(orient="records")},
    }
    figures = mlflow_metrics(
        {
            "silhouette": metrics["silhouette"],
            "davies_bouldin": metrics["davies_bouldin"],
            "n_segments": metrics["n_segments"],
            "customers": metrics["customers"],
            "recommended_refit_days": stability["recommended_refit_days"],
        }
    )
    ari_history = [
        {"value": float(row.ari), "step": int(row.elapsed_days)}
        for row in curve.itertuples()
    ]
    return metrics, {**figures, "stability_ari": ari_history}


def _table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    return frame.to_markdown(index=False, floatfmt=floatfmt)


def _uncertainty(curve: pd.DataFrame) -> str:
    """How noisy the curve is, from the curve itself: the period is read at the
    resolution of the checks, and consecutive checks may differ widely."""
    jumps = curve["ari"].diff().abs().dropna()
    if jumps.empty:
        return ""
    return (
        f"The period is known to one step ({curve['elapsed_days'].diff().max():.0f}"
        f" days) at best: consecutive checks differ by up to {jumps.max():.2f} in "
        f"ARI (median {jumps.median():.2f}), so read it as an order of magnitude."
    )


def _refit(stability: dict[str, Any]) -> str:
    """The recommended re-fit period, or every step when the segments drift
    within the first one."""
    period = stability["recommended_refit_days"]
    if period > 0:
        return f"re-fit the segmentation every **{period} days**"
    return (
        f"re-fit at every step (**{stability['step_days']} days**): "
        "the segments drift fast"
    )


def write_report(
    metrics: dict[str, Any],
    k_selection: pd.DataFrame,
    comparison: pd.DataFrame,
    profiles: pd.DataFrame,
    quality: pd.DataFrame,
    curve: pd.DataFrame,
) -> str:
    """The segmentation report: data, choice of model, segments, maintenance."""
    stability, k_choice = metrics["stability"], metrics["k_selection"]
    median_columns = [c for c in profiles.columns if c.startswith("median_")]
    medians = profiles[["name", "customers", "share", *median_columns]].rename(
        columns={c: c.removeprefix("median_") for c in median_columns}
    )
    segments = profiles[["name", "action", "distinctive_feature", "customers", "share"]]
    return REPORT_TEMPLATE.format(
        source=metrics["source"],
        transactions=metrics["transactions"],
        customers=metrics["customers"],
        quality=_table(quality),
        elbow_k=k_choice["elbow_k"],
        best_silhouette_k=k_choice["best_silhouette_k"],
        best_davies_bouldin_k=k_choice["best_davies_bouldin_k"],
        rule=k_choice["rule"],
        k=k_choice["k"],
        k_selection=_table(k_selection),
        comparison=_table(comparison),
        model=metrics["model"],
        n_segments=metrics["n_segments"],
        silhouette=metrics["silhouette"],
        davies_bouldin=metrics["davies_bouldin"],
        segments=_table(segments),
        medians=_table(medians),
        initial_days=stability["initial_days"],
        step_days=stability["step_days"],
        ari_threshold=stability["ari_threshold"],
        persistence=stability.get("persistence", 1),
        note=stability["note"],
        refit=_refit(stability),
        uncertainty=_uncertainty(curve),
        curve=_table(curve),
    )
