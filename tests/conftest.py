"""Shared fixtures: project copies on which a pipeline has run once (helpers in
``tests/support``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.support.project import (
    FAST_CHATBOT_PARAMS,
    FAST_RECOMMENDATION_PARAMS,
    FAST_SCENE_SEGMENTATION_PARAMS,
    FAST_SCORING_PARAMS,
    FAST_SENTIMENT_PARAMS,
    copy_project,
    run_pipeline,
)

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# The files that take tens of seconds (a pipeline or models trained in a module
# fixture), longest first. They are collected first, so that the fast tier's
# workers (`--dist loadfile --no-loadscope-reorder`, see the Makefile) start
# with them and share the short files at the end, instead of one worker running
# a long file alone while the other is done.
LONGEST_FILES = (
    "tests/pipelines/sentiment/test_models.py",
    "tests/pipelines/product_insights/test_in_memory.py",
    "tests/pipelines/scene_segmentation/test_in_memory.py",
    "tests/pipelines/chatbot/test_in_memory.py",
    "tests/pipelines/sentiment/test_in_memory.py",
    "tests/pipelines/public_health/test_in_memory.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


# Twenty generated scenes of 32x64 in place of the default ones.
TINY_SCENES_CATALOG = {
    "scene_segmentation.raw_scenes": {
        "type": "ia_portfolio.pipelines.scene_segmentation.datasets."
        "GeneratedStreetScenesDataset",
        "path": "data/01_raw/scene_segmentation/generated",
        "scenes": {"train": 12, "val": 4, "test": 4},
        "height": 32,
        "width": 64,
    }
}
# One epoch on 12 scenes does not make a segmenter that beats the per-pixel
# baseline: the margin is lowered so that the tests can follow a promotion through
# the registry to the API (the gate's rule is tested in
# tests/serving/test_model_lifecycle.py; the verdict's figures in
# tests/pipelines/scene_segmentation/test_in_memory.py).
SCENE_SEGMENTATION_PROMOTED_PARAMS = {
    "scene_segmentation": {
        **FAST_SCENE_SEGMENTATION_PARAMS["scene_segmentation"],
        "promotion": {"gate": {"min_improvement": -1.0}},
    }
}


def _trained_copy(
    tmp_path_factory: pytest.TempPathFactory,
    folder: str,
    pipeline: str,
    runtime_params: dict,
    local_catalog: dict | None = None,
) -> Path:
    """A project copy (with ``local_catalog`` as ``conf/local/catalog_<pipeline>.yml``)
    on which ``kedro run --pipeline=<pipeline>`` has run once."""
    project = copy_project(tmp_path_factory.mktemp(folder))
    if local_catalog is not None:
        local = project / "conf" / "local" / f"catalog_{pipeline}.yml"
        local.write_text(yaml.safe_dump(local_catalog))
    run_pipeline(project, pipeline, runtime_params=runtime_params)
    return project


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy on which ``kedro run --pipeline=scoring`` has run once."""
    return _trained_copy(tmp_path_factory, "project", "scoring", FAST_SCORING_PARAMS)


@pytest.fixture(scope="session")
def trained_sentiment_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy on which ``kedro run --pipeline=sentiment`` has run once, with
    every model family shrunk to seconds (its MLflow store: ``<project>/mlflow.db``,
    the model registered as ``ia_portfolio_sentiment@champion``)."""
    return _trained_copy(
        tmp_path_factory, "sentiment_project", "sentiment", FAST_SENTIMENT_PARAMS
    )


@pytest.fixture(scope="session")
def trained_recommendation_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy on which ``kedro run --pipeline=recommendation`` has run once
    on the packaged MovieLens-100K with small search budgets (its MLflow store:
    ``<project>/mlflow.db``, the model registered as
    ``ia_portfolio_recommendation@champion``)."""
    return _trained_copy(
        tmp_path_factory,
        "recommendation_project",
        "recommendation",
        FAST_RECOMMENDATION_PARAMS,
    )


@pytest.fixture(scope="session")
def trained_chatbot_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy (with the hand-written utterances) on which ``kedro run
    --pipeline=chatbot`` has run once with small budgets (its MLflow store:
    ``<project>/mlflow.db``, the parser registered as
    ``ia_portfolio_chatbot@champion``)."""
    return _trained_copy(
        tmp_path_factory, "chatbot_project", "chatbot", FAST_CHATBOT_PARAMS
    )


@pytest.fixture(scope="session")
def trained_scene_segmentation_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A project copy on which ``kedro run --pipeline=scene_segmentation`` has run
    once on twenty generated 32x64 scenes (12 train, 4 val, 4 test) with tiny
    budgets, and promoted its segmenter (the registered model
    ``ia_portfolio_scene_segmentation@champion``)."""
    return _trained_copy(
        tmp_path_factory,
        "scene_segmentation_project",
        "scene_segmentation",
        SCENE_SEGMENTATION_PROMOTED_PARAMS,
        local_catalog=TINY_SCENES_CATALOG,
    )
