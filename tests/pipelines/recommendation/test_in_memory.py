"""The ``recommendation`` pipeline run in memory on a tiny click log with two
tastes (``clicks.py``) and the project's parameters with small budgets: every
node, no files, no MLflow."""

from __future__ import annotations

import pandas as pd
import pytest

from ia_portfolio.pipelines.recommendation import create_pipeline
from ia_portfolio.pipelines.recommendation.serving_model import (
    FALLBACK,
    requests_frame,
)
from ia_portfolio.promotion import ModelRelease
from tests.pipelines.recommendation.clicks import (
    COMEDY,
    NEW_SCIFI,
    SCIFI,
    raw_interactions,
    raw_items,
)
from tests.support.in_memory import InMemoryRun, run_in_memory

CANDIDATES = ["popularity", "content", "als", "bpr", "item_knn", "hybrid"]
SMALL = {
    "recommendation": {
        "evaluation": {"cold_user_max_clicks": 9, "activity_bins": [1, 10, 20, 100]},
        "candidates": {
            name: {"tuning": {"n_trials": 2}}
            for name in ["popularity", "als", "bpr", "item_knn", "hybrid"]
        },
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    return run_in_memory(
        create_pipeline(),
        {"raw_interactions": raw_interactions(), "raw_items": raw_items()},
        SMALL,
    )


def test_no_click_of_a_later_period_reaches_an_earlier_one(run: InMemoryRun) -> None:
    train, validation, test = run["train"], run["validation"], run["test"]
    assert train["timestamp"].max() < validation["timestamp"].min()
    assert validation["timestamp"].max() < test["timestamp"].min()
    assert len(train) + len(validation) + len(test) == len(run["interactions"])
    keys = ["user_id", "item_id", "timestamp"]
    earlier = pd.concat([train, validation])[keys]
    assert earlier.merge(test[keys]).empty
    assert NEW_SCIFI not in set(earlier["item_id"])  # a new item of the test period


def test_every_candidate_is_measured_by_segment(run: InMemoryRun) -> None:
    comparison = run["model_comparison"]
    assert sorted(comparison["model"].unique()) == sorted(CANDIDATES)
    assert set(comparison["segment"]) == {"all", "cold_users", "new_items"}
    overall = comparison[comparison["segment"] == "all"].set_index("model")
    assert (overall["readers"] > 0).all()
    for column in ["hr_at_10", "ndcg_at_10", "map_at_10", "coverage", "novelty"]:
        assert overall[column].between(0, 100).all(), column


def test_personal_models_beat_popularity_on_two_clear_tastes(
    run: InMemoryRun,
) -> None:
    models = run["metrics"]["models"]
    for name in ["als", "item_knn", "content"]:
        assert models[name]["ndcg_at_10"] > models["popularity"]["ndcg_at_10"], name


def test_only_content_models_reach_the_new_item(run: InMemoryRun) -> None:
    new_items = run["model_comparison"].query("segment == 'new_items'")
    hits = new_items.set_index("model")["hr_at_10"]
    assert hits["popularity"] == 0 and hits["als"] == 0 and hits["item_knn"] == 0
    assert hits["content"] > 0


def test_metrics_name_the_choice_and_the_protocol(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    tuning = run["tuning_results"]
    best = max(tuning, key=lambda n: tuning[n]["validation"]["ndcg_at_10"])
    assert metrics["chosen_model"] == best
    assert "full-catalogue" in metrics["protocol"]
    assert run["mlflow_metrics"]["test_ndcg_at_10"]["step"] == 0


def test_report_and_figures(run: InMemoryRun) -> None:
    report = run["report"]
    for section in ["## Protocol", "## Comparison (test period)", "## Chosen model"]:
        assert section in report
    for name in ["metric_by_model_plot", "metric_by_activity_plot"]:
        axes = run[name].axes[0]
        assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()
        assert axes.get_legend().get_texts()


def test_release_answers_known_anonymous_and_unknown_readers(
    run: InMemoryRun,
) -> None:
    release = run["registered_model"]
    assert isinstance(release, ModelRelease)
    model = release.python_model
    chosen = run["metrics"]["chosen_model"]
    known = model.recommend(2, [], 5)
    assert known.source == chosen and known.known_user
    assert len(known.item_ids) == 5 and len(known.titles) == 5
    anonymous = model.recommend(None, [SCIFI[0], 12345], 5)
    assert anonymous.source == chosen and not anonymous.known_user
    assert anonymous.unknown_item_ids == [12345]
    assert SCIFI[0] not in anonymous.item_ids
    stranger = model.recommend(777, [], 3)
    assert stranger.source == FALLBACK and not stranger.known_user
    frame = model.predict(None, requests_frame([2, None], [[], [COMEDY[0]]], 4))
    assert [len(ids) for ids in frame["item_ids"]] == [4, 4]
    assert release.verdict.metric == "models.{chosen_model}.ndcg_at_10"
