"""The whole text_analytics pipeline in memory on the packaged UDHR excerpts of six
languages in five scripts, with the offline models."""

from __future__ import annotations

import pytest

from ia_portfolio.pipelines.text_analytics.pipeline import create_pipeline
from tests.support.in_memory import InMemoryRun, raw_dataset, run_in_memory

LANGUAGES = ["en_Latn", "fr_Latn", "ru_Cyrl", "ar_Arab", "zh_Hans", "ja_Jpan"]


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    corpus = raw_dataset("text_analytics.raw_corpus", languages=LANGUAGES).load()
    return run_in_memory(
        create_pipeline(), {"raw_corpus": corpus, "azure_credentials": None}
    )


def test_local_models_detect_every_language(run: InMemoryRun) -> None:
    local = run["metrics"]["local"]
    assert local["n_languages"] == len(LANGUAGES) and local["n_errors"] == 0
    assert local["accuracy"] >= 0.9 and local["macro_f1"] >= 0.9
    predictions = run["predictions"]
    assert len(predictions) == local["n_documents"] == len(run["corpus"])
    assert predictions["correct"].mean() == pytest.approx(local["accuracy"])
    assert run["mlflow_metrics"]["local_accuracy"]["value"] == local["accuracy"]


def test_key_phrases_for_a_sample_of_each_language(run: InMemoryRun) -> None:
    table = run["key_phrases"]
    assert (table.groupby("language").size() == 2).all()  # sample.per_language
    english = table[table["language"] == "en"]
    assert english["sentiment"].isin(["positive", "neutral", "negative"]).all()
    spaced = table[~table["language"].isin(["zh", "ja"])]
    assert spaced["key_phrases"].notna().all()
    assert "| local " in run["report"]
