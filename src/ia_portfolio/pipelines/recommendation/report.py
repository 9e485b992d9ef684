"""``metrics.json``, MLflow metrics and the markdown report of the
``recommendation`` pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.pipelines.recommendation.nodes import models_on_test
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

PROTOCOL = (
    "time split at global cutoffs; candidates tuned on the validation period, "
    "refitted on train + validation, measured once on the test period; "
    "full-catalogue ranking (every item published by the end of the period, "
    "minus the reader's history); readers measured: those who clicked in the "
    "period and have a history"
)

REPORT_TEMPLATE = """\
# Recommendation: five items for every reader

## Data
{source}

Time split (global cutoffs): train until {validation_start}, validation until
{test_start}, test until {end}.

| period | clicks | readers | items |
| --- | ---: | ---: | ---: |
{periods}

## Protocol
Each candidate is tuned with Optuna on the validation period (fitted on train),
refitted with its best configuration on train + validation, and measured once on
the test period. Lists rank the **full catalogue** (every item published by the
end of the period) minus what the reader already clicked; relevant items are the
ones the reader clicked in the period. Measured: the {readers} readers who
clicked in the test period and have a history (readers without one get the
popularity list from every model). Segments: **cold readers** (at most
{cold_max} clicks in their history) and **new items** (first clicked in the test
period: only those count as relevant, for the readers who clicked one).
Sampled-negative protocols inflate these figures about tenfold: these are not
comparable with them, nor with leave-last-out figures.

## Comparison (test period)
{comparison_table}

![Metrics by model](metric_by_model.png)
![NDCG@10 by reader activity](metric_by_activity.png)

## Chosen model: `{chosen_model}`
Chosen on its validation NDCG@10. Test: NDCG@10 {ndcg:.4f} against
{popularity_ndcg:.4f} for popularity ({lift:+.0%}; reader by reader
{difference:+.4f}, 95 % bootstrap interval [{low:+.4f}, {high:+.4f}], better for
{better} readers, worse for {worse}), HR@10 {hr:.3f}, catalogue
coverage {coverage:.1%} (popularity {popularity_coverage:.1%}). It is refitted on
every click and registered as a pyfunc model (reader id or items just read in,
k items out, with the model or fallback that chose them).

## Limits
- A few hundred readers are measured on the test period: differences of a few
  thousandths of NDCG are within noise.
- Recent popularity is a strong baseline on a time split: readers of the same
  weeks watch the same new items.
- Clicks are inferred from ratings (every rating counts): the star value is
  ignored.
"""

MLFLOW_FIGURES = ("hr_at_5", "hr_at_10", "recall_at_10", "ndcg_at_10", "map_at_10")


def paired_difference(
    user_metrics: pd.DataFrame,
    model: str,
    baseline: str,
    metric: str,
    seed: int,
    resamples: int = 2000,
) -> dict[str, Any]:
    """``model`` minus ``baseline`` on ``metric``, reader by reader: the mean,
    a 95 % bootstrap interval (readers resampled) and how many readers each
    model serves better."""
    table = user_metrics.pivot(index="user_id", columns="model", values=metric)
    differences = (table[model] - table[baseline]).to_numpy()
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(differences), (resamples, len(differences)))
    means = differences[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {
        "model": model,
        "baseline": baseline,
        "metric": metric,
        "mean": float(differences.mean()),
        "ci95": [float(low), float(high)],
        "readers_better": int((differences > 0).sum()),
        "readers_worse": int((differences < 0).sum()),
    }


def build_metrics(
    comparison: pd.DataFrame,
    user_metrics: pd.DataFrame,
    tuning: dict[str, dict[str, Any]],
    split_summary: dict[str, Any],
    evaluation: dict[str, Any],
    data: dict[str, Any],
    seed: int,
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` (every model on test, by segment, the choice, its
    difference with popularity reader by reader, the tuned configurations) and
    the chosen model's test figures for the MLflow run."""
    results = models_on_test(comparison, tuning, evaluation["metric"])
    chosen = results["chosen_model"]
    segments = {
        model: {
            row["segment"]: {
                k: v for k, v in row.items() if k not in ("model", "segment")
            }
            for row in frame.to_dict(orient="records")
        }
        for model, frame in comparison.groupby("model", sort=False)
    }
    metrics = {
        "source": " ".join(str(data["description"]).split()),
        "protocol": PROTOCOL,
        "chosen_model": chosen,
        "chosen_by": f"validation {evaluation['metric']}",
        "split": split_summary,
        "models": results["models"],
        "versus_popularity": paired_difference(
            user_metrics, chosen, "popularity", evaluation["metric"], seed
        ),
        "segments": segments,
        "tuning": tuning,
    }
    figures = {f"test_{k}": results["models"][chosen][k] for k in MLFLOW_FIGURES}
    figures["test_coverage"] = results["models"][chosen]["coverage"]
    figures["popularity_test_ndcg_at_10"] = results["models"]["popularity"][
        "ndcg_at_10"
    ]
    return metrics, mlflow_metrics(figures)


def write_report(
    metrics: dict[str, Any], comparison: pd.DataFrame, evaluation: dict[str, Any]
) -> str:
    """Data, protocol, the comparison by segment, the choice and the limits."""
    split = metrics["split"]
    models = metrics["models"]
    chosen = models[metrics["chosen_model"]]
    popularity = models["popularity"]
    periods = "\n".join(
        f"| {name} | {split[name]['clicks']:,} | {split[name]['users']:,} "
        f"| {split[name]['items']:,} |"
        for name in ("train", "validation", "test")
    )
    return REPORT_TEMPLATE.format(
        source=metrics["source"],
        validation_start=split["validation_start"],
        test_start=split["test_start"],
        end=split["end"],
        periods=periods,
        readers=int(chosen["readers"]),
        cold_max=evaluation["cold_user_max_clicks"],
        comparison_table=comparison.to_markdown(index=False, floatfmt=".4f"),
        chosen_model=metrics["chosen_model"],
        ndcg=chosen["ndcg_at_10"],
        popularity_ndcg=popularity["ndcg_at_10"],
        lift=chosen["ndcg_at_10"] / popularity["ndcg_at_10"] - 1
        if popularity["ndcg_at_10"]
        else float("nan"),
        difference=metrics["versus_popularity"]["mean"],
        low=metrics["versus_popularity"]["ci95"][0],
        high=metrics["versus_popularity"]["ci95"][1],
        better=metrics["versus_popularity"]["readers_better"],
        worse=metrics["versus_popularity"]["readers_worse"],
        hr=chosen["hr_at_10"],
        coverage=chosen["coverage"],
        popularity_coverage=popularity["coverage"],
    )
