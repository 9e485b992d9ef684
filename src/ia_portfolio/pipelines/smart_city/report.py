"""Summary figures and the markdown report of the ``smart_city`` pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.pipelines.smart_city.nodes import REASONS, UNKNOWN_STAGE, area_order


def build_metrics(
    raw: pd.DataFrame,
    trees: pd.DataFrame,
    name_variants: pd.DataFrame,
    outlier_summary: pd.DataFrame,
    stage_metrics: dict[str, Any],
    maintenance: pd.DataFrame,
    columns: dict[str, str],
    missing_codes: dict[str, list],
    source: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``summary.json`` content, and its figures flattened for MLflow."""
    height, girth, stage = columns["height"], columns["girth"], columns["stage"]
    n = len(trees)
    not_measured = {
        column: int(raw[column].isin(codes).sum())
        for column, codes in (missing_codes or {}).items()
        if column in raw.columns
    }
    outliers = {
        row["column"]: {
            key: int(row[key]) for key in ("domain", "iqr", "robust_z", "flagged")
        }
        for row in outlier_summary.to_dict(orient="records")
    }
    to_inspect = int(maintenance["to_inspect"].sum())
    summary = {
        "source": source,
        "raw_shape": [int(raw.shape[0]), int(raw.shape[1])],
        "clean_shape": [n, int(trees.shape[1])],
        "zones": {k: int(v) for k, v in trees["zone"].value_counts().items()},
        "stage_missing_share": float(trees[stage].isna().mean()),
        "not_measured": not_measured,
        "height_missing_after_cleaning": int(trees[height].isna().sum()),
        "girth_missing_after_cleaning": int(trees[girth].isna().sum()),
        "outliers": outliers,
        "spelling_variants": {
            "variants": len(name_variants),
            "cells": int(name_variants["rows"].sum()),
        },
        "stage_estimate": {k: v for k, v in stage_metrics.items() if k != "confusion"},
        "maintenance": {
            "trees_to_inspect": to_inspect,
            "share_to_inspect": to_inspect / n if n else float("nan"),
            "by_reason": {r: int(maintenance[r].sum()) for r in REASONS},
        },
    }
    flat = {
        "trees": n,
        "stage_missing_share": summary["stage_missing_share"],
        "trees_outside_paris": n - summary["zones"].get("Paris", 0),
        "spelling_variant_cells": summary["spelling_variants"]["cells"],
        "share_to_inspect": summary["maintenance"]["share_to_inspect"],
    }
    flat |= {f"not_measured_{c}": v for c, v in not_measured.items()}
    for column, counts in outliers.items():
        flat |= {f"outliers_{column}_{rule}": v for rule, v in counts.items()}
    for key in ("accuracy", "baseline_accuracy", "within_one_stage"):
        if key in stage_metrics:
            flat[f"stage_estimate_{key}"] = stage_metrics[key]
    mlflow_metrics = {
        k: {"value": float(v), "step": 0} for k, v in flat.items() if np.isfinite(v)
    }
    return summary, mlflow_metrics


