"""Access to the project's Kedro catalog and MLflow registry from the web layer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from mlflow import MlflowClient

logger = logging.getLogger(__name__)


class ArtifactNotFoundError(LookupError):
    """A served model has not been trained yet."""


class CatalogArtifacts:
    """Loads trained artifacts (models, preprocessing) once, by catalog name, and
    gives a client of the project's MLflow tracking store and model registry."""

    def __init__(self, project_path: Path, env: str | None = None) -> None:
        bootstrap_project(project_path)
        with KedroSession.create(project_path=project_path, env=env) as session:
            context = session.load_context()
        self._catalog = context.catalog
        # kedro-mlflow's after_context_created hook resolves mlflow.yml onto the context.
        mlflow_server = context.mlflow.server
        self.mlflow_client = MlflowClient(
            tracking_uri=mlflow_server.mlflow_tracking_uri,
            registry_uri=mlflow_server.mlflow_registry_uri,
        )
        self._cache: dict[str, Any] = {}

    def load(self, name: str, hint: str) -> Any:
        """The artifact saved as ``name``; ``hint`` says how to produce it."""
        if name not in self._cache:
            if not self._catalog.exists(name):
                raise ArtifactNotFoundError(f"'{name}' is not trained yet: {hint}.")
            self._cache[name] = self._catalog.load(name)
            logger.info("Loaded '%s' from the catalog.", name)
        return self._cache[name]
