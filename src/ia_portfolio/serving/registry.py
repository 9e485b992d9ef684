"""Served models, read from the project's MLflow registry by alias.

Each served pipeline registers its model through the catalog
(``ia_portfolio.datasets.RegisteredModelDataset``) and moves the alias
``champion`` to a new version only when a run succeeded and the model passed its
quality gate. The API follows that alias: it loads the champion on first use,
looks again at most every ``refresh_s`` seconds and swaps in a newer champion
without a restart. A model that cannot be loaded makes only its own routes answer
503 with the reason; while an older champion is loaded it keeps answering.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

Served = TypeVar("Served")


class ModelNotAvailableError(LookupError):
    """The served model cannot be had (never promoted, or unreadable)."""


@dataclass(frozen=True)
class ModelReference:
    """A registered model: by alias (follows promotions) or by pinned version."""

    name: str
    alias: str | None = None
    version: str | None = None

    @classmethod
    def from_uri(cls, uri: str) -> ModelReference:
        """``models:/<name>@<alias>`` or ``models:/<name>/<version>``."""
        match = re.fullmatch(
            r"models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/@]+)|/(?P<version>\d+))", uri
        )
        if match is None:
            raise ValueError(
                f"'{uri}' is not a registry model URI: use "
                "models:/<name>@<alias> or models:/<name>/<version>."
            )
        return cls(**match.groupdict())

    @property
    def uri(self) -> str:
        suffix = f"@{self.alias}" if self.alias else f"/{self.version}"
        return f"models:/{self.name}{suffix}"


class ModelInfo(BaseModel):
    """The registered model version that answers."""

    name: str = Field(examples=["ia_portfolio_sentiment"])
    version: str = Field(examples=["3"])
    alias: str | None = Field(
        description="The alias the version was resolved from, if any",
        examples=["champion"],
    )
    run_id: str | None = Field(description="The MLflow run that logged the model")


class ChampionModel(Generic[Served]):
    """The model ``reference`` points to, loaded and turned into what a router
    serves by ``prepare``; reloaded when the alias moves to another version."""

    def __init__(
        self,
        client: MlflowClient,
        reference: ModelReference,
        train_command: str,
        prepare: Callable[[mlflow.pyfunc.PyFuncModel], Served],
        refresh_s: float = 5.0,
    ) -> None:
        self._client = client
        self.reference = reference
        self._train_command = train_command
        self._prepare = prepare
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._loaded: tuple[Served, ModelInfo] | None = None
        self._checked_at = float("-inf")
        self._error = f"{reference.uri} has not been looked up yet."

    def get(self) -> tuple[Served, ModelInfo]:
        """The served model and its registry version."""
        if time.monotonic() - self._checked_at >= self._refresh_s:
            with self._lock:
                if time.monotonic() - self._checked_at >= self._refresh_s:
                    self._refresh()
        if self._loaded is None:
            raise ModelNotAvailableError(self._error)
        return self._loaded

    def fresh(self) -> tuple[Served, ModelInfo] | None:
        """The loaded model if no registry look-up is due, else ``None``: lets an
        async route answer without blocking and call :meth:`get` off the event
        loop only when a look-up is needed."""
        if time.monotonic() - self._checked_at >= self._refresh_s:
            return None
        return self._loaded

    def _refresh(self) -> None:
        # The check time is set when the look-up is over, so that requests arriving
        # while a model loads wait for it instead of being told it is missing.
        try:
            version = self._resolve()
            if self._loaded is None or self._loaded[1].version != str(version.version):
                self._loaded = self._load(version)
        except ModelNotAvailableError as error:
            self._error = str(error)
            if self._loaded is not None:
                logger.error(
                    "%s; still serving version %s.", error, self._loaded[1].version
                )
        finally:
            self._checked_at = time.monotonic()

    def _resolve(self) -> ModelVersion:
        name = self.reference.name
        try:
            if self.reference.alias:
                return self._client.get_model_version_by_alias(
                    name, self.reference.alias
                )
            return self._client.get_model_version(name, self.reference.version)
        except MlflowException as error:
            raise ModelNotAvailableError(
                f"No model is served as {self.reference.uri} ({error.message}). "
                f"Train one that passes its quality gate with `{self._train_command}` "
                "in the project."
            ) from error

    def _load(self, version: ModelVersion) -> tuple[Served, ModelInfo]:
        name = self.reference.name
        try:
            location = self._client.get_model_version_download_uri(
                name, version.version
            )
            served = self._prepare(mlflow.pyfunc.load_model(location))
        # Unpickling a damaged or incompatible model can raise almost anything; one
        # broken model must only take its own routes down, with the reason.
        except Exception as error:  # noqa: BLE001
            raise ModelNotAvailableError(
                f"{name} version {version.version} is registered but cannot be "
                f"loaded ({error}). The registry and the model files (mlflow.db "
                f"and mlruns/) must stay where training wrote them; retrain with "
                f"`{self._train_command}` if they were moved."
            ) from error
        logger.info("Serving %s version %s from %s.", name, version.version, location)
        info = ModelInfo(
            name=name,
            version=str(version.version),
            alias=self.reference.alias,
            run_id=version.run_id,
        )
        return served, info
