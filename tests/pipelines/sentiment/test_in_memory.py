"""The sentiment pipeline in memory on 400 packaged fine-food reviews."""

from __future__ import annotations

import pytest
from sklearn.model_selection import train_test_split

from ia_portfolio.pipelines.sentiment.pipeline import create_pipeline
from ia_portfolio.promotion import ModelRelease
from tests.support.in_memory import InMemoryRun, raw_dataset, run_in_memory

N_REVIEWS = 400
HEAVY_OUTPUTS = (
    "sentiment.word_vectors",
    "sentiment.recurrent_models",
    "sentiment.transformer_models",
)
TINY = {"sentiment": {"baselines": {"tfidf_logreg": {"tuning": {"n_trials": 3}}}}}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    """Every node but those that train the heavy families (gensim word vectors,
    TensorFlow BiGRU, MiniLM), which take tens of seconds even shrunk: they are
    given as families without candidates. The baselines, the comparison, the
    reports and the registration of the chosen model (``register_model``) run for
    real; the heavy families are tested on their own in ``test_models.py`` and
    within the whole pipeline in ``test_pipeline.py``."""
    pipeline = create_pipeline()
    cheap = pipeline - pipeline.only_nodes_with_outputs(*HEAVY_OUTPUTS)
    reviews = raw_dataset("sentiment.raw_texts").load()
    sample, _ = train_test_split(
        reviews, train_size=N_REVIEWS, stratify=reviews["score"], random_state=0
    )
    return run_in_memory(
        cheap,
        {"raw_texts": sample, "recurrent_models": {}, "transformer_models": {}},
        TINY,
    )


def test_chosen_model_beats_the_dummy_on_test(run: InMemoryRun) -> None:
    metrics, comparison = run["metrics"], run["model_comparison"]
    assert set(comparison["model"]) == {"dummy_prior", "tfidf_logreg"}
    models = metrics["models"]
    chosen = models[metrics["chosen_model"]]
    assert chosen["f1_negative"] > models["dummy_prior"]["f1_negative"]
    assert 0.5 < chosen["roc_auc"] <= 1
    sizes = metrics["split_sizes"]
    assert sum(sizes.values()) == len(run["corpus"]) <= N_REVIEWS
    assert f"## Chosen model: `{metrics['chosen_model']}`" in run["report"]


def test_registered_release_serves_texts_with_the_gate_verdict(
    run: InMemoryRun,
) -> None:
    release, metrics = run["registered_model"], run["metrics"]
    assert isinstance(release, ModelRelease)
    models = metrics["models"]
    assert release.verdict.value == models[metrics["chosen_model"]]["f1_negative"]
    assert release.verdict.baseline_value == models["dummy_prior"]["f1_negative"]
    assert release.verdict.passed
    assert release.signature.inputs.input_names() == ["text"]
    assert {"label", "probability_positive"} <= set(
        release.signature.outputs.input_names()
    )
    assert release.tags["candidate"] == metrics["chosen_model"]
