"""What kedro-viz shows of the project, read from kedro-viz's own API: every dataset
in a layer, layers in the data-engineering order (kedro-viz switches layers off
for a view whose layers form a cycle), one stage tag per node, one collapsible
modular pipeline per pipeline, and table previews without 16-digit floats."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro_viz.api.rest.responses.pipelines import get_pipeline_response
from kedro_viz.api.rest.responses.utils import get_encoded_response
from kedro_viz.data_access import data_access_manager
from kedro_viz.server import load_and_populate_data

from ia_portfolio.datasets import CSVTableDataset, ParquetTableDataset
from ia_portfolio.pipeline_registry import (
    DEFAULT_PIPELINE,
    MEASURING_PIPELINES,
    pipeline_names,
)
from tests.support.project import PROJECT_ROOT

# Kedro's data-engineering layers, then the registered model the quality gate
# publishes from the reported metrics.
LAYER_ORDER = (
    "raw",
    "intermediate",
    "primary",
    "feature",
    "model_input",
    "models",
    "model_output",
    "reporting",
    "serving",
)
STAGES = {"data_preparation", "training", "evaluation", "reporting", "serving"}
VIEWS = [DEFAULT_PIPELINE, *pipeline_names()]


@pytest.fixture(scope="module")
def views() -> dict[str, dict[str, Any]]:
    """``/api/pipelines/<view>`` of every registered pipeline, as kedro-viz's
    server builds it (same data access and response code, no HTTP)."""
    data_access_manager.reset_fields()
    load_and_populate_data(PROJECT_ROOT)
    return {
        view: json.loads(get_encoded_response(get_pipeline_response(view)))
        for view in VIEWS
    }


def _data_nodes(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node in view["nodes"] if node["type"] == "data"]


def layer_problems(view: dict[str, Any]) -> list[str]:
    """Datasets without a layer, unknown layers, and datasets that feed (through a
    node) a dataset of an earlier layer; empty when kedro-viz can draw layers."""
    nodes = {node["id"]: node for node in view["nodes"]}
    problems = [
        f"{node['name']}: no layer" for node in _data_nodes(view) if not node["layer"]
    ]
    problems += [
        f"{node['name']}: unknown layer {node['layer']}"
        for node in _data_nodes(view)
        if node["layer"] and node["layer"] not in LAYER_ORDER
    ]
    children = defaultdict(set)
    for edge in view["edges"]:
        children[edge["source"]].add(edge["target"])
    rank = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    for data in _data_nodes(view):
        for task in children[data["id"]]:
            if nodes[task]["type"] != "task":
                continue
            for output in children[task]:
                later = nodes[output].get("layer")
                if data["layer"] in rank and later in rank:
                    if rank[later] < rank[data["layer"]]:
                        problems.append(
                            f"{data['name']} ({data['layer']}) -> "
                            f"{nodes[task]['name']} -> "
                            f"{nodes[output]['name']} ({later})"
                        )
    if not view["layers"]:
        problems.append("kedro-viz found a cycle between layers: layers switched off")
    return problems


def test_layer_problems_are_found():
    """The check itself: a missing layer and a backward edge are reported."""
    view = {
        "nodes": [
            {"id": "a", "type": "data", "name": "p.a", "layer": "reporting"},
            {"id": "t", "type": "task", "name": "p.fit"},
            {"id": "b", "type": "data", "name": "p.b", "layer": "models"},
            {"id": "c", "type": "data", "name": "p.c", "layer": None},
        ],
        "edges": [
            {"source": "a", "target": "t"},
            {"source": "t", "target": "b"},
            {"source": "t", "target": "c"},
        ],
        "layers": [],
    }
    assert layer_problems(view) == [
        "p.c: no layer",
        "p.a (reporting) -> p.fit -> p.b (models)",
        "kedro-viz found a cycle between layers: layers switched off",
    ]


@pytest.mark.parametrize("name", VIEWS)
def test_every_dataset_has_a_layer_and_layers_have_no_cycle(views, name):
    view = views[name]
    assert _data_nodes(view), f"{name}: no dataset in the view"
    assert not layer_problems(view), "\n".join(layer_problems(view))


@pytest.mark.parametrize("name", VIEWS)
def test_every_node_shows_one_stage_tag(views, name):
    view = views[name]
    assert STAGES <= {tag["id"] for tag in view["tags"]}
    wrong = [
        node["name"]
        for node in view["nodes"]
        if node["type"] == "task" and len(set(node["tags"]) & STAGES) != 1
    ]
    assert not wrong, f"{name}: nodes without exactly one stage tag: {wrong}"


@pytest.mark.parametrize(
    "name", [n for n in pipeline_names() if n not in MEASURING_PIPELINES]
)
def test_each_pipeline_collapses_into_its_modular_pipeline(views, name):
    """The full view starts collapsed: one box per pipeline, its nodes inside."""
    tree = views[DEFAULT_PIPELINE]["modular_pipelines"]
    top = {
        child["id"]
        for child in tree["__root__"]["children"]
        if child["type"] == "modularPipeline"
    }
    assert name in top
    tasks = [
        node
        for node in views[DEFAULT_PIPELINE]["nodes"]
        if node["type"] == "task" and node["full_name"].startswith(f"{name}.")
    ]
    assert tasks and all(node["modular_pipelines"] == [name] for node in tasks)


def test_table_previews_round_floats(tmp_path):
    """A table written for reading is previewed with at most 4 significant
    digits (the file keeps every digit)."""
    frame = pd.DataFrame({"model": ["a", "b"], "auc": [0.7234567891234567, 12345.678]})
    for dataset_type, name in (
        (CSVTableDataset, "t.csv"),
        (ParquetTableDataset, "t.pq"),
    ):
        dataset = dataset_type(filepath=str(tmp_path / name))
        dataset.save(frame)
        assert dataset.preview(nrows=5)["data"] == [["a", 0.7235], ["b", 12350.0]]
        assert dataset.load()["auc"].iloc[0] == pytest.approx(0.7234567891234567)


def _free_port(low: int = 41000, high: int = 49151) -> int:
    """A free port kedro-viz accepts: it refuses anything above 49151, where the
    system's ephemeral ports (what binding to port 0 gives) usually start."""
    for port in range(low, high):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {low} to {high}")


@pytest.mark.slow
def test_the_real_server_draws_layers_for_every_view(tmp_path):
    """``kedro viz run`` as a user starts it, its HTTP API read like the web app
    reads it (it loads the project twice, in the CLI and in its server process:
    1-2 minutes on a loaded machine)."""
    port = _free_port()
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    command = [
        sys.executable,
        "-m",
        "kedro",
        "viz",
        "run",
        "--no-browser",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = tmp_path / "kedro_viz.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # kedro viz serves from a child process
        )
    try:
        main = _get_json(f"http://127.0.0.1:{port}/api/main", server, log, 600)
        assert not layer_problems(main), layer_problems(main)
        for name in pipeline_names():
            view = _get_json(
                f"http://127.0.0.1:{port}/api/pipelines/{name}", server, log, 30
            )
            assert not layer_problems(view), (name, layer_problems(view))
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _get_json(
    url: str, server: subprocess.Popen, log: Path, timeout_s: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"kedro viz did not answer {url}:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(1)
