"""Whole dialogues replayed through the parser the ``chatbot`` pipeline trained
and promoted (read from the project's registry, as the API reads it) and the
dialogue manager: scripted user texts, the act the bot must answer each with,
and the final booking. Each turn is understood the way the API does it: with
the slot the bot had just asked for and the departure already known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import mlflow
import pytest

from ia_portfolio.dialogue import (
    BOOKED,
    UNLIMITED,
    BookingDialogue,
    Conversation,
    Understanding,
)
from ia_portfolio.pipelines.chatbot.serving_model import FlightRequestModel

pytestmark = pytest.mark.slow

REFERENCE = dt.date(2021, 12, 1)
COURSE_UTTERANCE = (
    "I want to book a flight from Toulouse to Mexico from 18/01/2022 to "
    "01/02/2023. I have a budget of 1000€"
)
COURSE_BOOKING = {
    "origin": "Toulouse",
    "destination": "Mexico",
    "departure_date": "2022-01-18",
    "return_date": "2023-02-01",
    "budget": "1000 EUR",
}
# One slot a turn, a "no" to the summary, then the corrected origin.
SLOT_BY_SLOT_WITH_A_CORRECTION = [
    ("hello", "request:origin"),
    ("I want to fly from Toulouse to Mexico", "request:departure_date"),
    ("18/01/2022", "request:return_date"),
    ("coming back on 01/02/2023", "request:budget"),
    ("1000€", "confirm"),
    ("no", "ask_correction"),
    ("actually from Lyon", "confirm"),
    ("yes", "book"),
]


@pytest.fixture(scope="module")
def parser(trained_chatbot_project: Path) -> FlightRequestModel:
    """The promoted parser, loaded from the project's registry."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{trained_chatbot_project / 'mlflow.db'}")
    try:
        model = mlflow.pyfunc.load_model("models:/ia_portfolio_chatbot@champion")
    finally:
        mlflow.set_tracking_uri(previous)
    return model.unwrap_python_model()


def replay(parser: FlightRequestModel, turns: list[tuple[str, str]]) -> Conversation:
    """Play ``(user text, expected act)`` turns; fail at the first act that
    differs from the script, naming the turn and what the parser understood."""
    manager, conversation = BookingDialogue(), Conversation()
    for index, (text, expected) in enumerate(turns):
        departure = conversation.slots.get("departure_date")
        parsed = parser.parse(
            text,
            REFERENCE,
            conversation.requested_slot,
            dt.date.fromisoformat(departure) if departure else None,
        )
        reply = manager.respond(
            conversation, Understanding(parsed["intent"], parsed["values"])
        )
        assert reply.act == expected, (index, text, parsed, reply)
    return conversation


def test_everything_in_one_message_then_yes(parser: FlightRequestModel) -> None:
    conversation = replay(parser, [(COURSE_UTTERANCE, "confirm"), ("yes", "book")])
    assert conversation.state == BOOKED
    assert conversation.slots == COURSE_BOOKING


def test_slot_by_slot_with_a_correction_after_a_no(parser: FlightRequestModel) -> None:
    conversation = replay(parser, SLOT_BY_SLOT_WITH_A_CORRECTION)
    assert conversation.slots == {**COURSE_BOOKING, "origin": "Lyon"}
    assert conversation.rejections == 1


def test_a_user_who_says_no_twice_then_corrects(parser: FlightRequestModel) -> None:
    conversation = replay(
        parser,
        [
            (COURSE_UTTERANCE, "confirm"),
            ("no", "ask_correction"),
            ("no", "confirm"),  # nothing to change: the summary again
            ("no", "ask_correction"),
            ("to Rome", "confirm"),
            ("yes", "book"),
        ],
    )
    assert conversation.rejections == 2
    assert conversation.slots == {**COURSE_BOOKING, "destination": "Rome"}


def test_a_no_with_the_right_value_corrects_at_once(
    parser: FlightRequestModel,
) -> None:
    conversation = replay(
        parser,
        [
            (COURSE_UTTERANCE, "confirm"),
            ("no, the budget is 1500 euros", "confirm"),
            ("yes", "book"),
        ],
    )
    assert conversation.slots["budget"] == "1500 EUR"
    assert conversation.rejections == 1


def test_no_budget_a_duration_and_a_restart(parser: FlightRequestModel) -> None:
    conversation = replay(
        parser,
        [
            ("I'd like to go to Berlin", "request:origin"),
            ("start over", "request:origin"),
            ("from Paris to Rome on 18 Jan", "request:return_date"),
            ("for ten days", "request:budget"),
            ("no", "confirm"),  # no budget
            ("yes", "book"),
        ],
    )
    assert conversation.slots == {
        "origin": "Paris",
        "destination": "Rome",
        "departure_date": "2022-01-18",
        "return_date": "2022-01-28",
        "budget": UNLIMITED,
    }
