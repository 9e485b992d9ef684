"""What every pipeline logs to MLflow, in the shape kedro-mlflow expects, and the
kedro-mlflow hook the project runs: one MLflow run per pipeline."""

from __future__ import annotations

import json
import logging
import math
import os
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines as registered_pipelines
from kedro.pipeline import Node, Pipeline
from kedro_mlflow.framework.hooks import MlflowHook
from kedro_mlflow.framework.hooks.utils import _flatten_dict, _generate_kedro_command
from mlflow.data.code_dataset_source import CodeDatasetSource
from mlflow.data.dataset import Dataset
from mlflow.entities import Metric, RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking.context.registry import resolve_tags
from mlflow.utils.git_utils import get_git_branch, get_git_commit, get_git_repo_url
from mlflow.utils.mlflow_tags import (
    MLFLOW_GIT_BRANCH,
    MLFLOW_GIT_COMMIT,
    MLFLOW_GIT_REPO_URL,
    MLFLOW_PARENT_RUN_ID,
)
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

logger = logging.getLogger(__name__)

MlflowMetrics = dict[str, dict[str, float]]

# Tags (a JSON object) that make every `kedro run` carrying them log into one MLflow
# run, and that run's name: the tasks of one Airflow DAG run set them. The run stays
# RUNNING between tasks; the DAG's last task ends it (`end_shared_run`).
SHARED_RUN_TAGS_VAR = "IA_PORTFOLIO_MLFLOW_RUN_TAGS"
SHARED_RUN_NAME_VAR = "IA_PORTFOLIO_MLFLOW_RUN_NAME"
# The pipeline a run belongs to (a `kedro run --pipeline=<name>` or a nested run).
PIPELINE_TAG = "ia_portfolio.pipeline"
# The pipelines of a `kedro run` of several, whose parent run holds one run each.
PIPELINES_TAG = "ia_portfolio.pipelines"
# "true" when tracked files differed from the recorded commit.
GIT_DIRTY_TAG = "mlflow.source.git.dirty"
# The MLflow dataset context of a pipeline's raw inputs.
INPUT_CONTEXT = "raw_input"


def mlflow_metrics(figures: Mapping[str, float | None]) -> MlflowMetrics:
    """Flat figures as ``MlflowMetricsHistoryDataset`` content (one value at step
    0 each); missing and non-finite figures are left out, since MLflow refuses
    them."""
    return {
        name: {"value": float(value), "step": 0}
        for name, value in figures.items()
        if value is not None and math.isfinite(value)
    }


