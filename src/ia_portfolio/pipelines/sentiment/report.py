"""``metrics.json``, MLflow metrics and the markdown report of the ``sentiment``
pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.pipelines.sentiment.nodes import LABEL, REPORT_COLUMNS, models_on_test
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

REPORT_TEMPLATE = """\
# Sentiment models: bad-buzz detection

## What is predicted
Each text gets `P(positive)`; below the model's threshold it is labelled
**negative**. Raw labels {negative_labels} of column `{label_column}`
are the negative class, {positive_labels} the positive class.
{label_description}

## Metric
Bad buzz is what must be caught, so the primary metric is the **F1 score of the
negative class**: it rewards finding negative texts (recall) without drowning
the team in false alarms (precision), and unlike accuracy it does not look good
when a model calls everything positive. ROC AUC (threshold-free ranking),
accuracy, training time, latency and size are reported beside it.

## Protocol
Deduplicated texts (no text in two splits), stratified and seeded:
{n_train} train, {n_validation} validation, {n_test} test
({test_negative_share:.1%} negative in test). Hyperparameters (Optuna),
each model's threshold (best negative F1) and the choice of model use the
validation split only; the test split is read once, below.
Choice rule: {selection_rule}.

## Comparison (test split)
{comparison_table}

`training_s`: fit of the retained configuration (for MiniLM, encoding the training
texts included); the whole search took `tuning_s` (see the CSV). Latency: median
time to answer one text alone on this machine's CPU. Size: the saved model files
(for MiniLM, with the 90 MB encoder read from its package).

## Chosen model: `{chosen_model}`
Test F1 (negative) {f1_negative:.3f}, accuracy {accuracy:.3f},
ROC AUC {roc_auc:.3f}, threshold {threshold:.2f},
{latency_ms_per_text:.1f} ms per text, {size_mb:.1f} MB.
It is registered in MLflow as a pyfunc model (text in, label and probability out).

![ROC curves](roc_curves.png)
![Comparison](model_comparison.png)

## Limits
- One split: differences of a point or two between models are within noise.
- Thresholds are tuned for negative-class F1; another trade-off needs a rerun.
"""

# The chosen model's test figures logged in the MLflow run.
MLFLOW_FIGURES = (
    "accuracy",
    "roc_auc",
    "f1_negative",
    "latency_ms_per_text",
    "size_mb",
)


def build_metrics(
    comparison: pd.DataFrame,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    selection: dict[str, Any],
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` (every model on test, the choice and its rule) and the
    chosen model's test metrics for the MLflow run."""
    chosen = comparison[comparison["chosen"]].iloc[0]
    results = models_on_test(comparison)
    metrics = {
        "chosen_model": results["chosen_model"],
        "selection_rule": (
            "best validation F1 of the negative class; within "
            f"{selection['tolerance']} of the best, lowest latency"
        ),
        "primary_metric": "f1_negative",
        "labels": {"0": "negative", "1": "positive"},
        "split_sizes": {
            "train": len(train),
            "validation": len(validation),
            "test": len(test),
        },
        "test_negative_share": float(1 - test[LABEL].mean()),
        "models": results["models"],
    }
    return metrics, mlflow_metrics({f"test_{k}": chosen[k] for k in MLFLOW_FIGURES})


def write_report(
    metrics: dict[str, Any], comparison: pd.DataFrame, data: dict[str, Any]
) -> str:
    """The comparison, the choice and why negative-class F1 is the metric."""
    sizes = metrics["split_sizes"]
    chosen = metrics["models"][metrics["chosen_model"]]
    return REPORT_TEMPLATE.format(
        negative_labels=data["negative_labels"],
        positive_labels=data["positive_labels"],
        label_column=data["label_column"],
        label_description=data["label_description"],
        n_train=sizes["train"],
        n_validation=sizes["validation"],
        n_test=sizes["test"],
        test_negative_share=metrics["test_negative_share"],
        selection_rule=metrics["selection_rule"],
        comparison_table=comparison[REPORT_COLUMNS + ["threshold"]].to_markdown(
            index=False, floatfmt=".3f"
        ),
        chosen_model=metrics["chosen_model"],
        f1_negative=chosen["f1_negative"],
        accuracy=chosen["accuracy"],
        roc_auc=chosen["roc_auc"],
        threshold=chosen["threshold"],
        latency_ms_per_text=chosen["latency_ms_per_text"],
        size_mb=chosen["size_mb"],
    )
