"""The sentiment pipeline in memory on 400 packaged human-graded tweets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ia_portfolio.pipelines.sentiment.metrics import classification_metrics
from ia_portfolio.pipelines.sentiment.pipeline import create_pipeline
from ia_portfolio.promotion import ModelRelease
from tests.support.in_memory import InMemoryRun, raw_dataset, run_in_memory

N_REVIEWS = 400
MESSAGES = Path(__file__).with_name("ood_messages.csv")
HEAVY_OUTPUTS = (
    "sentiment.word_vectors",
    "sentiment.recurrent_models",
    "sentiment.transformer_models",
)
TINY = {
    "sentiment": {
        "baselines": {"tfidf_logreg": {"tuning": {"n_trials": 3}}},
        "stacking": {"enabled": True, "tuning": {"n_trials": 3}},
    }
}
# The heavy families are left out: the stack combines VADER and TF-IDF.
MODELS = {"dummy_prior", "vader", "tfidf_logreg", "lexicon_stack"}


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
    tweets = raw_dataset("sentiment.raw_texts").load()
    sample, _ = train_test_split(
        tweets, train_size=N_REVIEWS, stratify=tweets["sentiment"], random_state=0
    )
    return run_in_memory(
        cheap,
        {
            "raw_texts": sample,
            "ood_drug_reviews": raw_dataset("sentiment.ood_drug_reviews").load(),
            "ood_messages": pd.read_csv(MESSAGES),
            "recurrent_models": {},
            "transformer_models": {},
        },
        TINY,
    )


def test_chosen_model_ranks_test_texts_better_than_chance(run: InMemoryRun) -> None:
    """On 60 test reviews the chosen model's F1 of the negative class (at a
    threshold chosen out of domain, for the stack) is within noise of the
    dummy's: whether it is served is the promotion gate's verdict, below."""
    metrics, comparison = run["metrics"], run["model_comparison"]
    assert set(comparison["model"]) == MODELS
    models = metrics["models"]
    chosen = models[metrics["chosen_model"]]
    assert models["dummy_prior"]["roc_auc"] == 0.5 < chosen["roc_auc"] <= 1
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
    assert release.verdict.passed == (
        release.verdict.value > release.verdict.baseline_value
    )
    assert release.signature.inputs.input_names() == ["text"]
    assert {"label", "probability_positive"} <= set(
        release.signature.outputs.input_names()
    )
    assert release.tags["candidate"] == metrics["chosen_model"]


def test_every_model_is_scored_out_of_domain(run: InMemoryRun) -> None:
    texts, results = run["ood_texts"], run["ood_results"]
    sizes = texts["set"].value_counts().to_dict()
    # 979 drug reviews in two published parts, the 90 neutral ones left out.
    assert sizes["drugs_gate"] + sizes["drugs_test"] == 979 - 90
    assert sizes["messages"] == len(pd.read_csv(MESSAGES))
    assert sizes["documentation"] == 3
    assert set(results["model"]) == MODELS
    assert set(results["set"]) == set(sizes)
    vader = results.set_index(["model", "set"]).loc["vader"]
    # The lexicon knows polarity words whatever the domain: well above chance.
    assert vader.loc["messages", "accuracy"] > 0.8
    assert vader.loc["drugs_test", "roc_auc"] > 0.6
    comparison = run["model_comparison"].set_index("model")
    for column in ("ood_drugs_test_f1_negative", "ood_messages_accuracy"):
        assert comparison[column].between(0, 1).all()


def test_choice_reads_the_out_of_domain_gate_not_the_reported_sets(
    run: InMemoryRun,
) -> None:
    comparison = run["model_comparison"].set_index("model")
    vader = comparison.loc["vader"]
    eligible = (
        (comparison["ood_drugs_gate_accuracy"] >= vader["ood_drugs_gate_accuracy"])
        & (
            comparison["ood_drugs_gate_f1_negative"]
            >= vader["ood_drugs_gate_f1_negative"]
        )
        & (comparison["documentation_correct"] == 3)
        & (comparison.index != "vader")  # the yardstick, never chosen
    )
    assert comparison["eligible"].tolist() == eligible.tolist()
    chosen = run["metrics"]["chosen_model"]
    passes_metrics = (
        (comparison["ood_drugs_gate_accuracy"] >= vader["ood_drugs_gate_accuracy"])
        & (
            comparison["ood_drugs_gate_f1_negative"]
            >= vader["ood_drugs_gate_f1_negative"]
        )
        & (comparison.index != "vader")
    )
    # No eligible model: those that pass the gate's metrics, else all others.
    pool = (
        comparison[eligible]
        if eligible.any()
        else comparison[passes_metrics]
        if passes_metrics.any()
        else comparison.drop("vader")
    )
    best = pool["validation_f1_negative"].max()
    assert comparison.loc[chosen, "validation_f1_negative"] >= best - 0.01
    assert run["metrics"]["chosen_model_eligible"] == bool(eligible.any())
    assert "## Out of domain" in run["report"]


def test_lexicon_stack_threshold_is_chosen_on_the_gate_set(run: InMemoryRun) -> None:
    """The stack's threshold is chosen on the gate set, among those that keep its
    (out-of-fold) validation F1 of the negative class at least the dummy's: no
    allowed threshold of the grid does better there on both the accuracy and
    the F1 of the negative class."""
    comparison = run["model_comparison"].set_index("model")
    stack, vader = comparison.loc["lexicon_stack"], comparison.loc["vader"]
    floor = comparison.loc["dummy_prior", "validation_f1_negative"]
    assert stack["validation_f1_negative"] >= floor
    margin = min(
        stack["ood_drugs_gate_accuracy"] - vader["ood_drugs_gate_accuracy"],
        stack["ood_drugs_gate_f1_negative"] - vader["ood_drugs_gate_f1_negative"],
    )
    texts = run["ood_texts"]
    gate = texts[texts["set"] == "drugs_gate"]
    proba = run["ood_predictions"].loc[gate.index, "p_positive_lexicon_stack"]
    margins = [
        min(
            m["accuracy"] - vader["ood_drugs_gate_accuracy"],
            m["f1_negative"] - vader["ood_drugs_gate_f1_negative"],
        )
        for m in (
            classification_metrics(gate["label"], proba, t)
            for t in np.arange(0.02, 0.99, 0.01)
        )
    ]
    # The best threshold of the whole grid may be ruled out by the floor.
    assert margin <= max(margins) + 1e-12
