"""The `original` environment end to end: small Globo-shaped files (hourly click
files read as partitions, articles joined with their pickled embeddings) through
the same pipeline, into the same canonical tables."""

from __future__ import annotations

import json

import mlflow
import pandas as pd
import pytest

from ia_portfolio.generators.globo import write_files
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

MODEL_NAME = "ia_portfolio_recommendation-original"

TINY = {
    "recommendation": {
        "candidates": {
            name: {"tuning": {"n_trials": 1}}
            for name in ["popularity", "als", "bpr", "item_knn", "hybrid"]
        }
    }
}


@pytest.fixture(scope="module")
def globo_project(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("globo_project"))
    write_files(project / "data/01_raw/globo", 15_000, seed=0)
    run_pipeline(project, "recommendation", env="original", runtime_params=TINY)
    return project


def test_globo_files_become_the_canonical_tables(globo_project):
    primary = data_dir(globo_project, "original") / "03_primary/recommendation"
    interactions = pd.read_parquet(primary / "interactions.parquet")
    items = pd.read_parquet(primary / "items.parquet")
    assert list(interactions.columns) == ["user_id", "item_id", "timestamp"]
    clicks = pd.concat(
        pd.read_csv(path)
        for path in (globo_project / "data/01_raw/globo/clicks").glob("*.csv")
    )
    seconds = clicks.assign(second=clicks["click_timestamp"] // 1000)
    expected = seconds.drop_duplicates(["user_id", "click_article_id", "second"])
    assert len(interactions) == len(expected)  # one click per reader, item, second
    assert interactions["timestamp"].between(1.5e9, 1.6e9).all()  # ms -> s
    assert list(items.columns) == ["item_id", "title", "category", "published_at"]
    vectors = pd.read_parquet(
        data_dir(globo_project, "original")
        / "04_feature/recommendation/item_vectors.parquet"
    )
    assert vectors.shape == (len(items), 1 + 250)  # Globo's own embeddings


def test_every_candidate_is_measured_and_the_gate_decides(globo_project):
    """The chosen model is registered either way; it is promoted only if its test
    NDCG@10 beats popularity's (on these tiny files it may not)."""
    reports = data_dir(globo_project, "original") / "08_reporting/recommendation"
    metrics = json.loads((reports / "metrics.json").read_text())
    models = metrics["models"]
    assert set(models) == {
        "popularity", "content", "als", "bpr", "item_knn", "hybrid"
    }  # fmt: skip
    client = mlflow.MlflowClient(f"sqlite:///{globo_project / 'mlflow.db'}")
    [version] = client.search_model_versions(f"name='{MODEL_NAME}'")
    assert version.tags["candidate"] == metrics["chosen_model"]
    beats = (
        models[metrics["chosen_model"]]["ndcg_at_10"]
        > (models["popularity"]["ndcg_at_10"])
    )
    assert version.tags["quality_gate"] == ("passed" if beats else "failed")
    aliases = client.get_registered_model(MODEL_NAME).aliases
    assert ("champion" in aliases) == beats
