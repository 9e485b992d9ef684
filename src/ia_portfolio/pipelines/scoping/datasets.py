"""Read-only datasets of the ``scoping`` pipeline: what the project measured about
itself. Each returns an empty result, never an error, when there is nothing to
read yet (a fresh clone has no MLflow store and no data), so that the pipeline
can say what is missing."""

from __future__ import annotations

import importlib
import json
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import mlflow
import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from ia_portfolio.config import OUTPUT_LAYERS
from ia_portfolio.pipeline_registry import pipeline_names

logger = logging.getLogger(__name__)

RUN_COLUMNS = [
    "run_id",
    "run_name",
    "pipeline",
    "parent_run_id",
    "experiment",
    "status",
    "start_time",
    "duration_s",
    "env",
    "partial",
    "runtime_params",
    "artifact_bytes",
    "model_bytes",
]
FOOTPRINT_COLUMNS = ["pipeline", "layer", "files", "bytes"]
PIPELINE_COLUMNS = ["pipeline", "served"]
# kedro-mlflow tags a run with the run parameters that have a value: any of these
# means only part of a pipeline ran.
PARTIAL_RUN_TAGS = ("node_names", "from_nodes", "to_nodes", "from_inputs", "to_outputs")
# The pipeline a run belongs to, where the project's hook tags it (a pipeline's run
# nested in a run of several); otherwise the run is named after its pipeline.
PIPELINE_TAG = "ia_portfolio.pipeline"
PARENT_TAG = "mlflow.parentRunId"
# What a nested run takes from its parent when it does not say it itself.
INHERITED = ("env", "partial", "runtime_params")
# Every output layer, and the served models' logs.
DEFAULT_LAYERS = (*OUTPUT_LAYERS, "logs")


class _ReadOnlyDataset(AbstractDataset[None, Any]):
    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if key != "metadata"}


class JSONFolderDataset(_ReadOnlyDataset):
    """Every ``*.json`` file of a folder, parsed, by file stem (``{}`` when the
    folder does not exist). Example::

        benchmark_results:
          type: ia_portfolio.pipelines.scoping.datasets.JSONFolderDataset
          path: ${project_root:}/benchmarks/results
    """

    def __init__(
        self, *, path: str, pattern: str = "*.json", metadata: dict | None = None
    ) -> None:
        self._path = Path(path)
        self._pattern = pattern
        self.metadata = metadata

    def load(self) -> dict[str, dict[str, Any]]:
        if not self._path.is_dir():
            logger.warning("No folder %s: no result to read.", self._path)
            return {}
        return {
            path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(self._path.glob(self._pattern))
        }


