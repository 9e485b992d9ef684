"""A served model is a model that passed: quality gate, release and promotion.

Every pipeline that serves a model ends the same way:

1. ``quality_gate`` compares the chosen model's primary metric with the pipeline's
   naive baseline(s), read from its ``metrics.json`` content, by the rule stated in
   its ``promotion`` parameters.
2. A node returns a ``ModelRelease`` (the model as an MLflow pyfunc, its signature,
   a description and the gate's verdict) to the catalog entry
   ``<pipeline>.registered_model`` (``ia_portfolio.datasets.RegisteredModelDataset``),
   which logs it in the run and registers a new version, tagged with the verdict.
3. ``ModelPromotionHooks`` moves the registry alias that the API serves (e.g.
   ``champion``) to that version only once the whole Kedro run has succeeded and
   only if the gate passed. A failed or killed run, or a model that did not beat its
   baseline, leaves the served version where it was.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from kedro.framework.hooks import hook_impl
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel

logger = logging.getLogger(__name__)

GATE_TAG = "quality_gate"
PROMOTION_TAG = "promotion"


@dataclass(frozen=True)
class GateVerdict:
    """Whether a model beat its naive baseline on the primary metric."""

    passed: bool
    metric: str
    value: float
    baseline: str
    baseline_value: float
    reason: str


def _lookup(metrics: Mapping[str, Any], path: str) -> float:
    """The number at a dotted ``path`` of ``metrics``; ``{key}`` placeholders are
    filled from the top level (e.g. ``models.{chosen_model}.f1_negative``)."""
    resolved = path.format(**{k: v for k, v in metrics.items() if isinstance(v, str)})
    value: Any = metrics
    for key in resolved.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise KeyError(
                f"Quality gate: '{resolved}' is not in the pipeline's metrics "
                f"(missing '{key}')."
            )
        value = value[key]
    return float(value)


def quality_gate(metrics: Mapping[str, Any], gate: Mapping[str, Any]) -> GateVerdict:
    """Compare ``gate["metric"]`` with the best of ``gate["baselines"]``.

    ``greater_is_better`` says which way is better; the model passes only if it is
    strictly better than the best baseline by more than ``min_improvement``.
    """
    greater_is_better = bool(gate["greater_is_better"])
    margin = float(gate.get("min_improvement", 0.0))
    value = _lookup(metrics, gate["metric"])
    baselines = {name: _lookup(metrics, name) for name in gate["baselines"]}
    pick = max if greater_is_better else min
    baseline = pick(baselines, key=baselines.__getitem__)
    baseline_value = baselines[baseline]
    better = operator.gt if greater_is_better else operator.lt
    target = baseline_value + margin if greater_is_better else baseline_value - margin
    passed = better(value, target)
    relation = "beats" if passed else "does not beat"
    reason = (
        f"{gate['metric']} = {value:.4g} {relation} the naive baseline "
        f"{baseline} = {baseline_value:.4g} "
        f"({'higher' if greater_is_better else 'lower'} is better, "
        f"margin {margin:g})"
    )
    log = logger.info if passed else logger.warning
    log("Quality gate %s: %s.", "passed" if passed else "failed", reason)
    return GateVerdict(passed, gate["metric"], value, baseline, baseline_value, reason)


@dataclass(frozen=True)
class ModelRelease:
    """A trained model ready to be logged, registered and (if it passed) served.

    ``write_artifacts`` writes the model's files into a directory and returns the
    pyfunc artifact map; models that pickle whole need none.
    """

    python_model: PythonModel
    signature: ModelSignature
    input_example: pd.DataFrame
    verdict: GateVerdict
    description: str
    tags: Mapping[str, str] = field(default_factory=dict)
    model_config: Mapping[str, Any] | None = None
    pip_requirements: list[str] | None = None
    write_artifacts: Callable[[Path], dict[str, str]] | None = None


@dataclass(frozen=True)
class PendingPromotion:
    """A registered version waiting for its run to end well."""

    name: str
    version: str
    alias: str
    tracking_uri: str
    registry_uri: str | None


_pending: list[PendingPromotion] = []


def queue_promotion(promotion: PendingPromotion) -> None:
    """Promote ``promotion`` when the current run succeeds."""
    _pending.append(promotion)


def _client(promotion: PendingPromotion) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(promotion.tracking_uri, promotion.registry_uri)


class ModelPromotionHooks:
    """Point each release's alias at its version once the run has succeeded."""

    @hook_impl
    def before_pipeline_run(self) -> None:
        _pending.clear()

    @hook_impl
    def after_pipeline_run(self) -> None:
        while _pending:
            promotion = _pending.pop(0)
            client = _client(promotion)
            client.set_registered_model_alias(
                promotion.name, promotion.alias, promotion.version
            )
            client.set_model_version_tag(
                promotion.name, promotion.version, PROMOTION_TAG, "promoted"
            )
            # The registered model reads as the version it serves.
            served = client.get_model_version(promotion.name, promotion.version)
            client.update_registered_model(
                promotion.name,
                description=f"Served: version {promotion.version} "
                f"(@{promotion.alias}). {served.description or ''}".strip(),
            )
            logger.info(
                "Promoted %s version %s to @%s.",
                promotion.name,
                promotion.version,
                promotion.alias,
            )

    @hook_impl
    def on_pipeline_error(self) -> None:
        while _pending:
            promotion = _pending.pop(0)
            _client(promotion).set_model_version_tag(
                promotion.name,
                promotion.version,
                PROMOTION_TAG,
                "abandoned: the run failed after registration",
            )
            logger.warning(
                "Run failed: %s version %s is not promoted; @%s is unchanged.",
                promotion.name,
                promotion.version,
                promotion.alias,
            )
