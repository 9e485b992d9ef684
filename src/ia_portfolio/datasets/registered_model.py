"""A model in the MLflow registry: saved as a new version, loaded as the served one."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from kedro.io import AbstractDataset, DatasetError
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PyFuncModel

from ia_portfolio.promotion import (
    GATE_TAG,
    PROMOTION_TAG,
    ModelRelease,
    PendingPromotion,
    queue_promotion,
)

logger = logging.getLogger(__name__)


class RegisteredModelDataset(AbstractDataset[ModelRelease, PyFuncModel]):
    """``save`` logs a ``ModelRelease`` as a pyfunc model in the active MLflow run
    and registers it as a new version of ``registered_model_name``, tagged with its
    quality-gate verdict; if it passed, the version is queued for promotion to
    ``alias`` at the end of the run (``ia_portfolio.promotion``). ``load`` returns
    the version the alias points to: the served model.

    Example::

        scoring.registered_model:
          type: ia_portfolio.datasets.RegisteredModelDataset
          registered_model_name: ia_portfolio_scoring${globals:registry_suffix}
          alias: champion
    """

    def __init__(
        self,
        registered_model_name: str,
        alias: str = "champion",
        artifact_path: str = "model",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.registered_model_name = registered_model_name
        self.alias = alias
        self._artifact_path = artifact_path
        self.metadata = metadata

    @property
    def uri(self) -> str:
        """The served model's URI: ``models:/<name>@<alias>``."""
        return f"models:/{self.registered_model_name}@{self.alias}"

    def _save(self, release: ModelRelease) -> None:
        name = self.registered_model_name
        with tempfile.TemporaryDirectory() as tmp:
            artifacts = (
                release.write_artifacts(Path(tmp)) if release.write_artifacts else None
            )
            info = mlflow.pyfunc.log_model(
                name=self._artifact_path,
                python_model=release.python_model,
                artifacts=artifacts,
                model_config=dict(release.model_config or {}) or None,
                signature=release.signature,
                input_example=release.input_example,
                pip_requirements=release.pip_requirements,
                registered_model_name=name,
            )
        version = str(info.registered_model_version)
        client = mlflow.MlflowClient()
        client.update_model_version(name, version, description=release.description)
        verdict = release.verdict
        tags = {
            **release.tags,
            GATE_TAG: "passed" if verdict.passed else "failed",
            f"{GATE_TAG}.reason": verdict.reason,
            PROMOTION_TAG: "pending: promoted when the run succeeds"
            if verdict.passed
            else f"refused: {verdict.reason}",
        }
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)
        if verdict.passed:
            queue_promotion(
                PendingPromotion(
                    name,
                    version,
                    self.alias,
                    mlflow.get_tracking_uri(),
                    mlflow.get_registry_uri(),
                )
            )
        logger.info("Registered %s version %s (%s).", name, version, verdict.reason)

    def _load(self) -> PyFuncModel:
        try:
            return mlflow.pyfunc.load_model(self.uri)
        except MlflowException as error:
            raise DatasetError(
                f"No model is served as {self.uri}: {error.message}"
            ) from error

    def _exists(self) -> bool:
        try:
            mlflow.MlflowClient().get_model_version_by_alias(
                self.registered_model_name, self.alias
            )
        except MlflowException:
            return False
        return True

    def _describe(self) -> dict[str, Any]:
        return {
            "registered_model_name": self.registered_model_name,
            "alias": self.alias,
            "artifact_path": self._artifact_path,
        }
