"""kedro-viz on this project, for real: its REST API in-process, the static site
``kedro viz build`` writes, that site drawn by headless Chromium, and dataset
previews after a real ``kedro run``.

The CLI tests work in throw-away copies of the project (``kedro viz build`` always
writes ``build/`` into the working directory, and a run writes data and an MLflow
store next to the project), so they leave the working tree untouched.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.support.project import PROJECT_ROOT, copy_project

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    # starlette's TestClient warns that httpx support is deprecated.
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]

# Nodes and datasets the scoring graph must show, by their full (namespaced) names.
SCORING_NODES = {
    "scoring.prepare_applications",
    "scoring.tune_lightgbm",
    "scoring.cross_validate_lightgbm",
    "scoring.compare_candidates",
    "scoring.refit_model",
    "scoring.evaluate_on_test",
    "scoring.build_metrics",
}
KEY_DATASETS = {"scoring.raw_applications", "scoring.model", "scoring.metrics"}
KEY_EDGES = {
    (("data", "scoring.raw_applications"), ("task", "scoring.prepare_applications")),
    (("task", "scoring.prepare_applications"), ("data", "scoring.features")),
    (("data", "scoring.x_train"), ("task", "scoring.tune_lightgbm")),
    (("task", "scoring.refit_model"), ("data", "scoring.model")),
    (("data", "scoring.model"), ("task", "scoring.evaluate_on_test")),
    (("task", "scoring.build_metrics"), ("data", "scoring.metrics")),
}
# Matplotlib figures logged through kedro_mlflow's MlflowArtifactDataset.
SCORING_PLOTS = {
    "scoring.roc_pr_curves_plot",
    "scoring.cost_vs_threshold_plot",
    "scoring.global_importance_plot",
    "scoring.local_explanations_plot",
}
# The preview run only needs outputs to exist, not good models.

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Endpoint = tuple[str, str]  # ("task", full node name) or ("data", dataset name)


# --- helpers -----------------------------------------------------------------


def _kedro(project: Path, *args: str, timeout: float) -> str:
    """Run the real ``kedro`` CLI in ``project``; its output, or fail with it."""
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "kedro", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"`kedro {' '.join(args)}` exited {result.returncode}:\n{output}")
    return output


def _viz_build(project: Path, *flags: str) -> Path:
    """``kedro viz build`` in ``project``. It reports failures but exits 0, so
    success is checked on the files it must write."""
    output = _kedro(project, "viz", "build", *flags, timeout=300)
    build = project / "build"
    if not (build / "api" / "main").is_file() or not (build / "index.html").is_file():
        pytest.fail(f"`kedro viz build` wrote no site into {build}:\n{output}")
    return build


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _short_name(node: Any) -> str:
    """The name kedro-viz draws for a node: without its namespace."""
    if node.namespace:
        return node.name.removeprefix(f"{node.namespace}.")
    return node.name


def _task_names(graph: dict) -> set[str]:
    return {n["full_name"] for n in graph["nodes"] if n["type"] == "task"}


def _data_names(graph: dict) -> set[str]:
    return {n["name"] for n in graph["nodes"] if n["type"] == "data"}


def _graph_edges(graph: dict) -> set[tuple[Endpoint, Endpoint]]:
    """The graph's dataset<->task edges by name (edges of the collapsed modular
    pipeline boxes are left out)."""
    endpoints: dict[str, Endpoint] = {}
    for node in graph["nodes"]:
        if node["type"] == "task":
            endpoints[node["id"]] = ("task", node["full_name"])
        elif node["type"] in {"data", "parameters"}:
            endpoints[node["id"]] = ("data", node["name"])
    return {
        (endpoints[edge["source"]], endpoints[edge["target"]])
        for edge in graph["edges"]
        if edge["source"] in endpoints and edge["target"] in endpoints
    }


def _pipeline_edges(pipeline: Any) -> set[tuple[Endpoint, Endpoint]]:
    """Every input -> node and node -> output edge of a Kedro pipeline. kedro-viz
    draws a transcoded dataset (``name@format``) as one node named ``name``."""

    def dataset(name: str) -> Endpoint:
        return ("data", name.split("@", 1)[0])

    edges: set[tuple[Endpoint, Endpoint]] = set()
    for node in pipeline.nodes:
        edges |= {(dataset(name), ("task", node.name)) for name in node.inputs}
        edges |= {(("task", node.name), dataset(name)) for name in node.outputs}
    return edges


def _assert_graph_matches(graph: dict, pipeline_id: str, pipeline: Any) -> None:
    assert graph["selected_pipeline"] == pipeline_id
    assert _task_names(graph) == {n.name for n in pipeline.nodes}, pipeline_id
    expected, drawn = _pipeline_edges(pipeline), _graph_edges(graph)
    assert not expected - drawn, f"{pipeline_id}: edges missing: {expected - drawn}"
    assert not drawn - expected, f"{pipeline_id}: unexpected edges: {drawn - expected}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 with a free port; its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def chromium() -> str:
    """A Chromium binary for Playwright (not downloaded: CI installs the Debian
    package). Missing tools fail the test rather than skip it."""
    executable = os.environ.get("CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Chromium is required for this end-to-end test: install it with "
            "`apt-get install -y chromium`, or point CHROMIUM_EXECUTABLE at a binary."
        )
    try:
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError:
        pytest.fail("Playwright is required: `pip install -e '.[dev]'`.")
    return executable


@pytest.fixture(scope="module")
def registered_pipelines() -> dict[str, Any]:
    """The project's registered pipelines, as Kedro itself sees them."""
    from kedro.framework.project import pipelines  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(PROJECT_ROOT)
    registered = dict(pipelines)
    assert "scoring" in registered, sorted(registered)
    assert SCORING_NODES <= {n.name for n in registered["scoring"].nodes}
    return registered