def _sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for any other store)."""
    if not tracking_uri.startswith("sqlite:"):
        return None
    return Path(unquote(tracking_uri.split("sqlite:///", maxsplit=1)[-1]))


def _files_bytes(entries: list[Any], list_dir: Any) -> int:
    """Total size of MLflow ``FileInfo`` entries, folders listed recursively."""
    total = 0
    for entry in entries:
        if entry.is_dir:
            total += _files_bytes(list_dir(entry.path), list_dir)
        else:
            total += entry.file_size or 0
    return total


def _inherit_from_parents(rows: list[dict[str, Any]]) -> None:
    """Kedro-mlflow tags the run a command opened: a run nested in it (one
    pipeline of several) gets its environment, and is partial or has overridden
    parameters when its parent is."""
    by_id = {row["run_id"]: row for row in rows}

    def root_value(row: dict[str, Any], key: str) -> Any:
        parent = by_id.get(row["parent_run_id"])
        own = row[key]
        if parent is None:
            return own
        inherited = root_value(parent, key)
        return own if key == "env" and own else (own or inherited)

    resolved = [{key: root_value(row, key) for key in INHERITED} for row in rows]
    for row, values in zip(rows, resolved, strict=True):
        row.update(values)
        row["env"] = row["env"] or "local"


class MlflowRunsDataset(_ReadOnlyDataset):
    """The runs of the MLflow tracking store, one row each: name, pipeline, parent
    run, status, start, duration, Kedro environment, whether only part of a
    pipeline ran or parameters were overridden, and the bytes of its artifacts
    and of the models logged from it. Nothing is written to the store.

    ``tracking_uri`` defaults to the URI in force, which kedro-mlflow sets from
    ``conf/<env>/mlflow.yml`` when the Kedro context is created. A sqlite store
    whose file does not exist is read as empty (not created). Example::

        mlflow_runs:
          type: ia_portfolio.pipelines.scoping.datasets.MlflowRunsDataset
    """

    def __init__(
        self,
        *,
        tracking_uri: str | None = None,
        max_runs: int = 5000,
        metadata: dict | None = None,
    ) -> None:
        self._tracking_uri = tracking_uri
        self._max_runs = max_runs
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        uri = self._tracking_uri or mlflow.get_tracking_uri()
        database = _sqlite_path(uri)
        if database is not None and not database.is_file():
            logger.warning("No MLflow store at %s: no run to read.", database)
            return pd.DataFrame(columns=RUN_COLUMNS)
        client = mlflow.MlflowClient(tracking_uri=uri)
        experiments = {e.experiment_id: e.name for e in client.search_experiments()}
        if not experiments:
            return pd.DataFrame(columns=RUN_COLUMNS)
        runs = client.search_runs(list(experiments), max_results=self._max_runs)
        models = client.search_logged_models(list(experiments))
        model_bytes: dict[str, int] = {}
        for model in models:
            if model.source_run_id:
                size = _files_bytes(
                    client.list_logged_model_artifacts(model.model_id),
                    lambda path, model_id=model.model_id: (
                        client.list_logged_model_artifacts(model_id, path)
                    ),
                )
                model_bytes[model.source_run_id] = (
                    model_bytes.get(model.source_run_id, 0) + size
                )
        rows = []
        for run in runs:
            info, tags = run.info, run.data.tags
            end = info.end_time
            rows.append(
                {
                    "run_id": info.run_id,
                    "run_name": info.run_name,
                    "pipeline": tags.get(PIPELINE_TAG) or info.run_name,
                    "parent_run_id": tags.get(PARENT_TAG),
                    "experiment": experiments.get(info.experiment_id),
                    "status": info.status,
                    "start_time": pd.Timestamp(info.start_time, unit="ms", tz="UTC"),
                    "duration_s": (end - info.start_time) / 1000 if end else None,
                    "env": tags.get("env"),
                    "partial": any(tags.get(tag) for tag in PARTIAL_RUN_TAGS),
                    "runtime_params": bool(tags.get("runtime_params")),
                    "artifact_bytes": _files_bytes(
                        client.list_artifacts(info.run_id),
                        lambda path, run_id=info.run_id: client.list_artifacts(
                            run_id, path
                        ),
                    ),
                    "model_bytes": model_bytes.get(info.run_id, 0),
                }
            )
        _inherit_from_parents(rows)
        logger.info("Read %d MLflow runs from %s.", len(rows), uri)
        return pd.DataFrame(rows, columns=RUN_COLUMNS)


class DataFootprintDataset(_ReadOnlyDataset):
    """Files and bytes on disk under ``<root>/<layer>/<pipeline>/``, one row per
    pipeline folder found (none when ``root`` does not exist). Example::

        data_footprint:
          type: ia_portfolio.pipelines.scoping.datasets.DataFootprintDataset
          root: ${globals:data_root}
    """

    def __init__(
        self,
        *,
        root: str,
        layers: list[str] | None = None,
        metadata: dict | None = None,
    ) -> None:
        self._root = Path(root)
        self._layers = list(layers or DEFAULT_LAYERS)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        rows = []
        for layer in self._layers:
            folder = self._root / layer
            if not folder.is_dir():
                continue
            for pipeline_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
                files = [
                    Path(base) / name
                    for base, _, names in os.walk(pipeline_folder)
                    for name in names
                    if name != ".gitkeep"
                ]
                rows.append(
                    {
                        "pipeline": pipeline_folder.name,
                        "layer": layer,
                        "files": len(files),
                        "bytes": sum(path.stat().st_size for path in files),
                    }
                )
        return pd.DataFrame(rows, columns=FOOTPRINT_COLUMNS)


class ProjectPipelinesDataset(_ReadOnlyDataset):
    """The project's pipelines (``pipelines/`` folders, as the registry finds
    them) but ``exclude``, and whether each serves a model (it writes
    ``<name>.registered_model``). Example::

        project_pipelines:
          type: ia_portfolio.pipelines.scoping.datasets.ProjectPipelinesDataset
          exclude: [scoping]
    """

    def __init__(
        self, *, exclude: list[str] | None = None, metadata: dict | None = None
    ) -> None:
        self._exclude = list(exclude or [])
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        rows = []
        for name in pipeline_names():
            if name in self._exclude:
                continue
            # The package, not kedro's registry: `kedro run --pipeline=scoping`
            # registers only the pipelines it runs.
            module = importlib.import_module(f"ia_portfolio.pipelines.{name}.pipeline")
            outputs = module.create_pipeline().all_outputs()
            rows.append(
                {"pipeline": name, "served": f"{name}.registered_model" in outputs}
            )
        return pd.DataFrame(rows, columns=PIPELINE_COLUMNS)
