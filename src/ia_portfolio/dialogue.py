"""The flight-booking assistant's dialogue manager: form filling as a small state
machine, independent of how utterances are understood.

Each user turn arrives already understood (an intent and normalised slot values,
e.g. from the ``chatbot`` pipeline's parser). The manager

* fills the slots it is given, several per turn, a later value replacing an
  earlier one (corrections: "actually from Lyon");
* asks for the first missing slot, in ``SLOTS`` order;
* once every slot is known, confirms with a summary; "yes" books, a bare "no"
  asks what to change (a rejected summary, counted), "no, to Rome" corrects and
  confirms again;
* refuses a return before the departure and asks again for a value it could not
  read; a "no" to the budget question means no budget;
* restarts on request, and after a booking.

Acts, the machine-readable part of each answer: ``request:<slot>``, ``confirm``,
``ask_correction``, ``book``, ``goodbye``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SLOTS = ("origin", "destination", "departure_date", "return_date", "budget")
COLLECTING, CONFIRMING, BOOKED = "collecting", "confirming", "booked"
UNLIMITED = "unlimited"
QUESTIONS = {
    "origin": "Where are you flying from?",
    "destination": "Where would you like to go?",
    "departure_date": "When would you like to leave?",
    "return_date": "When would you like to come back?",
    "budget": "What is your maximum budget for the trip?",
}
UNREADABLE = {
    "departure_date": "I could not read that departure date.",
    "return_date": "I could not read that return date.",
    "budget": "I could not read that budget.",
}


@dataclass(frozen=True)
class Understanding:
    """One user turn as the parser read it: an intent and slot values (None for
    a value found but not readable, such as a date it could not resolve)."""

    intent: str
    values: Mapping[str, str | None] = field(default_factory=dict)


@dataclass
class Conversation:
    """What the assistant remembers of one conversation."""

    slots: dict[str, str] = field(default_factory=dict)
    state: str = COLLECTING
    requested_slot: str = ""
    rejections: int = 0
    turns: int = 0


@dataclass(frozen=True)
class Reply:
    """The assistant's answer to one turn."""

    text: str
    act: str
    state: str
    slots: dict[str, str]
    rejected_summary: bool = False


def summary(slots: Mapping[str, str]) -> str:
    """The booking in one sentence."""
    budget = slots["budget"]
    budget_text = "no budget limit" if budget == UNLIMITED else f"a budget of {budget}"
    return (
        f"A flight from {slots['origin']} to {slots['destination']}, leaving on "
        f"{slots['departure_date']} and coming back on {slots['return_date']}, with "
        f"{budget_text}."
    )


class BookingDialogue:
    """Answers each understood turn of a ``Conversation`` and updates it."""

    def respond(self, conversation: Conversation, heard: Understanding) -> Reply:
        """The reply to ``heard``; ``conversation`` is updated in place."""
        conversation.turns += 1
        if heard.intent == "restart":
            self._reset(conversation)
            return self._next(conversation, "Let's start again.")
        if conversation.state == BOOKED:
            if heard.intent == "goodbye":
                return self._reply(
                    conversation, "Goodbye, have a nice trip!", "goodbye"
                )
            self._reset(conversation)
        if heard.intent == "goodbye" and not heard.values:
            return self._reply(
                conversation,
                "Goodbye! Come back when you want to finish your booking.",
                "goodbye",
            )
        problems = self._fill(conversation, heard)
        if conversation.state == CONFIRMING:
            return self._confirming(conversation, heard, problems)
        if (
            heard.intent == "deny"
            and not heard.values
            and conversation.requested_slot == "budget"
        ):
            conversation.slots["budget"] = UNLIMITED
        preface = " ".join(problems)
        if heard.intent == "greet" and not heard.values:
            preface = "Hello! I can book a flight for you."
        elif heard.intent == "chitchat" and not heard.values:
            preface = "I can only help you book flights."
        return self._next(conversation, preface)

    def _confirming(
        self, conversation: Conversation, heard: Understanding, problems: list[str]
    ) -> Reply:
        if heard.intent == "affirm" and not heard.values:
            conversation.state = BOOKED
            conversation.requested_slot = ""
            return self._reply(
                conversation,
                f"Booked! {summary(conversation.slots)} Anything else?",
                "book",
            )
        rejected = heard.intent == "deny"
        if rejected:
            conversation.rejections += 1
        if heard.values and not problems:
            reply = self._next(conversation, "Noted.")
        elif rejected and not heard.values:
            conversation.state = COLLECTING
            conversation.requested_slot = ""
            reply = self._reply(
                conversation,
                "Sorry about that. What should I change?",
                "ask_correction",
            )
        else:
            reply = self._next(conversation, " ".join(problems))
        return Reply(
            reply.text, reply.act, reply.state, reply.slots, rejected_summary=rejected
        )

    def _fill(self, conversation: Conversation, heard: Understanding) -> list[str]:
        """Store the readable values; the problems to tell the user about."""
        problems = []
        for slot, value in heard.values.items():
            if slot not in SLOTS:
                continue
            if value is None:
                problems.append(UNREADABLE.get(slot, "I could not read that."))
                conversation.slots.pop(slot, None)
            else:
                conversation.slots[slot] = value
        departure = conversation.slots.get("departure_date")
        back = conversation.slots.get("return_date")
        if departure and back and back < departure:
            conversation.slots.pop("return_date")
            problems.append(f"The return must be after the departure ({departure}).")
        return problems

    def _next(self, conversation: Conversation, preface: str) -> Reply:
        """Ask for the first missing slot, or confirm when none is missing."""
        missing = [slot for slot in SLOTS if slot not in conversation.slots]
        if missing:
            conversation.state = COLLECTING
            conversation.requested_slot = missing[0]
            text = f"{preface} {QUESTIONS[missing[0]]}".strip()
            return self._reply(conversation, text, f"request:{missing[0]}")
        conversation.state = CONFIRMING
        conversation.requested_slot = ""
        text = f"{preface} {summary(conversation.slots)} Shall I book it?".strip()
        return self._reply(conversation, text, "confirm")

    @staticmethod
    def _reset(conversation: Conversation) -> None:
        conversation.slots.clear()
        conversation.state = COLLECTING
        conversation.requested_slot = ""

    @staticmethod
    def _reply(conversation: Conversation, text: str, act: str) -> Reply:
        return Reply(text, act, conversation.state, dict(conversation.slots))
