"""The recommendation pipeline run for real (small budgets) on the packaged
MovieLens-100K: every candidate measured, the chosen one promoted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.support.project import champion_version, data_dir

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/recommendation")
MODELS = {"popularity", "content", "als", "bpr", "item_knn", "hybrid"}


def test_every_candidate_is_measured_on_the_test_period(
    trained_recommendation_project,
):
    reports = data_dir(trained_recommendation_project) / REPORTS
    comparison = pd.read_csv(reports / "model_comparison.csv")
    assert set(comparison["model"]) == MODELS
    overall = comparison[comparison["segment"] == "all"].set_index("model")
    assert (overall["readers"] > 50).all()  # ML-100K: 90 readers in the last 10 %
    for name in ["als", "bpr", "hybrid"]:
        assert overall.loc[name, "coverage"] > overall.loc["popularity", "coverage"]
    for name in ["metric_by_model.png", "metric_by_activity.png", "report.md"]:
        assert (reports / name).stat().st_size > 0


def test_the_chosen_model_is_promoted_after_beating_popularity(
    trained_recommendation_project,
):
    reports = data_dir(trained_recommendation_project) / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    chosen = metrics["chosen_model"]
    models = metrics["models"]
    assert models[chosen]["ndcg_at_10"] > models["popularity"]["ndcg_at_10"]
    version = champion_version(
        trained_recommendation_project, "ia_portfolio_recommendation"
    )
    assert version.tags["candidate"] == chosen
    assert version.tags["quality_gate"] == "passed"
    assert version.tags["promotion"] == "promoted"
