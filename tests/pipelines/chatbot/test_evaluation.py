"""Scores of the ``chatbot`` pipeline (partial matches, the family bootstrap that
chooses the served tagger, sets without gold values) and the BIO decoding of
the neural tagger."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ia_portfolio.pipelines.chatbot.evaluation import (
    counts_f1,
    family_bootstrap_win_share,
    family_counts,
    partial_scores,
    slot_scores,
)
from ia_portfolio.pipelines.chatbot.models import (
    FlightRequestParser,
    RuleIntentModel,
    RuleSlotTagger,
)
from ia_portfolio.pipelines.chatbot.nodes import evaluate_parsers
from ia_portfolio.pipelines.chatbot.sequence import TAGS, allowed_transitions, viterbi
from ia_portfolio.pipelines.chatbot.text import build_gazetteer


def _span(slot: str, start: int, end: int, text: str = "x") -> dict:
    return {"slot": slot, "start": start, "end": end, "text": text}


def test_partial_match_counts_overlapping_spans_of_the_right_slot() -> None:
    gold = [[_span("departure_date", 5, 15), _span("origin", 20, 25)]]
    predicted = [[_span("departure_date", 8, 15), _span("destination", 20, 25)]]
    scores = partial_scores(gold, predicted)
    assert scores["departure_date"]["partial_f1"] == 1.0
    assert scores["origin"]["partial_recall"] == 0.0
    assert scores["destination"]["partial_precision"] == 0.0
    assert scores["micro"]["partial_precision"] == 0.5


def test_exact_and_partial_scores_side_by_side() -> None:
    text = "from Paris on 18 Jan 2022"
    gold = [[_span("origin", 5, 10, "Paris"), _span("departure_date", 14, 25)]]
    predicted = [[_span("origin", 5, 10, "Paris"), _span("departure_date", 14, 20)]]
    table = slot_scores([text], gold, predicted).set_index("slot")
    assert table.loc["departure_date", "f1"] == 0.0
    assert table.loc["departure_date", "partial_f1"] == 1.0
    assert table.loc["micro", "f1"] == 0.5


def test_family_counts_give_the_micro_f1() -> None:
    gold = [[_span("origin", 0, 5)], [_span("origin", 0, 5), _span("budget", 9, 12)]]
    predicted = [[_span("origin", 0, 5)], [_span("destination", 0, 5)]]
    counts = family_counts(["a", "b"], gold, predicted)
    assert counts.loc["a"].tolist() == [1, 1, 1]
    assert counts.loc["b"].tolist() == [0, 1, 2]
    assert counts_f1(counts) == 2 * 1 / (2 + 3)


def test_the_bootstrap_needs_a_win_on_most_families_not_on_one() -> None:
    families = [f"f{i}" for i in range(10)]
    steady = pd.DataFrame(
        {"hits": 8, "predicted": 10, "gold": 10}, index=pd.Index(families)
    )
    better_everywhere = steady.assign(hits=9)
    assert family_bootstrap_win_share(better_everywhere, steady, 500, seed=0) == 1.0
    # better on one big family only, worse on the nine others
    lucky = steady.assign(hits=7)
    lucky.loc["f0"] = [200, 200, 200]
    assert counts_f1(lucky) > counts_f1(steady)
    assert family_bootstrap_win_share(lucky, steady, 500, seed=0) < 0.95


def test_viterbi_never_opens_a_slot_with_an_inside_tag() -> None:
    allowed = allowed_transitions()
    inside = TAGS.index("I-origin")
    # the most probable tag alone would be I-origin at every step
    log_p = np.log(np.full((3, len(TAGS)), 0.01))
    log_p[:, inside] = np.log(0.9)
    log_p[0, TAGS.index("B-origin")] = np.log(0.5)
    path = [TAGS[i] for i in viterbi(log_p, allowed)]
    assert path == ["B-origin", "I-origin", "I-origin"]
    log_p[0] = np.log(0.01)
    log_p[0, TAGS.index("O")] = np.log(0.9)
    log_p[1, TAGS.index("B-destination")] = np.log(0.05)
    path = [TAGS[i] for i in viterbi(log_p, allowed)]
    assert not any(
        tag.startswith("I-") and prev not in (f"B-{tag[2:]}", tag)
        for prev, tag in zip(path, path[1:])
    )
    assert not path[0].startswith("I-")


def test_a_set_without_gold_values_scores_spans_and_intents_only() -> None:
    gazetteer = build_gazetteer(["Paris", "Rome"], {})
    rules = FlightRequestParser(
        "rules", RuleSlotTagger(gazetteer), RuleIntentModel(), gazetteer, "EUR"
    )
    frames_like = pd.DataFrame(
        {
            "utterance_id": ["f1"],
            "family": ["inform/U1"],
            "intent": ["inform"],
            "text": ["from Paris to Rome"],
            "requested_slot": [""],
            "reference_date": ["2016-08-15"],
            "spans": [
                json.dumps(
                    [_span("origin", 5, 10, "Paris"), _span("destination", 14, 18)]
                )
            ],
            "values": ["{}"],
        }
    )
    _, _, summary = evaluate_parsers({"rules": rules}, frames_like, frames_like)
    figures = summary["rules"]["test"]
    assert figures["slot_micro_f1"] == 1.0 and figures["intent_accuracy"] == 1.0
    assert figures["value_accuracy"] is None and figures["fully_understood"] is None
