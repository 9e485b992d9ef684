"""``metrics.json``, MLflow metrics, the cost table and risk register in markdown,
and the report of the ``scoping`` pipeline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ia_portfolio.pipelines.scoping.nodes import MEASURED, NOT_MEASURED, QUANTITIES
from ia_portfolio.pipelines.scoping.plots import RISK_BANDS
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

MISSING = "not measured"
PRICE_KEYS = ("vcpu_hour", "gib_ram_hour", "gib_month_storage", "million_requests")

REPORT_TEMPLATE = """# `scoping`: what each pipeline costs to run, measured

## Data
- {benchmarks} figures from the benchmark result files (`benchmarks/results/*.json`).
- {runs} complete default runs of a pipeline in the MLflow tracking store
  (`conf/base/mlflow.yml`).
- {footprints} pipelines with data on disk under the data folders.

Every pipeline of the registry has one row per quantity in `measurements.csv`;
{missing} of {cells} applicable figures are **not measured** (listed below), none is
estimated.

## Method
Prices are list prices, cited with their source and date; the cadence and sizing are
stated assumptions (parameters `scoping.cadence` and `scoping.deployment`):

{prices}

- Cadence: {runs_month} training runs a month by default (nightly), {requests:,}
  requests a day per served pipeline by default, {days} days a month; per-pipeline
  overrides: {overrides}.
- Training: wall time x ({training_vcpus} vCPUs x vCPU-hour + peak memory rounded up
  to {step} GiB x GiB-hour). Wall time from a benchmark of the default run, else the
  median MLflow run; peak memory only from benchmarks (MLflow does not record it).
- Serving: worker time per 1,000 predictions (1,000 / measured throughput of one
  worker) x ({serving_vcpus} vCPU + serving memory rounded up x GiB-hour) + 1,000
  requests at the per-million price. Busy time only: idle instances, cold starts and
  free tiers are left out. The other bound, "warm instance", keeps one serving
  instance running all month at the same rates.
- Storage: data folders + MLflow megabytes of one run x {retained} runs kept, at the
  GiB-month price.

## Results
Monthly cost at that cadence ({currency}); a total marked incomplete adds only what
could be priced (`cost_table.csv`, `cost.png`):

{cost_table}

Known monthly total: {total:.3g} {currency} with serving billed by busy time,
{total_warm:.3g} {currency} with one warm instance per served pipeline; {complete} of
{pipelines} pipelines priced completely.

## Not measured
{not_measured}

## Limits
- Benchmarks ran on a shared 2-core machine (load stated in each file): wall times
  are upper bounds.
- One API process serves every model in production; per-pipeline serving memory
  counts that process once per pipeline, so summed serving costs are an upper bound.
- Prices move: re-check the cited pages before budgeting.
"""


def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value:.2g}" if abs(value) < 1 else f"{value:,.2f}"


def _figure(value: Any, digits: str = ".3g") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return format(value, digits)


def build_metrics(
    cost_table: pd.DataFrame,
    measurements: pd.DataFrame,
    prices: Mapping[str, Any],
    cadence: Mapping[str, Any],
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` content (prices with their sources, cadence, every row of
    the cost table), and its scalar figures for MLflow."""
    applicable = measurements[measurements["status"] != "not applicable"]
    metrics = {
        "currency": prices["currency"],
        "prices": {key: dict(prices[key]) for key in PRICE_KEYS},
        "cadence": dict(cadence),
        "pipelines": len(cost_table),
        "pipelines_priced_completely": int(cost_table["complete"].sum()),
        "figures_measured": int((applicable["status"] == MEASURED).sum()),
        "figures_not_measured": int((applicable["status"] == NOT_MEASURED).sum()),
        "known_cost_month": float(cost_table["known_cost_month"].sum()),
        "known_cost_month_warm": float(cost_table["known_cost_month_warm"].sum()),
        "by_pipeline": cost_table.astype(object)
        .where(cost_table.notna(), None)
        .to_dict(orient="records"),
    }
    scalars = mlflow_metrics(
        {
            key: metrics[key]
            for key in (
                "pipelines",
                "pipelines_priced_completely",
                "figures_measured",
                "figures_not_measured",
                "known_cost_month",
                "known_cost_month_warm",
            )
        }
    )
    return metrics, scalars


