"""What every pipeline logs to MLflow, in the shape kedro-mlflow expects."""

from __future__ import annotations

import math
from collections.abc import Mapping

MlflowMetrics = dict[str, dict[str, float]]


def mlflow_metrics(figures: Mapping[str, float | None]) -> MlflowMetrics:
    """Flat figures as ``MlflowMetricsHistoryDataset`` content (one value at step
    0 each); missing and non-finite figures are left out, since MLflow refuses
    them."""
    return {
        name: {"value": float(value), "step": 0}
        for name, value in figures.items()
        if value is not None and math.isfinite(value)
    }
