"""Shared fixtures: project copies on which a pipeline has run once (helpers in
``tests/support``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.project import (
    FAST_CHATBOT_PARAMS,
    FAST_RECOMMENDATION_PARAMS,
    FAST_SCORING_PARAMS,
    FAST_SENTIMENT_PARAMS,
    copy_project,
    run_pipeline,
)

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project copy on which ``kedro run --pipeline=scoring`` has run once."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    run_pipeline(project, "scoring", runtime_params=FAST_SCORING_PARAMS)
    yield project


@pytest.fixture(scope="session")
def trained_sentiment_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    """A project copy on which ``kedro run --pipeline=sentiment`` has run once, with
    every model family shrunk to seconds (its MLflow store: ``<project>/mlflow.db``,
    the model registered as ``ia_portfolio_sentiment@champion``)."""
    project = copy_project(tmp_path_factory.mktemp("sentiment_project"))
    run_pipeline(project, "sentiment", runtime_params=FAST_SENTIMENT_PARAMS)
    yield project


@pytest.fixture(scope="session")
def trained_recommendation_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    """A project copy on which ``kedro run --pipeline=recommendation`` has run once
    on the packaged MovieLens-100K with small search budgets (its MLflow store:
    ``<project>/mlflow.db``, the model registered as
    ``ia_portfolio_recommendation@champion``)."""
    project = copy_project(tmp_path_factory.mktemp("recommendation_project"))
    run_pipeline(project, "recommendation", runtime_params=FAST_RECOMMENDATION_PARAMS)
    yield project


@pytest.fixture(scope="session")
def trained_chatbot_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    """A project copy (with the hand-written utterances) on which ``kedro run
    --pipeline=chatbot`` has run once with small budgets (its MLflow store:
    ``<project>/mlflow.db``, the parser registered as
    ``ia_portfolio_chatbot@champion``)."""
    project = copy_project(tmp_path_factory.mktemp("chatbot_project"))
    run_pipeline(project, "chatbot", runtime_params=FAST_CHATBOT_PARAMS)
    yield project