@pytest.fixture(scope="module")
def viz_client(registered_pipelines: dict[str, Any]) -> Iterator[Any]:
    """kedro-viz's FastAPI app on this project, driven in-process (no network)."""
    from fastapi.testclient import TestClient  # noqa: PLC0415
    from kedro_viz.api.apps import create_api_app_from_project  # noqa: PLC0415
    from kedro_viz.server import load_and_populate_data  # noqa: PLC0415

    load_and_populate_data(PROJECT_ROOT)
    with TestClient(create_api_app_from_project(PROJECT_ROOT)) as client:
        yield client


@pytest.fixture(scope="module")
def viz_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static site of ``kedro viz build`` on a fresh copy of the project."""
    return _viz_build(copy_project(tmp_path_factory.mktemp("viz_build")))


@pytest.fixture(scope="module")
def scored_site(trained_project: Path) -> Path:
    """``kedro viz build --include-previews`` on a project where the scoring
    pipeline has run."""
    return _viz_build(trained_project, "--include-previews")


# --- tests -------------------------------------------------------------------


def test_api_shows_every_pipeline_and_the_scoring_graph(
    viz_client: Any, registered_pipelines: dict[str, Any]
) -> None:
    response = viz_client.get("/api/main")
    assert response.status_code == 200
    main = response.json()
    assert {p["id"] for p in main["pipelines"]} == set(registered_pipelines)

    for pipeline_id, pipeline in registered_pipelines.items():
        response = viz_client.get(f"/api/pipelines/{pipeline_id}")
        assert response.status_code == 200, pipeline_id
        _assert_graph_matches(response.json(), pipeline_id, pipeline)

    scoring = viz_client.get("/api/pipelines/scoring").json()
    assert SCORING_NODES <= _task_names(scoring)
    assert KEY_DATASETS <= _data_names(scoring)
    assert KEY_EDGES <= _graph_edges(scoring)

    # A node's own endpoint knows its outputs and how to run it.
    task = next(
        n for n in scoring["nodes"] if n.get("full_name") == "scoring.refit_model"
    )
    metadata = viz_client.get(f"/api/nodes/{task['id']}").json()
    assert metadata["outputs"] == ["scoring.model"]
    assert "scoring.refit_model" in metadata["run_command"]


def test_viz_build_writes_a_static_api(
    viz_site: Path, registered_pipelines: dict[str, Any]
) -> None:
    api = viz_site / "api"
    main = _read_json(api / "main")
    assert {p["id"] for p in main["pipelines"]} == set(registered_pipelines)
    assert "scoring" in {p["id"] for p in main["pipelines"]}

    for pipeline_id, pipeline in registered_pipelines.items():
        graph = _read_json(api / "pipelines" / pipeline_id)
        _assert_graph_matches(graph, pipeline_id, pipeline)

    scoring = _read_json(api / "pipelines" / "scoring")
    assert KEY_DATASETS <= _data_names(scoring)
    # Every node the site can show has its metadata file.
    missing = [
        n["name"] for n in main["nodes"] if not (api / "nodes" / n["id"]).is_file()
    ]
    assert not missing, f"no api/nodes file for {missing}"


def test_built_site_draws_the_scoring_graph_in_chromium(
    chromium: str, viz_site: Path, registered_pipelines: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    scoring = registered_pipelines["scoring"]
    graph = _read_json(viz_site / "api" / "pipelines" / "scoring")
    task_ids = {n["id"] for n in graph["nodes"] if n["type"] == "task"}
    screenshot = tmp_path / "kedro-viz-scoring.png"
    page_errors: list[str] = []

    with _serve(viz_site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            # Nothing may leave the machine (the page asks Google for fonts).
            page.route(
                re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort()
            )
            page.goto(f"{url}/?pid=scoring&expandAllPipelines=true")
            page.wait_for_function(
                "n => document.querySelectorAll("
                "'g.pipeline-node[data-node-type=\"task\"]').length >= n",
                arg=len(task_ids),
                timeout=60_000,
            )
            drawn = page.locator("g.pipeline-node").evaluate_all(
                """nodes => nodes.map(node => ({
                    id: node.dataset.id,
                    type: node.dataset.nodeType,
                    label: node.textContent.trim(),
                    fullName: node.dataset.nodeFullname,
                }))"""
            )
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()

    tasks = [node for node in drawn if node["type"] == "task"]
    # kedro-viz 12.5 labels tasks with their bare names ("tune_lightgbm").
    assert {node["label"] for node in tasks} == {_short_name(n) for n in scoring.nodes}
    assert {node["id"] for node in tasks} == task_ids
    datasets = {node["fullName"] for node in drawn if node["type"] == "data"}
    assert KEY_DATASETS <= datasets
    assert not page_errors, page_errors
    assert screenshot.stat().st_size > 10_000, screenshot


def test_viz_build_includes_dataset_previews(scored_site: Path) -> None:
    api = scored_site / "api"
    nodes = _read_json(api / "main")["nodes"]
    datasets = {n["name"]: n for n in nodes if n["type"] == "data"}

    def metadata(name: str) -> dict:
        return _read_json(api / "nodes" / datasets[name]["id"])

    # Custom dataset with its own preview(); the catalog asks for 5 rows.
    raw = metadata("scoring.raw_applications")
    assert raw["preview_type"] == "TablePreview"
    assert len(raw["preview"]["data"]) == 5
    assert len(raw["preview"]["columns"]) == len(raw["preview"]["data"][0])

    # pandas.CSVDataset: the first rows of the written file.
    comparison = metadata("scoring.candidate_comparison")
    assert comparison["preview_type"] == "TablePreview"
    written = pd.read_csv(comparison["filepath"])
    assert comparison["preview"]["columns"] == list(written.columns)
    assert len(comparison["preview"]["data"]) == min(len(written), 10)
    # Rounded for reading (4 significant digits), the file keeps every digit.
    floats = [
        v for row in comparison["preview"]["data"] for v in row if isinstance(v, float)
    ]
    assert floats and all(v == float(f"{v:.4g}") for v in floats)

    # json.JSONDataset: the whole document, serialised.
    metrics = metadata("scoring.metrics")
    assert metrics["preview_type"] == "JSONPreview"
    assert json.loads(metrics["preview"]) == _read_json(Path(metrics["filepath"]))

    # MlflowArtifactDataset(matplotlib.MatplotlibDataset): base64 PNG of the file.
    plots = {
        name
        for name, node in datasets.items()
        if "MatplotlibDataset" in (node["dataset_type"] or "")
        and name.startswith("scoring.")  # only scoring ran in this project
    }
    assert SCORING_PLOTS <= plots
    for name in sorted(plots):
        plot = metadata(name)
        assert plot["preview_type"] == "ImagePreview", name
        png = base64.b64decode(plot["preview"])
        assert png == Path(plot["filepath"]).read_bytes(), name
        assert png.startswith(PNG_SIGNATURE), name

    # MarkdownDataset: the model card rendered to HTML, its tables included.
    card = metadata("scoring.report")
    assert card["preview_type"] == "HTMLPreview"
    assert "<h1>Model card: credit default scoring</h1>" in card["preview"]
    assert "<table>" in card["preview"]
    # Identifiers as code, as MLflow renders them: no emphasis from underscores.
    assert "<code>loan_to_income</code>" in card["preview"]
    assert "<em>" not in card["preview"]
