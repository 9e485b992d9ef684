"""``metrics.json``, MLflow metrics and the markdown report of the ``smart_city``
pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.pipelines.smart_city.nodes import REASONS, UNKNOWN_STAGE, area_order
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

SYNTHETIC_BANNER = (
    "> **Synthetic data.** Every figure below comes from a seeded generator that "
    "reproduces the schema, joint distributions and defects of the Paris open "
    "data inventory; no row is a real tree. Run the `original` environment on "
    "the real file for real findings.\n"
)

REPORT_TEMPLATE = """# Paris trees: exploratory analysis and maintenance view

{banner}
## Data
Source: {description}.
{n_raw:,} trees × {n_columns} columns. {in_paris:,} trees stand in the 20
arrondissements, {in_woods:,} in the two woods (Boulogne, Vincennes) and
{outside_paris:,} outside Paris proper (the city's cemeteries in
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
   - *domain bounds*, the physically possible range ({domain_bounds});
     the tallest trees of Paris are about 45 m and the thickest trunks about 7 m round;
   - *IQR*: outside [Q1 − k IQR, Q3 + k IQR] (k = {iqr_k}) of {scale} values;
   - *robust z-score*: |0.6745 (x − median) / MAD| above {robust_threshold}
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

{raw_measures}

The maxima are up to {gap} orders of magnitude above the medians: the mean and the standard deviation of the raw columns
describe typing errors, not trees. After cleaning:

{clean_measures}

### Missing values (raw)
{missing}

Beyond empty cells, {not_measured}
meaning "not measured". The development stage is missing for
{stage_missing_share} of trees, mostly in gardens and cemeteries
(`missing_values.png`).

### Outliers
{outlier_summary}

### Spelling variants
{variants} variants on {variant_cells:,} cells, e.g.:

{variant_examples}

### Development stage of trees without one
{stage_estimate}

## Maintenance
{trees_to_inspect:,} trees to inspect
({share_to_inspect}): {reasons}
(a tree may have several reasons). Arrondissements with the most trees to inspect:

{busiest_areas}

Most mature trees (stage recorded or estimated): {most_mature}.
Stages in the view are the recorded ones, else the estimate; `{unknown_stage}` when
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


def build_metrics(
    raw: pd.DataFrame,
    trees: pd.DataFrame,
    name_variants: pd.DataFrame,
    outlier_summary: pd.DataFrame,
    stage_metrics: dict[str, Any],
    maintenance: pd.DataFrame,
    columns: dict[str, str],
    missing_codes: dict[str, list],
    data: dict[str, Any],
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` content, and its headline figures for MLflow."""
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
    metrics = {
        "source": data,
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
    figures = {
        "trees": n,
        "stage_missing_share": metrics["stage_missing_share"],
        "trees_outside_paris": n - metrics["zones"].get("Paris", 0),
        "spelling_variant_cells": metrics["spelling_variants"]["cells"],
        "share_to_inspect": metrics["maintenance"]["share_to_inspect"],
    }
    figures |= {f"not_measured_{c}": v for c, v in not_measured.items()}
    for column, counts in outliers.items():
        figures |= {f"outliers_{column}_{rule}": v for rule, v in counts.items()}
    for key in ("accuracy", "baseline_accuracy", "within_one_stage"):
        if key in stage_metrics:
            figures[f"stage_estimate_{key}"] = stage_metrics[key]
    return metrics, mlflow_metrics(figures)


def _table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    return frame.to_markdown(index=False, floatfmt=floatfmt)


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _measures(statistics: pd.DataFrame, columns: dict[str, str]) -> dict[str, str]:
    """Statistics of the height and circumference, raw and cleaned, and how many
    orders of magnitude the raw maxima stand above the medians."""
    numeric = ["column", "mean", "std", "min", "q1", "median", "q3", "max"]
    numeric += ["magnitude_median", "magnitude_max"]
    measures = statistics[
        statistics["column"].isin([columns["height"], columns["girth"]])
    ]
    raw = measures[measures["table"] == "raw"][numeric]
    cleaned = measures[measures["table"] == "cleaned"][numeric]
    gaps = raw["magnitude_max"] - raw["magnitude_median"]
    return {
        "raw_measures": _table(raw),
        "clean_measures": _table(cleaned),
        "gap": f"{gaps.max():.0f}" if gaps.notna().any() else "-",
    }


def _missing(statistics: pd.DataFrame) -> str:
    """Columns of the raw table with missing values, most missing first."""
    raw = statistics[statistics["table"] == "raw"]
    missing = raw[raw["missing_share"] > 0][["column", "missing_share"]]
    missing = missing.sort_values("missing_share", ascending=False)
    return _table(missing.assign(missing_share=missing["missing_share"].map(_percent)))


def _variant_examples(name_variants: pd.DataFrame) -> str:
    """The eight most frequent spelling variants and the value kept for each."""
    top = name_variants.sort_values("rows", ascending=False).head(8)
    top = top.assign(
        raw_value=top["raw_value"].map(repr),
        kept_value=top["kept_value"].map(
            lambda v: repr(v) if isinstance(v, str) else "(missing)"
        ),
    )
    return _table(top) if len(top) else "none"


def _outlier_rules(outliers: dict[str, Any], height: str) -> dict[str, Any]:
    """The outlier rules as configured: bounds, k, threshold, scale, grouping."""
    iqr = outliers["rules"][height].get("iqr") or {}
    robust = outliers["rules"][height].get("robust_z") or {}
    levels = outliers.get("group_by") or []
    levels = [levels] if isinstance(levels, str) else list(levels)
    grouping = (
        " × ".join(f"`{c}`" for c in levels)
        + f" when the group has at least {outliers.get('min_group_size', 30)} values,"
        + " else a coarser group, else the whole column"
        if levels
        else "none (the whole column)"
    )
    bounds = {
        column: rules.get("domain", {}) for column, rules in outliers["rules"].items()
    }
    return {
        "domain_bounds": ", ".join(f"`{c}` {b}" for c, b in bounds.items()),
        "iqr_k": iqr.get("k", "-"),
        "robust_threshold": robust.get("threshold", "-"),
        "scale": "log" if iqr.get("log") or robust.get("log") else "raw",
        "grouping": grouping,
    }


def _stage_estimate(stage_metrics: dict[str, Any]) -> str:
    """How well the estimated stages recover the recorded ones, in one paragraph."""
    if "accuracy" not in stage_metrics:
        return "Not enough recorded stages to estimate any."
    return (
        f"A nearest-centroid rule per genus (log height, log circumference) "
        f"recovers the recorded stage of {_percent(stage_metrics['accuracy'])} of "
        f"{stage_metrics['n_test']:,} held-out trees ({_percent(stage_metrics['within_one_stage'])} "
        f"within one stage), against {_percent(stage_metrics['baseline_accuracy'])} for "
        f"{stage_metrics['baseline']}. It estimated the stage of "
        f"{stage_metrics['n_estimated']:,} trees without one; "
        f"{stage_metrics['n_unknown']:,} trees have neither stage nor both measures."
    )


def _maintenance(
    metrics: dict[str, Any],
    maintenance: pd.DataFrame,
    area: str,
    areas: dict[str, Any],
) -> dict[str, Any]:
    """Trees to inspect and why, the busiest arrondissements and those with the
    most mature trees."""
    order = area_order(maintenance[area], areas["inside_pattern"])
    per_area = maintenance.groupby(area)[["trees", "to_inspect", *REASONS]].sum()
    per_area = per_area.reindex(order)
    per_area["share_to_inspect"] = per_area["to_inspect"] / per_area["trees"]
    busiest = per_area.sort_values("to_inspect", ascending=False).head(8).reset_index()
    mature = maintenance[maintenance["stage_used"].astype(str) == "Mature"]
    mature = mature.groupby(area)["trees"].sum().sort_values(ascending=False).head(5)
    to_inspect = metrics["maintenance"]
    return {
        "trees_to_inspect": to_inspect["trees_to_inspect"],
        "share_to_inspect": _percent(to_inspect["share_to_inspect"]),
        "reasons": ", ".join(
            f"{reason.replace('_', ' ')}: {count:,}"
            for reason, count in to_inspect["by_reason"].items()
        ),
        "busiest_areas": _table(busiest, floatfmt=".2f"),
        "most_mature": ", ".join(f"{a} ({v:,})" for a, v in mature.items()) or "none",
    }


def write_report(
    metrics: dict[str, Any],
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
    data = metrics["source"]
    n_raw, n_columns = metrics["raw_shape"]
    zones = metrics["zones"]
    return REPORT_TEMPLATE.format(
        banner=SYNTHETIC_BANNER if data.get("synthetic") else "",
        description=data.get("description", "unspecified"),
        n_raw=n_raw,
        n_columns=n_columns,
        in_paris=zones.get("Paris", 0),
        in_woods=zones.get("woods", 0),
        outside_paris=zones.get("outside Paris", 0),
        **_outlier_rules(outliers, columns["height"]),
        **_measures(statistics, columns),
        missing=_missing(statistics),
        not_measured=", ".join(
            f"`{c}` has {v:,} zeros" for c, v in metrics["not_measured"].items()
        ),
        stage_missing_share=_percent(metrics["stage_missing_share"]),
        outlier_summary=_table(outlier_summary, floatfmt=".4g"),
        variants=metrics["spelling_variants"]["variants"],
        variant_cells=metrics["spelling_variants"]["cells"],
        variant_examples=_variant_examples(name_variants),
        stage_estimate=_stage_estimate(stage_metrics),
        **_maintenance(metrics, maintenance, columns["area"], areas),
        unknown_stage=UNKNOWN_STAGE,
    )
