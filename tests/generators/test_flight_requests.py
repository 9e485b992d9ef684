"""Tests of the synthetic flight-request generator: gold spans match the text
exactly and on token boundaries, values are consistent, runs are reproducible."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ia_portfolio.generators.flight_requests import (
    COLUMNS,
    INTENTS,
    SLOTS,
    families,
    generate_dialogues,
    generate_utterances,
)
from ia_portfolio.pipelines.chatbot.text import tokenize


@pytest.fixture(scope="module")
def utterances() -> pd.DataFrame:
    return generate_utterances(3000, seed=11)


def test_schema_and_reproducibility(utterances: pd.DataFrame) -> None:
    assert list(utterances.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(
        utterances.head(200), generate_utterances(200, seed=11)
    )
    assert not generate_utterances(200, seed=12).equals(utterances.head(200))
    assert set(utterances.intent) == set(INTENTS)


def test_spans_are_the_text_at_their_offsets_on_token_boundaries(utterances) -> None:
    for row in utterances.itertuples():
        tokens = tokenize(row.text)
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        spans = json.loads(row.spans)
        for span in spans:
            assert row.text[span["start"] : span["end"]] == span["text"], row
            assert span["start"] in starts and span["end"] in ends, (row.text, span)
        assert {s["slot"] for s in spans} == set(json.loads(row.values)), row


def test_every_family_has_several_phrasings_and_one_intent() -> None:
    table = families()
    assert len(table) >= 40
    for intent in INTENTS:
        assert sum(1 for i, _ in table.values() if i == intent) >= 3, intent


def test_dates_budgets_and_cities_take_every_form(utterances) -> None:
    texts = " ".join(utterances.text)
    for form in (
        "/20",
        "-0",
        "tomorrow",
        " in ",
        "for ",
        "€",
        "$",
        "k ",
        "EUR",
        "no budget",
    ):
        assert form.lower() in texts.lower(), form
    values = [json.loads(v) for v in utterances["values"]]
    assert any(v.get("budget") == "unlimited" for v in values)
    cities = {v[s] for v in values for s in ("origin", "destination") if s in v}
    assert any(" " in city for city in cities)
    assert any(not city.isascii() for city in cities)
    assert utterances.text.str.islower().mean() > 0.1  # lower-cased utterances


def test_dialogues_end_with_a_complete_booking() -> None:
    for row in generate_dialogues(30, seed=4).itertuples():
        turns = json.loads(row.turns)
        assert turns[-1]["expect"] == "book"
        assert set(json.loads(row.booking)) == set(SLOTS)
