"""``kedro pipeline create <name>`` makes a pipeline of the project's shape from
``templates/pipeline``: exactly the files every pipeline has, code that passes the
project's lint and node-name rules, a test that passes, and a pipeline that
``kedro run`` runs with its own catalog."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT, copy_project, data_dir

pytestmark = pytest.mark.slow

NAME = "demo_pipeline"
PACKAGE = Path("src/ia_portfolio/pipelines") / NAME
TESTS = Path("tests/pipelines") / NAME
MODULES = ("__init__.py", "nodes.py", "pipeline.py", "plots.py", "report.py")
GENERATED = {
    *(PACKAGE / module for module in MODULES),
    PACKAGE / "README.md",
    TESTS / "__init__.py",
    TESTS / "test_in_memory.py",
    Path(f"conf/base/parameters_{NAME}.yml"),
    Path(f"conf/base/catalog_{NAME}.yml"),
}
# Where runs write: not part of what `kedro pipeline create` makes.
RUN_OUTPUTS = {"data", "mlruns", "mlflow.db"}
README_HEADINGS = [
    "## What it does",
    "## Data",
    "## Method",
    f"## Outputs (`data/08_reporting/{NAME}/`)",
    "## Results",
    "## Serving",
    "## Limits",
]
# What the generated test needs besides the generated files: the package it imports
# (the copy's own, so that it contains the new pipeline) and the shared test helpers.
COPIED = (
    "templates",
    "src/ia_portfolio",
    "tests/__init__.py",
    "tests/pipelines/__init__.py",
    "tests/support",
    "tests/test_node_names.py",
)


def _tool(name: str) -> str:
    """An executable of this interpreter's environment (kedro, ruff)."""
    return str(Path(sys.executable).with_name(name))


def _run(project: Path, *command: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(project / "src"),
    }
    result = subprocess.run(
        command,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def _copy(relative: str, project: Path) -> None:
    source, target = PROJECT_ROOT / relative, project / relative
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with its own package, in which the pipeline was created."""
    project = copy_project(tmp_path_factory.mktemp("template"))
    for relative in COPIED:
        _copy(relative, project)
    _run(project, _tool("kedro"), "pipeline", "create", NAME)
    return project


def test_creates_exactly_the_files_of_a_pipeline(project: Path) -> None:
    files = (path.relative_to(project) for path in project.rglob("*"))
    named = {
        path
        for path in files
        if NAME in str(path)
        and "__pycache__" not in path.parts
        and path.parts[0] not in RUN_OUTPUTS
        and (project / path).is_file()
    }
    # Kedro's own skeleton would also leave `config/` and `tests/` in the package.
    assert named == GENERATED
    readme = (project / PACKAGE / "README.md").read_text()
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings == README_HEADINGS
    parameters = (project / f"conf/base/parameters_{NAME}.yml").read_text()
    assert parameters.startswith(f"{NAME}:\n  seed: ")
    assert "\n  data:\n" in parameters


def test_generated_code_passes_lint_and_node_name_rules(project: Path) -> None:
    _run(project, _tool("ruff"), "check", str(PACKAGE), str(TESTS))
    _run(project, _tool("ruff"), "format", "--check", str(PACKAGE), str(TESTS))
    node_names = "tests/test_node_names.py"
    result = _run(project, sys.executable, "-m", "pytest", node_names, "-k", NAME)
    assert "1 passed" in result.stdout


def test_generated_test_passes(project: Path) -> None:
    generated_test = str(TESTS / "test_in_memory.py")
    result = _run(project, sys.executable, "-m", "pytest", generated_test)
    assert "3 passed" in result.stdout


def test_kedro_run_writes_every_output_of_the_catalog(project: Path) -> None:
    _run(project, _tool("kedro"), "run", f"--pipeline={NAME}")
    outputs = data_dir(project)
    assert (outputs / "03_primary" / NAME / "table.parquet").is_file()
    reports = outputs / "08_reporting" / NAME
    for name in ("group_summary.csv", "value_by_group.png", "report.md"):
        assert (reports / name).stat().st_size > 100, name
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["rows"] == 150 and metrics["groups"] == 3
