"""The ``chatbot`` pipeline run in memory on a small generated table and the
hand-written utterances, with the project's parameters, a two-point CRF grid and
a tiny BiLSTM: every node, no files, no MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ia_portfolio.generators.flight_requests import generate_utterances
from ia_portfolio.pipelines.chatbot import create_pipeline
from ia_portfolio.pipelines.chatbot.datasets import CitiesDataset
from ia_portfolio.pipelines.chatbot.text import SLOTS
from ia_portfolio.promotion import ModelRelease
from tests.support.in_memory import InMemoryRun, run_in_memory

NATURAL = Path(__file__).with_name("natural_utterances.jsonl")
TINY = {
    "chatbot": {
        "tagger": {"c1": [0.05], "c2": [0.01, 0.1], "max_iterations": 40},
        "neural_tagger": {"word_dims": 16, "units": 16, "max_epochs": 4},
        "intents": {"C": [10.0], "stacking": {"folds": 3}},
        "latency": {"repeats": 1},
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    return run_in_memory(
        create_pipeline(),
        {
            "raw_utterances": generate_utterances(1500, seed=3),
            "natural_utterances": pd.read_json(NATURAL, lines=True, dtype=False),
            "cities": CitiesDataset(min_population=100_000).load(),
        },
        TINY,
    )


def test_held_out_families_are_not_trained_on(run: InMemoryRun) -> None:
    train, validation, test = run["train"], run["validation"], run["test"]
    assert set(train.family).isdisjoint(test.family)
    assert set(train.family).isdisjoint(validation.family)
    assert set(validation.family).isdisjoint(test.family)
    assert set(test.intent) == set(train.intent)


def test_the_parser_chosen_on_validation_beats_the_rules_and_is_registered(
    run: InMemoryRun,
) -> None:
    metrics, choice = run["metrics"], run["parser_choice"]
    chosen = metrics["chosen_parser"]
    assert chosen == choice["chosen"]
    assert (chosen == "bilstm") == (choice["bilstm_beats_crf_share"] >= 0.95)
    assert set(choice["validation_slot_micro_f1"]) == {"crf", "bilstm", "rules"}
    served, rules = metrics["parsers"][chosen], metrics["parsers"]["rules"]
    assert served["test"]["slot_micro_f1"] > rules["test"]["slot_micro_f1"]
    assert served["hand_written"]["slot_micro_f1"] > 0.8
    assert served["hand_written"]["intent_accuracy"] > 0.7
    release = run["registered_model"]
    assert isinstance(release, ModelRelease)
    assert release.verdict.passed, release.verdict.reason
    assert release.verdict.metric == "parsers.{chosen_parser}.test.slot_micro_f1"
    assert release.tags["tagger"] == chosen
    assert release.python_model.parser.name == chosen


def test_the_neural_tagger_is_trained_with_early_stopping(run: InMemoryRun) -> None:
    training = run["neural_training"]
    assert training["kept"].sum() == 1
    kept = training[training["kept"]].iloc[0]
    assert kept.validation_loss == training.validation_loss.min()
    assert len(training) <= 4  # the tiny budget's max_epochs
    bilstm = run["metrics"]["parsers"]["bilstm"]
    assert bilstm["hand_written"]["slot_micro_f1"] > 0.3
    assert run["metrics"]["neural_tagger"]["epoch_kept"] == kept.epoch


def test_every_slot_is_scored_on_both_sets(run: InMemoryRun) -> None:
    scores = run["slot_scores"]
    assert set(scores.evaluation_set) == {"test", "hand_written"}
    assert set(scores.parser) == {"crf", "bilstm", "rules"}
    assert set(scores.slot) == {*SLOTS, "micro"}
    assert scores.f1.between(0, 1).all()
    # an exact match is also a partial one
    assert (scores.partial_f1 >= scores.f1 - 1e-9).all()
    assert len(run["hand_written"]) >= 60


def test_intents_are_chosen_on_validation_among_both_kinds(run: InMemoryRun) -> None:
    search = run["intent_search"]
    assert set(search.kind) == {"tfidf", "stacked"}
    [chosen] = search[search.chosen].itertuples()
    assert chosen.validation_accuracy == search.validation_accuracy.max()
    assert run["metrics"]["intent_classifier"]["kind"] == chosen.kind


def test_the_course_utterance_is_parsed_exactly(run: InMemoryRun) -> None:
    course = run["course_utterance"]
    assert course["parser"] == run["metrics"]["chosen_parser"]
    assert course["parsed_exactly"], course
    assert set(course["parsers"]) == {"crf", "bilstm", "rules"}
    assert run["metrics"]["course_utterance"]["values"]["budget"] == "1000 EUR"


def test_registered_pyfunc_parses_text_with_a_reference_date(run: InMemoryRun) -> None:
    model = run["registered_model"].python_model
    frame = pd.DataFrame(
        {
            "text": ["from Paris to Rome on 18 Jan", "for ten days"],
            "reference_date": ["2021-12-01", "2021-12-01"],
            "requested_slot": ["", "return_date"],
            "departure_date": ["", "2022-01-18"],
        }
    )
    output = model.predict(None, frame)
    first, second = (json.loads(values) for values in output["values"])
    assert first == {
        "origin": "Paris",
        "destination": "Rome",
        "departure_date": "2022-01-18",
    }
    assert second == {"return_date": "2022-01-28"}


def test_report_and_figures(run: InMemoryRun) -> None:
    report = run["report"]
    assert "## Results" in report and "| crf " in report and "hand_written" in report
    assert "| bilstm " in report and "Served parser" in report
    for plot in ("slot_f1_plot", "tagger_search_plot", "neural_training_plot"):
        axes = run[plot].axes[0]
        assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()
        assert axes.get_legend() is not None
    assert run["mlflow_metrics"]["hand_written.slot_micro_f1"]["step"] == 0