def finite(figures: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers of ``figures``, as floats (what ``log_metrics`` accepts)."""
    return {
        name: float(value)
        for name, value in figures.items()
        if isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and math.isfinite(value)
    }


@contextmanager
def child_run(name: str, tags: Mapping[str, str] | None = None) -> Iterator[str | None]:
    """A nested MLflow run named ``name`` under the active run, for one item of a
    pipeline (a candidate model): its parameters, metrics and files.

    A run of that name already under the same parent (a retried Airflow task) is
    resumed, not duplicated. Yields the run's id, or ``None`` outside a tracked
    run (nothing is logged then).
    """
    parent = mlflow.active_run()
    if parent is None:
        yield None
        return
    existing = mlflow.search_runs(
        experiment_ids=[parent.info.experiment_id],
        filter_string=(
            f"tags.`{MLFLOW_PARENT_RUN_ID}` = '{parent.info.run_id}' "
            f"and attributes.run_name = '{name}'"
        ),
        max_results=1,
        output_format="list",
    )
    run_id = existing[0].info.run_id if existing else None
    with mlflow.start_run(
        run_id=run_id,
        run_name=None if run_id else name,
        nested=True,
        tags=dict(tags or {}),
    ) as run:
        yield run.info.run_id


def log_search(study: Any, score_name: str) -> None:
    """An Optuna search in the active run: each trial's score as the history of
    ``trial_<score_name>`` (step = trial number), the best as
    ``search_best_<score_name>``, and every trial's hyperparameters, score, state
    and duration as the table ``optuna_trials.json``."""
    scored = [trial for trial in study.trials if trial.value is not None]
    if not scored:
        return
    now = time.time()
    history = [
        Metric(
            f"trial_{score_name}",
            float(trial.value),
            int(
                1000
                * (
                    trial.datetime_complete.timestamp()
                    if trial.datetime_complete
                    else now
                )
            ),
            trial.number,
        )
        for trial in scored
        if math.isfinite(trial.value)
    ]
    mlflow.MlflowClient().log_batch(mlflow.active_run().info.run_id, metrics=history)
    mlflow.log_metrics(
        {
            f"search_best_{score_name}": float(study.best_value),
            "search_trials": len(study.trials),
        }
    )
    trials = study.trials_dataframe()
    for column in trials.columns:
        if pd.api.types.is_datetime64_any_dtype(trials[column]):
            trials[column] = trials[column].astype(str)
        elif pd.api.types.is_timedelta64_dtype(trials[column]):
            trials[column] = trials[column].dt.total_seconds()
    mlflow.log_table(trials, artifact_file="optuna_trials.json")


def git_tags(path: Path) -> dict[str, str]:
    """MLflow's source tags of the git checkout holding ``path`` (commit, branch,
    remote) and whether tracked files differ from the commit; none outside git."""
    commit = get_git_commit(str(path))
    if commit is None:
        return {}
    tags = {MLFLOW_GIT_COMMIT: commit}
    branch, url = get_git_branch(str(path)), get_git_repo_url(str(path))
    if branch:
        tags[MLFLOW_GIT_BRANCH] = branch
    if url:
        tags[MLFLOW_GIT_REPO_URL] = url
    try:
        from git import Repo  # noqa: PLC0415 - MLflow's own optional dependency

        dirty = Repo(path, search_parent_directories=True).is_dirty()
    except Exception as error:  # noqa: BLE001 - a missing git binary, a broken repo
        logger.debug("Could not tell whether %s has local changes: %s", path, error)
    else:
        tags[GIT_DIRTY_TAG] = str(dirty).lower()
    return tags


def shared_run_tags() -> dict[str, str]:
    """The tags of the shared MLflow run this process joins (``{}``: none)."""
    text = os.environ.get(SHARED_RUN_TAGS_VAR, "").strip()
    if not text:
        return {}
    tags = json.loads(text)
    if not isinstance(tags, dict) or not tags:
        raise ValueError(f"{SHARED_RUN_TAGS_VAR} must be a JSON object of tags.")
    return {str(key): str(value) for key, value in tags.items()}


def run_name(pipeline_names: Sequence[str]) -> str:
    """The MLflow run name of a `kedro run` of ``pipeline_names``: "all pipelines"
    for Kedro's ``__default__`` (every pipeline), else the names, comma-separated."""
    return ", ".join(
        "all pipelines" if name == "__default__" else name for name in pipeline_names
    )


def _oldest_run(
    client: mlflow.MlflowClient, experiment_id: str, tags: Mapping[str, str]
) -> str | None:
    """The id of the oldest run of ``experiment_id`` carrying ``tags``."""
    query = " and ".join(f"tags.`{key}` = '{value}'" for key, value in tags.items())
    runs = client.search_runs([experiment_id], query)
    runs.sort(key=lambda run: (run.info.start_time, run.info.run_id))
    return runs[0].info.run_id if runs else None


def end_shared_run(experiment_id: str, status: str) -> tuple[str, str] | None:
    """End the run shared by the ``kedro run`` of one scheduled run (the tags of
    ``IA_PORTFOLIO_MLFLOW_RUN_TAGS``) with ``status`` (``FINISHED``, ``FAILED``);
    nested runs left running (a killed task's) end ``KILLED``. The run's id and
    its status before, or ``None`` when no task created it."""
    tags = shared_run_tags()
    if not tags:
        raise ValueError(f"{SHARED_RUN_TAGS_VAR} names no shared run.")
    client = mlflow.MlflowClient()
    run_id = _oldest_run(client, experiment_id, tags)
    if run_id is None:
        return None
    before = client.get_run(run_id).info.status
    for child in client.search_runs(
        [experiment_id],
        f"tags.`{MLFLOW_PARENT_RUN_ID}` = '{run_id}' and attributes.status = 'RUNNING'",
    ):
        client.set_terminated(child.info.run_id, RunStatus.to_string(RunStatus.KILLED))
    client.set_terminated(run_id, status)
    return run_id, before


