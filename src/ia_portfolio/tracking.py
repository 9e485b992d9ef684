"""What every pipeline logs to MLflow, in the shape kedro-mlflow expects, and the
kedro-mlflow hook the project runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node, Pipeline
from kedro_mlflow.framework.hooks import MlflowHook
from kedro_mlflow.framework.hooks.utils import _flatten_dict
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

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


class BatchedParamsMlflowHook(MlflowHook):
    """kedro-mlflow's hook, logging each node's parameters in one batch.

    kedro-mlflow logs parameters one ``log_param`` call (one database commit) at a
    time, again for every node that reads them: public_health's 130 parameters
    cost seconds of a loaded machine. Here a node's new parameters go in one
    ``log_params`` call, and a parameter already logged with the same value is
    not sent again. Names, flattening and the long-value strategy are
    kedro-mlflow's own.
    """

    def __init__(self) -> None:
        super().__init__()
        self._logged: dict[str, str] = {}

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        self._logged = {}
        super().before_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def before_node_run(
        self, node: Node, catalog: Any, inputs: dict[str, Any], is_async: bool
    ) -> None:
        params = {
            name: value
            for name, value in inputs.items()
            if name.startswith("params:") or name == "parameters"
        }
        others = {name: v for name, v in inputs.items() if name not in params}
        # The parent reopens the run; it logs nothing without parameter inputs.
        super().before_node_run(node, catalog, others, is_async)
        if not self._is_mlflow_enabled or not params:
            return
        named = {name.removeprefix("params:"): value for name, value in params.items()}
        if self.flatten:
            named = _flatten_dict(d=named, recursive=self.recursive, sep=self.sep)
        batch = {}
        for name, value in named.items():
            key = self.sanitize_param_name(name)
            text = str(value)
            if self._logged.get(key) == text:
                continue
            self._logged[key] = text
            if len(text) <= MAX_PARAM_VAL_LENGTH:
                batch[key] = value
            else:
                self._log_param(key, value)
        if batch:
            mlflow.log_params(batch)
