"""The last lines of a successful run: where its outputs are and its MLflow run.

``RunSummaryHooks.after_pipeline_run`` logs, at INFO:

- the folders the run wrote files to (relative to the project), with the number
  of files in each;
- the MLflow run(s) of this Kedro session (kedro-mlflow tags each with the
  session id as ``run_id``): name, id, experiment and address in the MLflow UI
  (host and port of ``mlflow.yml``, ``ui``; started by ``make mlflow-ui``); the
  same for each pipeline's run nested in it (a run of several pipelines), and the
  names of its other nested runs (candidates, trials).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

from ia_portfolio.progress import format_duration
from ia_portfolio.tracking import PIPELINE_TAG

logger = logging.getLogger(__name__)

SESSION_TAG = "run_id"  # kedro-mlflow's tag of the Kedro session id
DEFAULT_UI = ("127.0.0.1", 5000)


def dataset_path(dataset: Any) -> PurePosixPath | None:
    """The local file or folder a catalog dataset writes (None: not a local file,
    e.g. memory, MLflow registry, remote storage)."""
    try:
        described = dataset._describe()  # noqa: SLF001 - what Kedro prints for it
    except Exception:  # noqa: BLE001 - any dataset may fail to describe itself
        return None
    location = described.get("filepath") or described.get("path")
    protocol = described.get("protocol") or getattr(dataset, "_protocol", "file")
    if not location or protocol not in {"file", "local", None}:
        return None
    return PurePosixPath(str(location))


def written_folders(
    output_names: set[str], catalog: Any, project_path: Path, since: float
) -> dict[str, int]:
    """Folder (relative to the project when inside it) -> number of files the run
    wrote there, for the catalog outputs modified since ``since`` (epoch s)."""
    counts: Counter[str] = Counter()
    for name in sorted(output_names):
        try:
            dataset = catalog.get(name)
        except Exception:  # noqa: BLE001 - memory outputs, unresolved patterns
            continue
        location = dataset_path(dataset) if dataset is not None else None
        if location is None:
            continue
        path = Path(location)
        files = [path] if path.is_file() else []
        if path.is_dir():  # versioned or partitioned: counted in the folder holding it
            files = [f for f in path.rglob("*") if f.is_file()]
        written = sum(1 for file in files if file.stat().st_mtime >= since - 1)
        if written:
            counts[_relative(path.parent, project_path)] += written
    return dict(sorted(counts.items()))


def _relative(folder: Path, project_path: Path) -> str:
    try:
        return str(folder.resolve().relative_to(project_path.resolve()))
    except ValueError:
        return str(folder)


def ui_address(host: str, port: int | str, experiment_id: str, run_id: str) -> str:
    """The run's page in the MLflow UI."""
    return f"http://{host}:{port}/#/experiments/{experiment_id}/runs/{run_id}"


def session_runs(session_id: str) -> list[tuple[Run, list[Run]]]:
    """The MLflow runs tagged with the Kedro session id, each with its nested runs."""
    client = mlflow.MlflowClient()
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    runs = client.search_runs(
        experiments, f"tags.`{SESSION_TAG}` = '{session_id}'", max_results=50
    )
    return [
        (
            run,
            client.search_runs(
                [run.info.experiment_id],
                f"tags.`{MLFLOW_PARENT_RUN_ID}` = '{run.info.run_id}'",
                max_results=100,
            ),
        )
        for run in runs
    ]


class RunSummaryHooks:
    """Log, at the end of a successful run, its output folders and MLflow run."""

    def __init__(self) -> None:
        self._context: Any = None
        self._started = time.time()

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._context = context

    @hook_impl
    def before_pipeline_run(self) -> None:
        self._started = time.time()

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        project_path = Path(run_params.get("project_path") or Path.cwd())
        lines = [f"Run finished in {format_duration(time.time() - self._started)}."]
        folders = written_folders(
            pipeline.all_outputs(), catalog, project_path, self._started
        )
        if folders:
            lines.append("Outputs written to:")
            lines += [
                f"  {folder}/ ({count} file{'s' * (count > 1)})"
                for folder, count in folders.items()
            ]
        else:
            lines.append("No output file written (memory outputs only).")
        lines += self._mlflow_lines(run_params.get("run_id"))
        logger.info("\n".join(lines))

    def _ui(self) -> tuple[str, int | str]:
        ui = getattr(getattr(self._context, "mlflow", None), "ui", None)
        if ui is None:
            return DEFAULT_UI
        return ui.host, ui.port

    def _mlflow_lines(self, session_id: str | None) -> list[str]:
        if not session_id:
            return []
        try:
            found = session_runs(session_id)
            names = {
                e.experiment_id: e.name
                for e in mlflow.MlflowClient().search_experiments()
            }
        except MlflowException as error:
            return [f"MLflow run not found ({error.message})."]
        if not found:
            return ["No MLflow run (tracking is off for this pipeline)."]
        host, port = self._ui()
        lines = []
        for run, children in found:
            lines.append(self._run_line(run, names, host, port, "MLflow run"))
            nested = sorted(children, key=lambda r: r.info.run_name or "")
            pipelines = [r for r in nested if PIPELINE_TAG in r.data.tags]
            lines += [
                self._run_line(child, names, host, port, "  pipeline run")
                for child in pipelines
            ]
            others = [
                r.info.run_name or r.info.run_id for r in nested if r not in pipelines
            ]
            if others:
                lines.append(f"  nested runs: {', '.join(others)}")
        lines.append(
            f"MLflow UI: `make mlflow-ui` (tracking store {mlflow.get_tracking_uri()})."
        )
        return lines

    @staticmethod
    def _run_line(
        run: Run, names: dict[str, str], host: str, port: int | str, label: str
    ) -> str:
        info = run.info
        return (
            f"{label} '{info.run_name}' (id {info.run_id}, experiment "
            f"'{names.get(info.experiment_id, info.experiment_id)}'): "
            f"{ui_address(host, port, info.experiment_id, info.run_id)}"
        )