def mlflow_dataset(name: str, data: Any, kedro_dataset: Any) -> Dataset | None:
    """A loaded raw input as an MLflow dataset (digest, schema, profile, source),
    for tables and arrays; ``None`` for other data."""
    filepath = getattr(kedro_dataset, "_filepath", None)
    source = CodeDatasetSource(
        {"kedro_dataset": name, "type": type(kedro_dataset).__name__}
        | ({"filepath": str(filepath)} if filepath else {})
        | {
            key: str(value)
            for key, value in (
                getattr(kedro_dataset, "_describe", dict)() or {}
            ).items()
            if isinstance(value, str | int | float)
        }
    )
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        return mlflow.data.from_pandas(data, source=source, name=name)
    if isinstance(data, np.ndarray):
        return mlflow.data.from_numpy(data, source=source, name=name)
    return None


METRIC_DATASETS = frozenset(
    {"MlflowMetricDataset", "MlflowMetricHistoryDataset", "MlflowMetricsHistoryDataset"}
)


class MetricDatasets:
    """The MLflow metric datasets of a Kedro catalog, told apart by their configured
    ``type`` without building (or importing the class of) any other dataset;
    datasets set here are set in the catalog."""

    def __init__(self, catalog: Any) -> None:
        self._catalog = catalog

    def _is_metric(self, name: str) -> bool:
        lazy = getattr(self._catalog, "_lazy_datasets", {}).get(name)
        if lazy is None:  # built already: cheap to look at
            return True
        kind = lazy.config.get("type", "") if isinstance(lazy.config, dict) else ""
        return str(kind).rsplit(".", 1)[-1] in METRIC_DATASETS

    def items(self) -> list[tuple[str, Any]]:
        """``(name, dataset)`` of the metric datasets (and of those already built)."""
        return [(n, self._catalog[n]) for n in self._catalog if self._is_metric(n)]

    def __setitem__(self, name: str, dataset: Any) -> None:
        self._catalog[name] = dataset


def _namespace(node: Node) -> str | None:
    return node.namespace.split(".")[0] if node.namespace else None


def _is_parameter(name: str) -> bool:
    return name.startswith("params:") or name == "parameters"


