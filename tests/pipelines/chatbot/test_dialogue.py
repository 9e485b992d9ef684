"""Whole dialogues replayed through the dialogue manager: scripted user turns,
the act the bot must answer each with, and the final booking. Turns are given as
the parser would understand them, so these tests check the manager alone."""

from __future__ import annotations

import json

import pytest

from ia_portfolio.dialogue import (
    BOOKED,
    CONFIRMING,
    UNLIMITED,
    BookingDialogue,
    Conversation,
    Understanding,
)
from ia_portfolio.generators.flight_requests import generate_dialogues

FULL = {
    "origin": "Toulouse",
    "destination": "Mexico",
    "departure_date": "2022-01-18",
    "return_date": "2023-02-01",
    "budget": "1000 EUR",
}


def replay(turns: list[tuple[str, dict, str]]) -> Conversation:
    """Play ``(intent, values, expected act)`` turns; fail at the first act that
    differs from the script."""
    manager, conversation = BookingDialogue(), Conversation()
    for index, (intent, values, expected) in enumerate(turns):
        reply = manager.respond(conversation, Understanding(intent, values))
        assert reply.act == expected, (index, intent, values, reply)
        assert reply.slots == conversation.slots
        assert reply.text
    return conversation


@pytest.mark.parametrize(
    "dialogue",
    generate_dialogues(40, seed=5).to_dict("records"),
    ids=lambda d: d["dialogue_id"],
)
def test_generated_dialogues_end_in_their_booking(dialogue):
    turns = json.loads(dialogue["turns"])
    conversation = replay([(t["intent"], t["values"], t["expect"]) for t in turns])
    assert conversation.state == BOOKED
    assert conversation.slots == json.loads(dialogue["booking"])


def test_everything_in_one_turn_is_confirmed_then_booked():
    conversation = replay([("inform", FULL, "confirm"), ("affirm", {}, "book")])
    assert conversation.slots == FULL and conversation.rejections == 0


def test_missing_slots_are_asked_for_in_order():
    replay(
        [
            ("greet", {}, "request:origin"),
            ("inform", {"destination": "Rome"}, "request:origin"),
            ("inform", {"origin": "Paris"}, "request:departure_date"),
            ("inform", {"departure_date": "2022-03-01"}, "request:return_date"),
            ("chitchat", {}, "request:return_date"),
            ("inform", {"return_date": "2022-03-08"}, "request:budget"),
            ("deny", {}, "confirm"),  # "no" to the budget question: no budget
        ]
    )


def test_no_budget_is_remembered_as_unlimited():
    conversation = replay(
        [
            (
                "inform",
                {k: v for k, v in FULL.items() if k != "budget"},
                "request:budget",
            ),
            ("deny", {}, "confirm"),
        ]
    )
    assert conversation.slots["budget"] == UNLIMITED
    assert conversation.state == CONFIRMING


def test_a_user_who_says_no_twice_then_corrects():
    conversation = replay(
        [
            ("inform", FULL, "confirm"),
            ("deny", {}, "ask_correction"),
            ("deny", {}, "confirm"),
            ("deny", {}, "ask_correction"),
            ("inform", {"origin": "Lyon"}, "confirm"),
            ("affirm", {}, "book"),
        ]
    )
    assert conversation.slots == {**FULL, "origin": "Lyon"}
    assert conversation.rejections == 2


def test_a_no_with_the_right_value_corrects_and_confirms_again():
    manager, conversation = BookingDialogue(), Conversation()
    manager.respond(conversation, Understanding("inform", FULL))
    reply = manager.respond(
        conversation, Understanding("deny", {"destination": "Rome"})
    )
    assert (reply.act, reply.rejected_summary) == ("confirm", True)
    assert "Rome" in reply.text and conversation.slots["destination"] == "Rome"


def test_a_return_before_the_departure_is_asked_again():
    replay(
        [
            ("inform", {**FULL, "return_date": "2022-01-10"}, "request:return_date"),
            ("inform", {"return_date": "2022-01-25"}, "confirm"),
        ]
    )


def test_an_unreadable_value_is_asked_again():
    manager, conversation = BookingDialogue(), Conversation()
    reply = manager.respond(
        conversation, Understanding("inform", {**FULL, "departure_date": None})
    )
    assert reply.act == "request:departure_date"
    assert reply.text.startswith("I could not read that departure date.")


def test_restart_forgets_everything_and_a_booking_starts_a_new_one():
    conversation = replay(
        [
            ("inform", FULL, "confirm"),
            ("restart", {}, "request:origin"),
            ("inform", FULL, "confirm"),
            ("affirm", {}, "book"),
            ("inform", {"origin": "Nice"}, "request:destination"),
        ]
    )
    assert conversation.slots == {"origin": "Nice"}
