"""Execute the exploration notebooks of ``notebooks/`` in a project copy where their
pipeline ran, as ``kedro jupyter`` opens them (working directory ``notebooks/``,
the Kedro extension loaded by the notebook's first cell)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.project import PROJECT_ROOT

# nbformat and the Jupyter client are imported where a notebook is read or run:
# nbformat's JSON-schema checks take seconds to import, and only the tests that
# read notebooks need them (not every test process that collects their files).
if TYPE_CHECKING:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CATALOG_LOAD = re.compile(r"""catalog\.load\(\s*["']([^"']+)["']""")


def loaded_datasets(notebook: nbformat.NotebookNode) -> list[str]:
    """The catalog entries a notebook reads (``catalog.load("<name>")``)."""
    return [
        name
        for cell in notebook.cells
        if cell.cell_type == "code"
        for name in CATALOG_LOAD.findall(cell.source)
    ]


def execute_notebook(
    project: Path, pipeline: str, env: str | None = None, timeout_s: int = 600
) -> nbformat.NotebookNode:
    """``notebooks/<pipeline>.ipynb`` copied into ``project`` and executed there by
    this venv's IPython kernel (``KEDRO_ENV=env``). A failing cell raises
    ``nbclient.exceptions.CellExecutionError`` with its traceback."""
    import nbformat  # noqa: PLC0415
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME  # noqa: PLC0415
    from jupyter_client.manager import KernelManager  # noqa: PLC0415
    from nbclient import NotebookClient  # noqa: PLC0415

    folder = project / "notebooks"
    folder.mkdir(exist_ok=True)
    path = folder / f"{pipeline}.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    notebook = nbformat.read(path, as_version=4)
    kernel = KernelManager(
        kernel_name=NATIVE_KERNEL_NAME, kernel_spec_manager=_this_venv_kernels()
    )
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=timeout_s,
        resources={"metadata": {"path": str(folder)}},
    )
    saved = dict(os.environ)
    os.environ["KEDRO_DISABLE_TELEMETRY"] = "1"
    os.environ.pop("MPLBACKEND", None)  # the notebook asks for inline figures
    if env:
        os.environ["KEDRO_ENV"] = env
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    nbformat.write(notebook, path)
    return notebook


def _this_venv_kernels() -> KernelSpecManager:
    """Kernel specs whose ``python3`` is this interpreter (not whichever
    ``python3`` kernel the machine has installed)."""
    from jupyter_client.kernelspec import (  # noqa: PLC0415
        NATIVE_KERNEL_NAME,
        KernelSpecManager,
    )

    manager = KernelSpecManager()
    spec = manager.get_kernel_spec(NATIVE_KERNEL_NAME)
    spec.argv[0] = sys.executable
    manager.get_kernel_spec = lambda name: spec  # type: ignore[method-assign]
    return manager


def outputs(notebook: nbformat.NotebookNode, mime: str) -> list[str]:
    """Every ``mime`` output of the code cells (``text/plain`` includes what the
    cells printed)."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and mime == "text/plain":
                found.append(output["text"])
            elif mime in output.get("data", {}):
                data = output["data"][mime]
                found.append(data if isinstance(data, str) else json.dumps(data))
    return found


def check_exploration(
    project: Path, pipeline: str, env: str | None = None
) -> nbformat.NotebookNode:
    """Execute the pipeline's notebook and check that it showed what it is for: no
    error, at least one table and one figure."""
    notebook = execute_notebook(project, pipeline, env)
    errors = [
        f"{output['ename']}: {output['evalue']}"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    assert errors == []
    assert any("<table" in html for html in outputs(notebook, "text/html")), pipeline
    assert outputs(notebook, "image/png") or outputs(
        notebook, "application/vnd.plotly.v1+json"
    ), pipeline
    return notebook