class ProjectMlflowHook(MlflowHook):
    """kedro-mlflow's hook with one MLflow run per pipeline.

    - ``kedro run --pipeline=<name>`` is one MLflow run, as with kedro-mlflow. A
      run of several pipelines (``kedro run``: all of them) is a parent run with
      one nested run per pipeline (top-level namespace), named after it; each
      node's parameters, metrics, figures and models go to its pipeline's run,
      and the parent keeps what is about the whole run (command, environment,
      commit).
    - Every run records the project's git commit (MLflow's
      ``mlflow.source.git.*`` tags, ``mlflow.source.git.dirty`` when tracked
      files had changed) and the raw inputs it read (free inputs of the
      registered pipeline) as MLflow datasets with a digest.
    - With ``IA_PORTFOLIO_MLFLOW_RUN_TAGS`` set (a JSON object), every
      ``kedro run`` carrying the same tags logs into one MLflow run, created by
      the first and left RUNNING by each (also when it fails: a retry resumes
      it): the tasks of one Airflow DAG run are one MLflow run, which the DAG's
      last task ends (``end_shared_run``).
    - A node's new parameters go in one ``log_params`` call, and a parameter
      already logged with the same value in the same run is not sent again
      (kedro-mlflow sends one call, one database commit, per parameter and
      node: public_health's 130 parameters cost seconds). Names, flattening and
      the long-value strategy are kedro-mlflow's own.
    """

    def __init__(self) -> None:
        super().__init__()
        self._git_tags: dict[str, str] = {}
        self._logged: dict[tuple[str, str], str] = {}
        self._inputs_logged: set[tuple[str, str]] = set()
        self._raw_inputs: set[str] = set()
        self._split = False
        self._shared = False
        self._pipeline_runs: dict[str, str] = {}
        self._remaining: Counter[str | None] = Counter()

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        super().after_context_created(context)
        self._git_tags = git_tags(Path(context.project_path))

    @hook_impl
    def after_catalog_created(  # noqa: PLR0913 - kedro-mlflow's signature
        self,
        catalog: Any,
        conf_catalog: dict[str, Any],
        conf_creds: dict[str, Any],
        parameters: dict[str, Any],
        save_version: str,
        load_versions: dict[str, str],
    ) -> None:
        # kedro-mlflow names its metric datasets here, going through every dataset
        # of the catalog: that imports every pipeline's dataset classes (~2 s on a
        # `kedro run --pipeline=<one>`). It is given the metric datasets only.
        super().after_catalog_created(
            MetricDatasets(catalog),
            conf_catalog,
            conf_creds,
            parameters,
            save_version,
            load_versions,
        )

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        self._logged, self._inputs_logged, self._pipeline_runs = {}, set(), {}
        names = run_params.get("pipeline_names") or ["__default__"]
        registered = [registered_pipelines[name] for name in names]
        self._raw_inputs = {
            name
            for registered_pipeline in registered
            for name in registered_pipeline.inputs()
            if not _is_parameter(name)
        }
        namespaces = {_namespace(n) for p in registered for n in p.nodes} - {None}
        self._split = len(namespaces) > 1
        self._remaining = Counter(_namespace(node) for node in pipeline.nodes)
        shared = shared_run_tags()
        self._shared = bool(shared) and not self._already_active_mlflow
        if self._shared:
            name = os.environ.get(SHARED_RUN_NAME_VAR) or run_name(names)
            self.mlflow_config.tracking.run.name = name
            self.mlflow_config.tracking.run.id = self._shared_run(shared, name)
        elif self._split and not self.mlflow_config.tracking.run.name:
            # Not kedro-mlflow's "__default__" for the parent of a full run.
            self.mlflow_config.tracking.run.name = run_name(names)
        super().before_pipeline_run(run_params, pipeline, catalog)
        if not self._is_mlflow_enabled:
            return
        tags = dict(self._git_tags)
        if self._split:
            tags[PIPELINES_TAG] = ",".join(sorted(namespaces))
            self._pipeline_runs = self._existing_pipeline_runs()
        elif len(namespaces) == 1:
            tags[PIPELINE_TAG] = next(iter(namespaces))
        if shared:
            # The run is the whole DAG run's, not one task's.
            tags["kedro_command"] = _generate_kedro_command(
                tags=None,
                node_names=None,
                from_nodes=None,
                to_nodes=None,
                from_inputs=None,
                load_versions=None,
                pipeline_names=names,
            )
            if "node_names" in mlflow.get_run(self.run_id).data.tags:
                mlflow.MlflowClient().delete_tag(self.run_id, "node_names")
        mlflow.set_tags(tags)

    def _shared_run(self, tags: dict[str, str], name: str) -> str:
        """The id of the run carrying ``tags``, created if there is none."""
        client = mlflow.MlflowClient()
        experiment_id = self.mlflow_config.tracking.experiment._experiment.experiment_id
        found = _oldest_run(client, experiment_id, tags)
        if found:
            logger.info("Logging into the shared MLflow run %s.", found)
            return found
        created = client.create_run(
            experiment_id, run_name=name, tags=resolve_tags(tags)
        ).info.run_id
        # Two tasks may have started at once: all of them keep the oldest run.
        kept = _oldest_run(client, experiment_id, tags) or created
        if kept != created:
            client.delete_run(created)
        return kept

    def _existing_pipeline_runs(self) -> dict[str, str]:
        """Pipeline runs already nested in the run (a resumed run keeps them)."""
        runs = mlflow.search_runs(
            experiment_ids=[mlflow.get_run(self.run_id).info.experiment_id],
            filter_string=f"tags.`{MLFLOW_PARENT_RUN_ID}` = '{self.run_id}'",
            output_format="list",
        )
        return {
            run.data.tags[PIPELINE_TAG]: run.info.run_id
            for run in runs
            if PIPELINE_TAG in run.data.tags
        }

    def _activate(self, namespace: str | None) -> None:
        """Make the run of ``namespace``'s pipeline the active MLflow run."""
        target = namespace if self._split else None
        active = mlflow.active_run()
        wanted = self._pipeline_runs.get(target) if target else self.run_id
        if active is not None and active.info.run_id == wanted:
            return
        pipelines_of = {run_id: name for name, run_id in self._pipeline_runs.items()}
        while active is not None and active.info.run_id != self.run_id:
            # Leave another pipeline's run, still running unless all its nodes ran.
            done = self._remaining[pipelines_of.get(active.info.run_id)] == 0
            mlflow.end_run(
                RunStatus.to_string(RunStatus.FINISHED if done else RunStatus.RUNNING)
            )
            active = mlflow.active_run()
        if active is None:
            # A runner's new thread: MLflow's active runs are per thread.
            mlflow.start_run(run_id=self.run_id)
        if target is None:
            return
        if wanted:
            mlflow.start_run(run_id=wanted, nested=True)
        else:
            run = mlflow.start_run(
                run_name=target,
                nested=True,
                tags={PIPELINE_TAG: target, **self._git_tags},
            )
            self._pipeline_runs[target] = run.info.run_id

    @hook_impl
    def before_node_run(
        self, node: Node, catalog: Any, inputs: dict[str, Any], is_async: bool
    ) -> None:
        if not self._is_mlflow_enabled or self.run_id is None:
            return
        self._activate(_namespace(node))
        run_id = mlflow.active_run().info.run_id
        self._log_inputs(run_id, inputs, catalog)
        self._log_params(run_id, inputs)

    def _log_inputs(self, run_id: str, inputs: dict[str, Any], catalog: Any) -> None:
        for name, data in inputs.items():
            if name not in self._raw_inputs or (run_id, name) in self._inputs_logged:
                continue
            self._inputs_logged.add((run_id, name))
            # Inferring the schema hints that integer columns cannot hold missing
            # values in a model signature; a recorded input is not a signature,
            # so the hint (on every run whose raw table has integers) is dropped.
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings(
                        "ignore", message="Hint: Inferred schema contains integer"
                    )
                    dataset = mlflow_dataset(name, data, catalog.get(name))
                    if dataset is not None:
                        mlflow.log_input(dataset, context=INPUT_CONTEXT)
            except (MlflowException, TypeError, ValueError) as error:
                logger.warning("Could not record input %s in MLflow: %s", name, error)

    def _log_params(self, run_id: str, inputs: dict[str, Any]) -> None:
        named = {
            name.removeprefix("params:"): value
            for name, value in inputs.items()
            if _is_parameter(name)
        }
        if not named:
            return
        if self.flatten:
            named = _flatten_dict(d=named, recursive=self.recursive, sep=self.sep)
        batch = {}
        for name, value in named.items():
            key = self.sanitize_param_name(name)
            text = str(value)
            if self._logged.get((run_id, key)) == text:
                continue
            self._logged[(run_id, key)] = text
            if len(text) <= MAX_PARAM_VAL_LENGTH:
                batch[key] = value
            else:
                self._log_param(key, value)
        if batch:
            mlflow.log_params(batch)

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        self._remaining[_namespace(node)] -= 1

    def _end_pipeline_runs(self, failed: bool) -> None:
        """End the pipelines' runs: finished if all their nodes ran, else failed
        (the one whose node raised) or killed (stopped by another's failure)."""
        active = mlflow.active_run()
        active_id = active.info.run_id if active else None
        while active is not None and active.info.run_id != self.run_id:
            mlflow.end_run(
                RunStatus.to_string(RunStatus.FAILED if failed else RunStatus.FINISHED)
            )
            active = mlflow.active_run()
        client = mlflow.MlflowClient()
        for name, run_id in self._pipeline_runs.items():
            if run_id == active_id:
                continue
            status = (
                RunStatus.FINISHED if self._remaining[name] <= 0 else RunStatus.KILLED
            )
            client.set_terminated(run_id, RunStatus.to_string(status))

    def _leave_shared_run(self) -> None:
        """Leave the shared run without ending it: the DAG run's next task logs
        into it and its last task ends it."""
        while mlflow.active_run() is not None:
            mlflow.end_run(RunStatus.to_string(RunStatus.RUNNING))
        logger.info("MLflow run %s stays running for the next tasks.", self.run_id)

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        if self._is_mlflow_enabled and not self._already_active_mlflow:
            self._end_pipeline_runs(failed=False)
            if self._shared:
                self._leave_shared_run()
        super().after_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def on_pipeline_error(
        self,
        error: Exception,
        run_params: dict[str, Any],
        pipeline: Pipeline,
        catalog: Any,
    ) -> None:
        if self._is_mlflow_enabled and not self._already_active_mlflow:
            self._end_pipeline_runs(failed=True)
            if self._shared:
                # A retry resumes it; the DAG's last task ends it FAILED.
                self._leave_shared_run()
                return
        super().on_pipeline_error(error, run_params, pipeline, catalog)
