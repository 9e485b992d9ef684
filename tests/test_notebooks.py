"""The exploration notebooks (``notebooks/<pipeline>.ipynb``): one per pipeline,
reading only catalog entries that exist, committed without outputs, and executed
for real (nbclient) on project copies where their pipeline ran. The notebooks of
the pipelines whose run is a module fixture of their own tests are executed there
(``tests/pipelines/<pipeline>/test_pipeline.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from ia_portfolio.pipeline_registry import pipeline_names
from tests.support.notebooks import NOTEBOOKS, check_exploration, loaded_datasets
from tests.support.project import PROJECT_ROOT, data_dir

# Pipelines still being built have no notebook yet.
WITHOUT_NOTEBOOK = {"scoping"}
EXPLORED = sorted(set(pipeline_names()) - WITHOUT_NOTEBOOK)


def _catalog_patterns() -> list[re.Pattern]:
    """Every entry of the base catalog as a regex (``{x}`` matches one name part)."""
    patterns = []
    for path in sorted((PROJECT_ROOT / "conf" / "base").glob("catalog*.yml")):
        for name in yaml.safe_load(path.read_text()) or {}:
            if name.startswith("_"):
                continue
            parts = re.split(r"\{[^}]+\}", name)
            patterns.append(re.compile("[^.]+".join(map(re.escape, parts)) + "$"))
    return patterns


@pytest.mark.parametrize("pipeline", EXPLORED)
def test_every_pipeline_has_a_notebook_that_reads_its_catalog(pipeline):
    import nbformat  # noqa: PLC0415 - seconds to import: only where notebooks are read

    notebook = nbformat.read(NOTEBOOKS / f"{pipeline}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].source.strip() == "%load_ext kedro.ipython"
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    names = loaded_datasets(notebook)
    assert f"{pipeline}.metrics" in names
    patterns = _catalog_patterns()
    for name in names:
        assert name.startswith(f"{pipeline}."), name
        assert any(p.match(name) for p in patterns), f"{name} is not in the catalog"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pipeline", "fixture"),
    [
        ("scoring", "trained_project"),
        ("sentiment", "trained_sentiment_project"),
        ("recommendation", "trained_recommendation_project"),
        ("chatbot", "trained_chatbot_project"),
    ],
)
def test_the_notebook_shows_the_trained_pipelines_results(pipeline, fixture, request):
    project: Path = request.getfixturevalue(fixture)
    notebook = check_exploration(project, pipeline)
    metrics = json.loads(
        (data_dir(project) / "08_reporting" / pipeline / "metrics.json").read_text()
    )
    chosen = metrics.get("chosen_model") or metrics.get("chosen_parser")
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream"
    )
    assert f": {chosen}" in printed


@pytest.mark.slow
def test_the_scene_segmentation_notebook_runs_on_a_tiny_run(
    trained_scene_segmentation_project: Path,
) -> None:
    check_exploration(trained_scene_segmentation_project, "scene_segmentation")
