"""The `original` environment end to end: a small file in Sentiment140's format and
a GloVe-format vectors file, through the same pipeline (MiniLM fine-tuning on)."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from tests.pipelines.sentiment.conftest import separable_corpus
from tests.support.project import (
    FAST_SENTIMENT_PARAMS,
    champion_version,
    copy_project,
    data_dir,
    run_pipeline,
)

pytestmark = pytest.mark.slow

# The shared fast budgets, smaller still, with fine-tuning switched on.
TINY = {
    "sentiment": {
        **FAST_SENTIMENT_PARAMS["sentiment"],
        "data": {"sample_size": 300},
        "transformer": {
            "frozen": {"enabled": True, "max_length": 16, "tuning": {"n_trials": 1}},
            "fine_tuning": {
                "enabled": True,
                "max_epochs": 1,
                "batch_size": 32,
                "max_length": 16,
                "evaluations_per_epoch": 1,
            },
        },
        "latency": {"n_texts": 3},
    }
}


def _write_sentiment140(path: Path, n_tweets: int) -> None:
    corpus = separable_corpus(n_tweets, seed=5)
    raw = pd.DataFrame(
        {
            "target": corpus["label"] * 4,
            "id": np.arange(n_tweets) + 1467810369,
            "date": "Mon Apr 06 22:19:45 PDT 2009",
            "flag": "NO_QUERY",
            "user": [f"user_{i}" for i in range(n_tweets)],
            "text": corpus["text"]
            + [f" @friend{i} \xe9t\xe9" for i in range(n_tweets)],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    raw.to_csv(path, header=False, index=False, encoding="ISO-8859-1")


def _write_glove(path: Path, words: list[str], dims: int) -> None:
    rng = np.random.default_rng(0)
    lines = [" ".join([w, *(f"{v:.4f}" for v in rng.normal(size=dims))]) for w in words]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def original_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("sentiment_original"))
    raw = project / "data/01_raw/sentiment"
    _write_sentiment140(raw / "training.1600000.processed.noemoticon.csv", 500)
    _write_glove(
        raw / "glove.twitter.27B.100d.txt", ["great", "awful", "the", "tea"], 12
    )
    run_pipeline(project, "sentiment", env="original", runtime_params=TINY)
    return project


def test_original_env_samples_tweets_and_adds_glove_and_fine_tuned_models(
    original_project,
):
    reports = data_dir(original_project, "original") / "08_reporting/sentiment"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert sum(metrics["split_sizes"].values()) <= 300  # the configured sample
    assert {"bigru_glove", "minilm_finetuned"} <= set(metrics["models"])
    assert metrics["models"]["tfidf_logreg"]["f1_negative"] > 0.9  # separable tweets
    # Registered and served under the environment's name, never the default one.
    champion = champion_version(original_project, "ia_portfolio_sentiment-original")
    assert champion.tags["candidate"] == metrics["chosen_model"]
    client = mlflow.MlflowClient(f"sqlite:///{original_project / 'mlflow.db'}")
    assert not client.search_registered_models("name='ia_portfolio_sentiment'")