def _table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    return frame.to_markdown(index=False, floatfmt=floatfmt)


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def write_report(
    summary: dict[str, Any],
    statistics: pd.DataFrame,
    outlier_summary: pd.DataFrame,
    name_variants: pd.DataFrame,
    cleaning_log: pd.DataFrame,
    stage_metrics: dict[str, Any],
    maintenance: pd.DataFrame,
    columns: dict[str, str],
    areas: dict[str, Any],
    outliers: dict[str, Any],
) -> str:
    """The analysis in markdown: data, method, findings, maintenance, limits."""
    source = summary["source"]
    synthetic = bool(source.get("synthetic"))
    n_raw, n_columns = summary["raw_shape"]
    height, girth, area = columns["height"], columns["girth"], columns["area"]
    banner = (
        "> **Synthetic data.** Every figure below comes from a seeded generator that "
        "reproduces the schema, joint distributions and defects of the Paris open "
        "data inventory; no row is a real tree. Run the `original` environment on "
        "the real file for real findings.\n"
        if synthetic
        else ""
    )
    raw_stats = statistics[statistics["table"] == "raw"]
    clean_stats = statistics[statistics["table"] == "cleaned"]
    numeric = ["column", "mean", "std", "min", "q1", "median", "q3", "max"]
    numeric += ["magnitude_median", "magnitude_max"]
    measures = [height, girth]
    raw_measures = raw_stats[raw_stats["column"].isin(measures)][numeric]
    clean_measures = clean_stats[clean_stats["column"].isin(measures)][numeric]
    gaps = raw_measures["magnitude_max"] - raw_measures["magnitude_median"]
    gap = f"{gaps.max():.0f}" if gaps.notna().any() else "-"
    missing = raw_stats[raw_stats["missing_share"] > 0][["column", "missing_share"]]
    missing = missing.sort_values("missing_share", ascending=False)
    zones = summary["zones"]
    variants_top = name_variants.sort_values("rows", ascending=False).head(8)
    variants_top = variants_top.assign(
        raw_value=variants_top["raw_value"].map(repr),
        kept_value=variants_top["kept_value"].map(
            lambda v: repr(v) if isinstance(v, str) else "(missing)"
        ),
    )
    iqr = outliers["rules"][height].get("iqr") or {}
    robust = outliers["rules"][height].get("robust_z") or {}
    scale = "log" if iqr.get("log") or robust.get("log") else "raw"
    levels = outliers.get("group_by") or []
    levels = [levels] if isinstance(levels, str) else list(levels)
    grouping = (
        " × ".join(f"`{c}`" for c in levels)
        + f" when the group has at least {outliers.get('min_group_size', 30)} values,"
        + " else a coarser group, else the whole column"
        if levels
        else "none (the whole column)"
    )
    stage_lines = ""
    if "accuracy" in stage_metrics:
        stage_lines = (
            f"A nearest-centroid rule per genus (log height, log circumference) "
            f"recovers the recorded stage of {_percent(stage_metrics['accuracy'])} of "
            f"{stage_metrics['n_test']:,} held-out trees ({_percent(stage_metrics['within_one_stage'])} "
            f"within one stage), against {_percent(stage_metrics['baseline_accuracy'])} for "
            f"{stage_metrics['baseline']}. It estimated the stage of "
            f"{stage_metrics['n_estimated']:,} trees without one; "
            f"{stage_metrics['n_unknown']:,} trees have neither stage nor both measures."
        )
    order = area_order(maintenance[area], areas["inside_pattern"])
    per_area = maintenance.groupby(area)[["trees", "to_inspect", *REASONS]].sum()
    per_area = per_area.reindex(order)
    per_area["share_to_inspect"] = per_area["to_inspect"] / per_area["trees"]
    busiest = per_area.sort_values("to_inspect", ascending=False).head(8).reset_index()
    mature = maintenance[maintenance["stage_used"].astype(str) == "Mature"]
    mature = mature.groupby(area)["trees"].sum().sort_values(ascending=False).head(5)
    bounds = {
        column: rules.get("domain", {}) for column, rules in outliers["rules"].items()
    }
    maintenance_summary = summary["maintenance"]
    reasons = ", ".join(
        f"{reason.replace('_', ' ')}: {count:,}"
        for reason, count in maintenance_summary["by_reason"].items()
    )
    return f"""# Paris trees: exploratory analysis and maintenance view

{banner}
## Data
Source: {source.get("description", "unspecified")}.
{n_raw:,} trees × {n_columns} columns. {zones.get("Paris", 0):,} trees stand in the 20
arrondissements, {zones.get("woods", 0):,} in the two woods (Boulogne, Vincennes) and
{zones.get("outside Paris", 0):,} outside Paris proper (the city's cemeteries in
neighbouring départements); they are kept, with a `zone` column, because the city
maintains them too.

## Method
1. **Per-column statistics** on the raw table (`column_statistics.csv`, `table = raw`):
   count, missing share, zero share, mean, standard deviation, quantiles and the
   order of magnitude (power of ten) of the median and of the maximum.
2. **Names harmonised**: spellings of the same taxon that differ only by case, accents
   or spaces are merged into the most frequent one; configured synonyms are merged
   and placeholders (`n. sp.`) become missing (`name_variants.csv`).
3. **Outliers** (`outliers.csv`, one row per flagged value and the rules that flagged
   it; `outlier_summary.csv`). Zeros in the measures mean "not measured" and are
   missing values, not outliers. Three rules:
   - *domain bounds*, the physically possible range ({", ".join(f"`{c}` {b}" for c, b in bounds.items())});
     the tallest trees of Paris are about 45 m and the thickest trunks about 7 m round;
   - *IQR*: outside [Q1 − k IQR, Q3 + k IQR] (k = {iqr.get("k", "-")}) of {scale} values;
   - *robust z-score*: |0.6745 (x − median) / MAD| above {robust.get("threshold", "-")}
     on {scale} values.
   Both are computed within groups: {grouping}.
   The statistical rules are fitted on possible values only. Impossible values
   become missing; unusual but possible ones are kept and marked `measure_suspect`,
   to be checked on site: a young plane tree and an old one are both normal.
4. **Cleaned inventory** (`data/03_primary/smart_city/trees_clean.parquet`, steps in
   `cleaning_log.csv`): duplicate ids and uninformative columns dropped, codes and
   impossible values set missing, stage typed as an ordered category.
5. **Missing stages estimated** for measured trees, the recorded stage kept apart
   (`stage_used`, `stage_source`).
6. **Maintenance view**: a tree is to inspect when it is remarkable, mature, has a
   suspicious or missing measure, or no recorded stage (`maintenance_by_area_stage.csv`,
   `inspection_list.csv` sorted by arrondissement, priority and place).

## Findings
### Orders of magnitude
Raw measures:

{_table(raw_measures)}

The maxima are up to {gap} orders of magnitude above the medians: the mean and the standard deviation of the raw columns
describe typing errors, not trees. After cleaning:

{_table(clean_measures)}

### Missing values (raw)
{_table(missing.assign(missing_share=missing["missing_share"].map(_percent)))}

Beyond empty cells, {", ".join(f"`{c}` has {v:,} zeros" for c, v in summary["not_measured"].items())}
meaning "not measured". The development stage is missing for
{_percent(summary["stage_missing_share"])} of trees, mostly in gardens and cemeteries
(`missing_values.png`).

### Outliers
{_table(outlier_summary, floatfmt=".4g")}

### Spelling variants
{summary["spelling_variants"]["variants"]} variants on {summary["spelling_variants"]["cells"]:,} cells, e.g.:

{_table(variants_top) if len(variants_top) else "none"}

### Development stage of trees without one
{stage_lines or "Not enough recorded stages to estimate any."}

## Maintenance
{maintenance_summary["trees_to_inspect"]:,} trees to inspect
({_percent(maintenance_summary["share_to_inspect"])}): {reasons}
(a tree may have several reasons). Arrondissements with the most trees to inspect:

{_table(busiest, floatfmt=".2f")}

Most mature trees (stage recorded or estimated): {", ".join(f"{a} ({v:,})" for a, v in mature.items()) or "none"}.
Stages in the view are the recorded ones, else the estimate; `{UNKNOWN_STAGE}` when
neither exists.

## Figures
`missing_values.png`, `distributions.png` (raw values on log scales, cleaned values by
stage), `height_vs_circumference.png`, `tree_map.png` (sample by arrondissement and
density of every tree), `maintenance.png`; interactive: `tree_map.json`,
`maintenance.json` (plotly, in kedro-viz).

## Limits
- A typing error that stays plausible (a 3 m tree typed 30 m) passes every rule:
  only a visit tells.
- The statistical rules flag unusual trees, not wrong ones; the suspects are to check,
  not to delete.
- Estimated stages come from size only; species grow at different speeds within a
  genus, so they are a planning aid, not a record.
- The inventory says nothing about tree health; "to inspect" ranks what the data
  cannot tell.
"""
