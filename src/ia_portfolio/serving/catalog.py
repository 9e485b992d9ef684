"""The project as the web layer sees it: which registered model each served
pipeline promotes (from its Kedro catalog) and a client of its MLflow registry."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.utils import find_kedro_project
from mlflow import MlflowClient
from mlflow.pyfunc import PyFuncModel

from ia_portfolio.datasets import RegisteredModelDataset
from ia_portfolio.serving.registry import ChampionModel, ModelReference, Served

PROJECT_PATH_ENV = "IA_PORTFOLIO_PROJECT_PATH"
KEDRO_ENV_ENV = "IA_PORTFOLIO_KEDRO_ENV"
REFRESH_ENV = "IA_PORTFOLIO_MODEL_REFRESH_S"


class ProjectNotFoundError(RuntimeError):
    """The API was started outside a Kedro project and none was configured."""


def find_project_path(start: Path | None = None) -> Path:
    """``$IA_PORTFOLIO_PROJECT_PATH``, else the Kedro project that contains the
    working directory; never a checkout the package happens to be installed from."""
    configured = os.environ.get(PROJECT_PATH_ENV)
    if configured:
        return Path(configured)
    found = find_kedro_project(start or Path.cwd())
    if found is None:
        raise ProjectNotFoundError(
            f"No Kedro project contains {start or Path.cwd()}: start the API from "
            f"the project's root or set {PROJECT_PATH_ENV}."
        )
    return Path(found)


class ProjectModels:
    """The served models of one project and Kedro environment."""

    def __init__(self, project_path: Path, env: str | None = None) -> None:
        self.project_path = project_path
        self.env = env
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
        self.refresh_s = float(os.environ.get(REFRESH_ENV, "5"))

    def reference(self, dataset_name: str) -> ModelReference:
        """The served model of ``dataset_name`` (a ``RegisteredModelDataset``)."""
        dataset = self._catalog.get(dataset_name)
        if not isinstance(dataset, RegisteredModelDataset):
            raise TypeError(
                f"Catalog entry '{dataset_name}' is not a RegisteredModelDataset."
            )
        return ModelReference(dataset.registered_model_name, alias=dataset.alias)

    def champion(
        self,
        reference: ModelReference,
        train_command: str,
        prepare: Callable[[PyFuncModel], Served],
    ) -> ChampionModel[Served]:
        """The model ``reference`` points to, followed as it is promoted."""
        return ChampionModel(
            self.mlflow_client, reference, train_command, prepare, self.refresh_s
        )
