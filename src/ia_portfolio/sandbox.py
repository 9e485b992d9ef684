"""Throw-away copies of the project, for tests, benchmarks and demonstrations."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

PROJECT_ROOT_PREFIX = "${project_root:}/"


def copy_project(source: Path, destination: Path) -> Path:
    """A copy of ``source``'s configuration with empty data folders.

    The package itself stays the installed one (``src/`` is empty), so a
    ``kedro run`` in the copy writes its ``data/``, ``mlflow.db`` and ``mlruns/``
    there and nowhere else. Local configuration (credentials) is not copied.
    """
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "pyproject.toml", destination)
    shutil.copytree(
        source / "conf", destination / "conf", ignore=shutil.ignore_patterns("local")
    )
    (destination / "conf" / "local").mkdir()
    (destination / "src").mkdir()
    (destination / "data").mkdir()
    for path in hand_written_inputs(source):
        (destination / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / path, destination / path)
    return destination


def hand_written_inputs(source: Path) -> list[Path]:
    """Files kept with the tests that the base catalog reads (hand-written
    evaluation texts), relative to the project."""
    found = []
    for catalog in sorted((source / "conf" / "base").glob("catalog_*.yml")):
        for entry in (yaml.safe_load(catalog.read_text()) or {}).values():
            path = entry.get("filepath", "") if isinstance(entry, dict) else ""
            if path.startswith(f"{PROJECT_ROOT_PREFIX}tests/"):
                found.append(Path(path.removeprefix(PROJECT_ROOT_PREFIX)))
    return found
