"""Pipelines run in memory: the real nodes on tiny inputs, with no project copy,
no Kedro session, no files and no MLflow store.

A test gives the pipeline, its raw inputs and smaller budgets::

    run = run_in_memory(
        create_pipeline(),
        {"raw_trees": raw_dataset("smart_city.raw_trees", n_rows=300).load()},
        {"smart_city": {"plots": {"sample_size": 100}}},
    )
    run["metrics"]  # any dataset of the run, named without the namespace
"""

from __future__ import annotations

import contextlib
import functools
import operator
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import yaml
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner
from omegaconf import OmegaConf

from ia_portfolio.hooks import runtime_param_problems
from ia_portfolio.pipeline_registry import pipeline_names
from tests.support.project import PROJECT_ROOT

BASE_CONF = PROJECT_ROOT / "conf" / "base"
PARAMS_PREFIX = "params:"


def raw_dataset(name: str, **overrides: Any) -> AbstractDataset:
    """The dataset ``name`` as ``conf/base/catalog_<pipeline>.yml`` declares it, with
    some of its arguments replaced (e.g. ``n_rows`` of a generator)."""
    pipeline = name.split(".", maxsplit=1)[0]
    catalog = yaml.safe_load((BASE_CONF / f"catalog_{pipeline}.yml").read_text())
    return AbstractDataset.from_config(name, {**catalog[name], **overrides})


def pipeline_parameters(
    pipeline: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``conf/base/parameters_<pipeline>.yml`` with ``overrides`` merged key by key,
    then its ``${...}`` references resolved (as Kedro does, after ``--params``).

    ``overrides`` has the shape of ``kedro run --params`` (``{pipeline: {...}}``)
    and is checked like it, so a misspelt budget fails instead of being ignored.
    """
    configured = yaml.safe_load((BASE_CONF / f"parameters_{pipeline}.yml").read_text())
    overrides = dict(overrides or {})
    problems = runtime_param_problems(overrides, configured, pipeline_names(), set())
    if problems:
        raise ValueError("Wrong parameter overrides: " + "; ".join(problems))
    return OmegaConf.to_container(OmegaConf.merge(configured, overrides), resolve=True)


@dataclass(frozen=True)
class InMemoryRun:
    """The catalog after a run; ``run["metrics"]`` loads ``<namespace>.metrics``."""

    namespace: str
    catalog: DataCatalog

    def __getitem__(self, name: str) -> Any:
        return self.catalog.load(f"{self.namespace}.{name}")


def _namespace(pipeline: Pipeline) -> str:
    namespaces = {node.namespace.split(".")[0] for node in pipeline.nodes}
    if len(namespaces) != 1:
        raise ValueError(f"Expected one pipeline's nodes, got namespaces {namespaces}.")
    return namespaces.pop()


def _parameter(parameters: Mapping[str, Any], name: str) -> Any:
    """The value of ``params:<dotted.key>`` in the nested ``parameters``."""
    key = name.removeprefix(PARAMS_PREFIX)
    try:
        return functools.reduce(operator.getitem, key.split("."), parameters)
    except (KeyError, TypeError) as error:
        raise KeyError(f"A node reads '{name}', which is not configured.") from error


@contextlib.contextmanager
def _untracked() -> Iterator[None]:
    """Run in an empty temporary folder with MLflow pointed at a store there; fail
    if a run is active (nodes log into an active run) or if anything was written."""
    if mlflow.active_run() is not None:
        raise RuntimeError("An MLflow run is active: the nodes would log into it.")
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    with tempfile.TemporaryDirectory(prefix="in_memory_run_") as folder:
        workdir = Path(folder)
        mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")
        try:
            with contextlib.chdir(workdir):
                yield
        finally:
            while (
                mlflow.active_run()
            ):  # started by a node: closed in the folder's store
                mlflow.end_run()
            mlflow.set_tracking_uri(previous)  # None: back to MLflow's default store
        written = sorted(str(path.relative_to(workdir)) for path in workdir.rglob("*"))
    if written:
        raise AssertionError(f"An in-memory run wrote files: {written}")


class _KeptDataset(MemoryDataset):
    """A ``MemoryDataset`` that keeps its data when the runner releases it, so that
    the test can read every dataset of the run afterwards."""

    def _release(self) -> None:
        pass


def run_in_memory(
    pipeline: Pipeline,
    inputs: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
) -> InMemoryRun:
    """Run ``pipeline`` with ``SequentialRunner`` on a catalog of ``MemoryDataset``s.

    ``inputs`` holds the raw inputs by name without the namespace; the parameters
    each node reads come from ``conf/base/parameters_<namespace>.yml`` with
    ``overrides``; every other dataset lives in memory, so datasets backed by files
    or MLflow are never touched. The run happens in an empty temporary folder with
    MLflow pointed there, and fails if it wrote anything.
    """
    namespace = _namespace(pipeline)
    parameters = pipeline_parameters(namespace, overrides)
    given = {f"{namespace}.{name}": data for name, data in inputs.items()}
    if unknown := set(given) - pipeline.inputs():
        raise ValueError(f"{sorted(unknown)} are not inputs of the pipeline.")
    catalog = DataCatalog()
    for name in pipeline.datasets():
        if name.startswith(PARAMS_PREFIX):
            catalog[name] = MemoryDataset(_parameter(parameters, name))
        elif name in given:
            catalog[name] = MemoryDataset(given[name])
        else:
            catalog[name] = _KeptDataset()
    with _untracked():
        SequentialRunner().run(pipeline, catalog)
    return InMemoryRun(namespace, catalog)
