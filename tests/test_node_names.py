"""Every pipeline is namespaced by its name and names each node after the function it
runs, so a node in a log, kedro-viz or an Airflow task leads to its code."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from kedro.pipeline import Pipeline

from ia_portfolio.pipeline_registry import pipeline_names


def _pipeline(name: str) -> Pipeline:
    return importlib.import_module(f"ia_portfolio.pipelines.{name}").create_pipeline()


@pytest.mark.parametrize("name", pipeline_names())
def test_nodes_are_namespaced_and_named_after_their_function(name: str) -> None:
    pipeline = _pipeline(name)
    runs = Counter(node.func for node in pipeline.nodes)
    for node in pipeline.nodes:
        assert node.namespace == name, node.name
        short_name = node.name.removeprefix(f"{name}.")
        function = node.func.__name__
        if runs[node.func] == 1:
            assert short_name == function
        else:
            # One function run once per item (e.g. `tune_candidate` per candidate):
            # the item replaces the object of the verb, `tune_lightgbm`.
            assert short_name.split("_")[0] == function.split("_")[0], node.name
