"""Maluuba Frames (``frames.json``) as the pipeline's utterance table.

Each user turn becomes one utterance. Its slots come from the turn's
``labels.acts[].args``: ``or_city`` -> origin, ``dst_city`` -> destination,
``str_date`` -> departure_date, ``end_date`` -> return_date, ``budget`` ->
budget; each value is searched in the text without regard to case, on token
boundaries, left to right (the same value twice is found twice). A turn with a
value that cannot be located is counted and dropped.

The intent comes from the act names: ``negate`` -> deny, ``affirm`` -> affirm,
``greeting`` -> greet and ``thankyou``/``goodbye`` -> goodbye when the turn
gives no slot, anything else -> inform. The conversation's date is the turn's
timestamp; the slot the bot had asked for is the one the wizard's previous turn
requested, if any. Frames has no normalised values: ``values`` stays empty (the
pipeline scores spans and intents on it, not values). ``family`` is the intent
and the user: held-out families are held-out users.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ia_portfolio.pipelines.chatbot.text import tokenize

logger = logging.getLogger(__name__)

FRAMES_SLOTS = {
    "or_city": "origin",
    "dst_city": "destination",
    "str_date": "departure_date",
    "end_date": "return_date",
    "budget": "budget",
}
COLUMNS = [
    "utterance_id",
    "family",
    "intent",
    "text",
    "requested_slot",
    "reference_date",
    "spans",
    "values",
]


def _args(turn: Mapping[str, Any]) -> list[dict[str, Any]]:
    acts = (turn.get("labels") or {}).get("acts") or []
    return [arg for act in acts for arg in act.get("args") or []]


def turn_intent(turn: Mapping[str, Any], has_slots: bool) -> str:
    """The pipeline's intent of a Frames user turn (see the module's docstring)."""
    names = {act.get("name") for act in (turn.get("labels") or {}).get("acts") or []}
    if "negate" in names:
        return "deny"
    if "affirm" in names:
        return "affirm"
    if not has_slots and "greeting" in names:
        return "greet"
    if not has_slots and names & {"thankyou", "goodbye"}:
        return "goodbye"
    return "inform"


def locate_values(
    text: str, values: Sequence[tuple[str, str]]
) -> list[dict[str, Any]] | None:
    """Spans of ``(slot, value)`` pairs in ``text``: each value found without
    regard to case, starting and ending on token boundaries, not overlapping a
    span already found; None if one of them is not there."""
    tokens = tokenize(text)
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    folded = text.casefold()
    spans: list[dict[str, Any]] = []
    for slot, value in values:
        needle = value.strip().casefold()
        start = folded.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            free = all(end <= s["start"] or start >= s["end"] for s in spans)
            if free and start in starts and end in ends:
                spans.append(
                    {"slot": slot, "start": start, "end": end, "text": text[start:end]}
                )
                break
            start = folded.find(needle, start + 1)
        else:
            return None
    return sorted(spans, key=lambda span: span["start"])


def _requested_slot(previous: Mapping[str, Any] | None) -> str:
    """The slot a wizard turn asked for (a ``request`` act naming one)."""
    if previous is None:
        return ""
    for act in (previous.get("labels") or {}).get("acts") or []:
        if act.get("name") == "request":
            for arg in act.get("args") or []:
                if arg.get("key") in FRAMES_SLOTS:
                    return FRAMES_SLOTS[arg["key"]]
    return ""


def _reference_date(turn: Mapping[str, Any], default: str) -> str:
    timestamp = turn.get("timestamp")
    if not isinstance(timestamp, int | float):
        return default
    return dt.datetime.fromtimestamp(timestamp / 1000, dt.UTC).date().isoformat()


def frames_utterances(
    dialogues: Iterable[Mapping[str, Any]], default_reference_date: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The utterance table of every user turn whose slot values are located in
    its text (turns without a timestamp dated ``default_reference_date``), and
    the counts: ``user_turns``, ``kept``, ``dropped_unlocated`` and
    ``dropped_empty`` (no text)."""
    rows = []
    counts = {"user_turns": 0, "kept": 0, "dropped_unlocated": 0, "dropped_empty": 0}
    for number, dialogue in enumerate(dialogues):
        previous = None
        dialogue_id = dialogue.get("id") or f"dialogue{number:05d}"
        for index, turn in enumerate(dialogue.get("turns") or []):
            if turn.get("author") != "user":
                previous = turn
                continue
            counts["user_turns"] += 1
            text = str(turn.get("text") or "")
            if not text.strip():
                counts["dropped_empty"] += 1
                continue
            values = [
                (FRAMES_SLOTS[arg["key"]], str(arg["val"]))
                for arg in _args(turn)
                if arg.get("key") in FRAMES_SLOTS and arg.get("val") not in (None, "")
            ]
            spans = locate_values(text, values)
            if spans is None:
                counts["dropped_unlocated"] += 1
                continue
            intent = turn_intent(turn, bool(spans))
            rows.append(
                {
                    "utterance_id": f"{dialogue_id}-{index}",
                    "family": f"{intent}/{dialogue.get('user_id', 'unknown')}",
                    "intent": intent,
                    "text": text,
                    "requested_slot": _requested_slot(previous),
                    "reference_date": _reference_date(turn, default_reference_date),
                    "spans": json.dumps(spans, ensure_ascii=False),
                    "values": "{}",
                }
            )
            counts["kept"] += 1
    return pd.DataFrame(rows, columns=COLUMNS), counts
