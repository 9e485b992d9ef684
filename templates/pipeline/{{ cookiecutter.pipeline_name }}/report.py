"""``metrics.json``, MLflow metrics and the markdown report of the
``{{ cookiecutter.pipeline_name }}`` pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

REPORT_TEMPLATE = """# `{{ cookiecutter.pipeline_name }}`: {value} by {group}

## Data
{source}: {rows:,} rows with both a {group} and a {value}.

## Method
Rows missing the group or the value are left out; the value is summarised per
group (`group_summary.csv`) and drawn per group (`value_by_group.png`).

## Results
{groups} groups, mean {value} {mean:.3g} {unit}.

{summary_table}

## Limits
- The summary describes the rows it read; it tests no difference between groups.
"""


def build_metrics(
    table: pd.DataFrame, group_summary: pd.DataFrame, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``metrics.json`` content, and its scalar figures for MLflow."""
    metrics = {
        "source": data["description"],
        "rows": len(table),
        "groups": len(group_summary),
        "mean": float(table[data["value_column"]].mean()),
        "by_group": group_summary.to_dict(orient="records"),
    }
    mlflow_metrics = {
        key: {"value": float(metrics[key]), "step": 0}
        for key in ("rows", "groups", "mean")
    }
    return metrics, mlflow_metrics


def write_report(
    metrics: dict[str, Any], group_summary: pd.DataFrame, data: dict[str, Any]
) -> str:
    """The report in markdown: data, method, results, limits."""
    return REPORT_TEMPLATE.format(
        source=metrics["source"],
        rows=metrics["rows"],
        groups=metrics["groups"],
        mean=metrics["mean"],
        group=data["group_column"],
        value=data["value_column"],
        unit=data["value_unit"],
        summary_table=group_summary.to_markdown(index=False, floatfmt=".3g"),
    )
