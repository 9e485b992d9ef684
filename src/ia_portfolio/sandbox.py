"""Throw-away copies of the project, for tests, benchmarks and demonstrations."""

from __future__ import annotations

import shutil
from pathlib import Path


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
    return destination