def write_cost_table(cost_table: pd.DataFrame, prices: Mapping[str, Any]) -> str:
    """The cost table in markdown; ``not measured`` where a figure is missing."""
    currency = prices["currency"]
    rows = [
        {
            "pipeline": f"`{row.pipeline}`",
            "served": "yes" if row.served else "no",
            "training run (s)": _figure(row.train_wall_s),
            "time from": row.train_wall_source
            if isinstance(row.train_wall_source, str) and row.train_wall_source
            else "—",
            "training peak memory (MiB)": _figure(row.train_peak_rss_mib, ",.0f"),
            "runs / month": row.training_runs_per_month,
            f"training {currency}/month": _money(row.train_cost_month),
            "s per 1,000 predictions": _figure(row.s_per_1k_predictions)
            if row.served or not pd.isna(row.s_per_1k_predictions)
            else "—",
            "serving memory (MiB)": _figure(row.serving_rss_mib, ",.0f")
            if row.served
            else "—",
            "requests / day": f"{row.requests_per_day:,}" if row.served else "—",
            f"serving {currency}/month": _money(row.serve_cost_month)
            if row.served
            else "—",
            f"warm instance {currency}/month": _money(row.warm_instance_cost_month)
            if row.served
            else "—",
            "stored (MiB)": _figure(row.stored_mib, ",.0f"),
            f"storage {currency}/month": _money(row.storage_cost_month),
            f"total {currency}/month": _money(row.known_cost_month)
            + ("" if row.complete else " (incomplete)"),
        }
        for row in cost_table.itertuples(index=False)
    ]
    return pd.DataFrame(rows).to_markdown(index=False) + "\n"


def write_risk_register(risks: list[Mapping[str, Any]]) -> str:
    """The risk register in markdown, highest score first."""

    def band(score: int) -> str:
        return next(name for low, high, name, _ in RISK_BANDS if low <= score <= high)

    rows = sorted(
        risks, key=lambda risk: (-risk["probability"] * risk["severity"], risk["id"])
    )
    table = pd.DataFrame(
        [
            {
                "id": risk["id"],
                "category": risk["category"],
                "risk": risk["risk"],
                "P": risk["probability"],
                "S": risk["severity"],
                "P x S": risk["probability"] * risk["severity"],
                "level": band(risk["probability"] * risk["severity"]),
                "owner": risk["owner"],
                "mitigation": risk["mitigation"],
            }
            for risk in rows
        ]
    )
    return (
        "# Risk register\n\nProbability (P) and severity (S) from 1 to 5; "
        "`risk_matrix.png` places each id in its cell.\n\n"
        + table.to_markdown(index=False)
        + "\n"
    )


def write_report(
    metrics: Mapping[str, Any],
    measurements: pd.DataFrame,
    cost_table_markdown: str,
    prices: Mapping[str, Any],
    cadence: Mapping[str, Any],
    deployment: Mapping[str, Any],
) -> str:
    """The report in markdown: data, method, results, what is not measured."""
    measured = measurements[measurements["status"] == MEASURED]
    missing = measurements[measurements["status"] == NOT_MEASURED]
    price_lines = "\n".join(
        f"- {prices[key]['unit']}: {prices[key]['price']} {prices['currency']} — "
        f"{prices[key]['source']}, as of {prices[key]['as_of']}"
        for key in PRICE_KEYS
    )
    not_measured = (
        "\n".join(
            f"- `{pipeline}`: "
            + ", ".join(QUANTITIES[quantity][2] for quantity in group["quantity"])
            for pipeline, group in missing.groupby("pipeline", sort=False)
        )
        or "Nothing: every applicable figure was measured."
    )
    overrides = ", ".join(
        f"`{name}` " + ", ".join(f"{key} {value}" for key, value in plan.items())
        for name, plan in (cadence.get("pipelines") or {}).items()
    )
    return REPORT_TEMPLATE.format(
        benchmarks=int(
            measured["source"]
            .fillna("")
            .astype(str)
            .str.startswith("benchmarks/")
            .sum()
        ),
        runs=int(measured.loc[measured["quantity"] == "mlflow_runs", "value"].sum()),
        footprints=int((measured["quantity"] == "data_mib").sum()),
        missing=len(missing),
        cells=len(measurements[measurements["status"] != "not applicable"]),
        prices=price_lines,
        runs_month=cadence["default"]["training_runs_per_month"],
        requests=cadence["default"]["requests_per_day"],
        days=cadence["days_per_month"],
        overrides=overrides or "none",
        training_vcpus=deployment["training_vcpus"],
        serving_vcpus=deployment["serving_vcpus"],
        step=deployment["memory_step_gib"],
        retained=deployment["retained_runs"],
        currency=prices["currency"],
        cost_table=cost_table_markdown,
        total=metrics["known_cost_month"],
        total_warm=metrics["known_cost_month_warm"],
        complete=metrics["pipelines_priced_completely"],
        pipelines=metrics["pipelines"],
        not_measured=not_measured,
    )
