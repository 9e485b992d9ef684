"""The `original` environment's reader: a tiny hand-made ``frames.json`` in
Maluuba Frames' format, read through the `original` catalog entry into the
pipeline's utterance table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.io import AbstractDataset

from ia_portfolio.pipelines.chatbot.frames import frames_utterances, locate_values
from ia_portfolio.pipelines.chatbot.nodes import prepare_utterances
from ia_portfolio.validation import validate_dataframe
from tests.support.project import PROJECT_ROOT

ORIGINAL_CATALOG = PROJECT_ROOT / "conf" / "original" / "catalog_chatbot.yml"
AUGUST_2016 = 1471272019730.0  # 2016-08-15 14:40 UTC, in milliseconds


def _turn(author: str, text: str, *acts: tuple[str, dict[str, str | None]]) -> dict:
    return {
        "author": author,
        "text": text,
        "timestamp": AUGUST_2016,
        "labels": {
            "acts": [
                {
                    "name": name,
                    "args": [{"key": key, "val": val} for key, val in args.items()],
                }
                for name, args in acts
            ],
            "active_frame": 1,
        },
    }


FRAMES = [
    {
        "id": "d1",
        "user_id": "U1",
        "wizard_id": "W1",
        "labels": {"userSurveyRating": 4.0, "wizardSurveyTaskSuccessful": True},
        "turns": [
            _turn(
                "user",
                "Hi! I'd like to go from Toronto to PUNTA CANA on august 13, budget 2500",
                ("greeting", {}),
                (
                    "inform",
                    {
                        "or_city": "Toronto",
                        "dst_city": "Punta Cana",
                        "str_date": "august 13",
                        "budget": "2500",
                        "n_adults": "2",
                    },
                ),
            ),
            _turn(
                "wizard",
                "When would you like to come back?",
                ("request", {"end_date": None}),
            ),
            _turn("user", "the 20th", ("inform", {"end_date": "20th"})),
            _turn("wizard", "I have a package for you.", ("offer", {})),
            _turn("user", "no, that's too expensive", ("negate", {})),
            # "Gotham" is not in the text: this turn is counted and dropped.
            _turn("user", "What about Metropolis?", ("inform", {"dst_city": "Gotham"})),
            _turn("user", "thanks, bye", ("thankyou", {}), ("goodbye", {})),
        ],
    },
    {
        "id": "d2",
        "user_id": "U2",
        "wizard_id": "W1",
        "labels": {"userSurveyRating": 3.0, "wizardSurveyTaskSuccessful": False},
        "turns": [
            # "Tor" is inside "Toronto" only: not on token boundaries, dropped.
            _turn("user", "Toronto please", ("inform", {"or_city": "Tor"})),
            _turn("user", "hello", ("greeting", {})),
            _turn("user", "", ("inform", {})),
        ],
    },
]


@pytest.fixture
def frames_file(tmp_path: Path) -> Path:
    path = tmp_path / "frames" / "frames.json"
    path.parent.mkdir()
    path.write_text(json.dumps(FRAMES), encoding="utf-8")
    return path


@pytest.fixture
def table(frames_file: Path) -> pd.DataFrame:
    config = yaml.safe_load(ORIGINAL_CATALOG.read_text())["chatbot.raw_utterances"]
    dataset = AbstractDataset.from_config(
        "chatbot.raw_utterances",
        {k: v for k, v in config.items() if k != "metadata"}
        | {"filepath": str(frames_file)},
    )
    assert dataset.exists()
    loaded = dataset.load()
    validate_dataframe(loaded, config["metadata"]["schema"], "chatbot.raw_utterances")
    return loaded


def test_user_turns_become_utterances_with_spans_located_in_their_text(
    table: pd.DataFrame,
) -> None:
    first = table.iloc[0]
    spans = json.loads(first.spans)
    assert [(s["slot"], s["text"]) for s in spans] == [
        ("origin", "Toronto"),
        ("destination", "PUNTA CANA"),  # found whatever the case
        ("departure_date", "august 13"),
        ("budget", "2500"),
    ]
    assert all(first.text[s["start"] : s["end"]] == s["text"] for s in spans)
    assert first.reference_date == "2016-08-15"
    assert first["family"] == "inform/U1" and first["values"] == "{}"


def test_intents_and_the_slot_the_wizard_asked_for(table: pd.DataFrame) -> None:
    by_text = table.set_index("text")
    assert by_text.loc["the 20th", "requested_slot"] == "return_date"
    assert json.loads(by_text.loc["the 20th", "spans"])[0]["slot"] == "return_date"
    assert by_text.loc["no, that's too expensive", "intent"] == "deny"
    assert by_text.loc["thanks, bye", "intent"] == "goodbye"
    assert by_text.loc["hello", "intent"] == "greet"
    # a greeting that gives slots is a request
    assert table.iloc[0].intent == "inform"


def test_turns_whose_values_are_not_in_the_text_are_counted_and_dropped(
    table: pd.DataFrame,
) -> None:
    assert "What about Metropolis?" not in set(table.text)
    assert "Toronto please" not in set(table.text)
    assert len(table) == 5
    _, counts = frames_utterances(FRAMES, "2016-08-01")
    assert counts == {
        "user_turns": 8,
        "kept": 5,
        "dropped_unlocated": 2,
        "dropped_empty": 1,
    }


def test_the_table_passes_the_pipelines_own_checks(table: pd.DataFrame) -> None:
    prepared = prepare_utterances(table, {"sample_size": None}, seed=0)
    assert len(prepared) == len(table)


def test_the_same_value_twice_is_found_twice() -> None:
    spans = locate_values(
        "from Paris to paris", [("origin", "Paris"), ("destination", "Paris")]
    )
    assert [(s["slot"], s["start"]) for s in spans] == [
        ("origin", 5),
        ("destination", 14),
    ]
    assert locate_values("from Paris", [("origin", "Rome")]) is None
