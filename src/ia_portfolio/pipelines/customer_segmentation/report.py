"""``metrics.json``, MLflow metrics and the markdown report of
``customer_segmentation``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def build_metrics(
    transactions: pd.DataFrame,
    quality: pd.DataFrame,
    comparison: pd.DataFrame,
    k_choice: dict[str, Any],
    model_choice: dict[str, Any],
    profiles: pd.DataFrame,
    curve: pd.DataFrame,
    stability: dict[str, Any],
    source: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``metrics.json`` (chosen model's quality, segments, stability curve as
    data), and its scalar figures for MLflow."""
    chosen = comparison.set_index("model").loc[model_choice["model"]]
    metrics = {
        "source": source.get("description", ""),
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
    flat = {
        "silhouette": metrics["silhouette"],
        "davies_bouldin": metrics["davies_bouldin"],
        "n_segments": metrics["n_segments"],
        "customers": metrics["customers"],
        "recommended_refit_days": stability["recommended_refit_days"],
    }
    mlflow_metrics = {
        k: {"value": float(v), "step": 0} for k, v in flat.items() if np.isfinite(v)
    }
    mlflow_metrics["stability_ari"] = [
        {"value": float(row.ari), "step": int(row.elapsed_days)}
        for row in curve.itertuples()
    ]
    return metrics, mlflow_metrics


def _table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    return frame.to_markdown(index=False, floatfmt=floatfmt)


def write_report(
    metrics: dict[str, Any],
    k_selection: pd.DataFrame,
    comparison: pd.DataFrame,
    profiles: pd.DataFrame,
    quality: pd.DataFrame,
    curve: pd.DataFrame,
) -> str:
    """The segmentation report: data, choice of model, segments, maintenance."""
    stab = metrics["stability"]
    k = metrics["k_selection"]
    period = stab["recommended_refit_days"]
    refit = (
        f"re-fit the segmentation every **{period} days**"
        if period > 0
        else f"re-fit at every step (**{stab['step_days']} days**): "
        "the segments drift fast"
    )
    median_cols = [c for c in profiles.columns if c.startswith("median_")]
    segment_table = profiles[["name", "customers", "share", *median_cols]].rename(
        columns={c: c.removeprefix("median_") for c in median_cols}
    )
    lines = [
        "# Customer segmentation",
        "",
        f"Data: {metrics['source']}. {metrics['transactions']:,} transactions kept, "
        f"{metrics['customers']:,} customers.",
        "",
        "## Input quality",
        "",
        _table(quality),
        "",
        "## Choice of k (KMeans)",
        "",
        f"Elbow at k = {k['elbow_k']}, best silhouette at k = {k['best_silhouette_k']}, "
        f"best Davies-Bouldin at k = {k['best_davies_bouldin_k']}. Rule: {k['rule']}"
        f" -> **k = {k['k']}**. See `k_selection.png`.",
        "",
        _table(k_selection),
        "",
        "## Models compared",
        "",
        _table(comparison),
        "",
        f"Chosen: **{metrics['model']}** ({metrics['n_segments']} segments, "
        f"silhouette {metrics['silhouette']:.3f}, Davies-Bouldin "
        f"{metrics['davies_bouldin']:.3f}): the readable model (segment count a team "
        "can address, no tiny segment, no unassigned customers) with the best "
        "silhouette.",
        "",
        "## Segments",
        "",
        "Names and actions are derived from each segment's mean z-scores "
        "(value = spend and frequency, activity = recency); each action is "
        "completed by the segment's most distinctive other feature. See "
        "`profiles.png` and `snake_plot.png`.",
        "",
        _table(
            profiles[["name", "action", "distinctive_feature", "customers", "share"]]
        ),
        "",
        "Median customer of each segment:",
        "",
        _table(segment_table),
        "",
        "## Maintenance contract",
        "",
        f"Model frozen after {stab['initial_days']} days, compared every "
        f"{stab['step_days']} days with a model re-fitted on the longer log "
        f"(ARI on the initial customers, threshold {stab['ari_threshold']}); "
        f"{stab['note']}. Recommendation: {refit}. See `stability.png`.",
        "",
        _table(curve),
        "",
    ]
    return "\n".join(lines)
