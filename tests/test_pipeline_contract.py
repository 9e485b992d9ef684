"""Every registered pipeline keeps the shape ``docs/architecture.md`` describes, so
a newcomer who learned one finds their way in the next (and a new pipeline that
breaks the contract fails here)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from kedro.framework.project import pipelines as project_pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.pipeline import Pipeline
from kedro_datasets.matplotlib import MatplotlibDataset

from ia_portfolio.config import OUTPUT_LAYERS
from ia_portfolio.datasets import RegisteredModelDataset
from ia_portfolio.pipeline_registry import pipeline_names, register_pipelines
from tests.support.project import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "src" / "ia_portfolio" / "pipelines"
NAMES = pipeline_names()

# What each node does, the same across pipelines: every node carries exactly one
# (kedro-viz's tag filter, `kedro run --tags=training`).
STAGES = ("data_preparation", "training", "evaluation", "reporting", "serving")


bootstrap_project(PROJECT_ROOT)
# Built from each package, not read from kedro.framework.project.pipelines: an
# earlier session in the same process may have loaded only the pipelines it ran.
PIPELINES: dict[str, Pipeline] = {
    name: importlib.import_module(
        f"ia_portfolio.pipelines.{name}.pipeline"
    ).create_pipeline()
    for name in NAMES
}
SERVED = [n for n in NAMES if f"{n}.registered_model" in PIPELINES[n].all_outputs()]


@pytest.fixture(scope="module")
def catalog() -> Any:
    with KedroSession.create(project_path=PROJECT_ROOT) as session:
        return session.load_context().catalog


def _parameters(name: str) -> dict[str, Any]:
    path = PROJECT_ROOT / "conf" / "base" / f"parameters_{name}.yml"
    return yaml.safe_load(path.read_text())


def test_every_pipeline_folder_is_registered():
    project_pipelines.set_requested(None)  # as `kedro run` with no --pipeline
    registered = register_pipelines()
    assert set(NAMES) <= set(registered)
    assert len(NAMES) >= 6  # noqa: PLR2004 - the six first domains at least


@pytest.mark.parametrize("name", NAMES)
def test_files_are_where_the_contract_says(name):
    for path in (
        PACKAGE / name / "pipeline.py",
        PACKAGE / name / "README.md",
        PROJECT_ROOT / "conf" / "base" / f"parameters_{name}.yml",
        PROJECT_ROOT / "conf" / "base" / f"catalog_{name}.yml",
        PROJECT_ROOT / "tests" / "pipelines" / name / "test_in_memory.py",
    ):
        assert path.is_file(), f"{name}: {path.relative_to(PROJECT_ROOT)} is missing"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_nested_under_the_pipeline_with_seed_and_data(name):
    parameters = _parameters(name)
    assert list(parameters) == [name], "one top-level key: the pipeline's name"
    block = parameters[name]
    assert isinstance(block.get("seed"), int), f"{name}.seed: the one seed"
    assert isinstance(block.get("data"), dict), f"{name}.data: what the input means"


def _nested_seed_keys(block: Any, path: str) -> list[str]:
    if not isinstance(block, dict):
        return []
    found = [f"{path}.{key}" for key in block if key == "seed"]
    for key, value in block.items():
        found += _nested_seed_keys(value, f"{path}.{key}")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_the_seed_is_stated_once_and_given_to_nodes(name):
    """Seeded nodes take ``params:<p>.seed``: a copy interpolated into another block
    would not follow an environment that sets ``<p>.seed`` (each environment's
    parameters are resolved apart from the base)."""
    for path in sorted((PROJECT_ROOT / "conf").glob(f"*/parameters_{name}.yml")):
        text = path.read_text()
        assert f"{{{name}.seed}}" not in text, f"{path}: interpolates the seed"
        for top in (yaml.safe_load(text) or {}).values():
            copies = [
                key
                for value in (top or {}).values()
                for key in _nested_seed_keys(value, name)
            ]
            assert not copies, f"{path}: seeds besides {name}.seed: {copies}"


@pytest.mark.parametrize("name", NAMES)
def test_datasets_and_nodes_live_in_the_pipeline_namespace(name):
    pipeline = PIPELINES[name]
    assert all(node.name.startswith(f"{name}.") for node in pipeline.nodes)
    foreign = [
        dataset
        for dataset in pipeline.datasets()
        if not dataset.startswith((f"{name}.", "params:", "parameters"))
    ]
    assert not foreign, f"{name} uses datasets outside its namespace: {foreign}"
    assert all(
        p.startswith(f"params:{name}.")
        for p in pipeline.datasets()
        if p.startswith("params:")
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_node_has_exactly_one_stage_tag(name):
    wrong = {
        node.name: sorted(node.tags)
        for node in PIPELINES[name].nodes
        if len(node.tags & set(STAGES)) != 1
    }
    assert not wrong, f"{name}: nodes need one stage tag of {STAGES}: {wrong}"


@pytest.mark.parametrize("name", NAMES)
def test_every_pipeline_reports_metrics_and_a_report(name):
    outputs = PIPELINES[name].all_outputs()
    assert {f"{name}.metrics", f"{name}.mlflow_metrics", f"{name}.report"} <= outputs


@pytest.mark.parametrize("name", NAMES)
def test_outputs_follow_the_naming_and_path_conventions(name, catalog):
    for dataset_name in sorted(PIPELINES[name].all_outputs()):
        dataset = catalog.get(dataset_name)
        if isinstance(dataset, MatplotlibDataset):
            assert dataset_name.endswith("_plot"), f"{dataset_name}: plots end in _plot"
        filepath = getattr(dataset, "_filepath", None)
        if filepath is None:
            continue
        relative = Path(str(filepath)).relative_to(PROJECT_ROOT / "data")
        assert relative.parts[0] in OUTPUT_LAYERS, f"{dataset_name}: {relative}"
        assert relative.parts[1] == name, f"{dataset_name}: {relative}"


def test_the_served_pipelines_are_found():
    assert {"scoring", "sentiment"} <= set(SERVED)


@pytest.mark.parametrize("name", SERVED)
def test_a_served_model_is_registered_through_the_catalog_with_a_gate(name, catalog):
    registered = catalog.get(f"{name}.registered_model")
    assert isinstance(registered, RegisteredModelDataset)
    assert registered.registered_model_name == f"ia_portfolio_{name}"
    assert registered.alias == "champion"
    gate = _parameters(name)[name]["promotion"]["gate"]
    assert {"metric", "baselines", "greater_is_better"} <= set(gate)
