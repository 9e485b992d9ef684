"""How well a parser reads utterances: entity-level precision, recall and F1 per
slot (seqeval, exact spans), the course's score (exact span 1, overlapping span of
the right slot 0.5, per gold entity), normalised values right, intent accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from seqeval.metrics import classification_report

from ia_portfolio.pipelines.chatbot.text import SLOTS, Span, spans_to_tags, tokenize


def _spans(items: Sequence[dict[str, Any]]) -> list[Span]:
    return [
        Span(str(s["slot"]), int(s["start"]), int(s["end"]), str(s["text"]))
        for s in items
    ]


def slot_scores(
    texts: Sequence[str],
    gold: Sequence[Sequence[dict[str, Any]]],
    predicted: Sequence[Sequence[dict[str, Any]]],
) -> pd.DataFrame:
    """Precision, recall, F1 and support per slot and their micro average
    (``slot == "micro"``), entities matched exactly on tokens (seqeval)."""
    gold_tags, predicted_tags = [], []
    for text, gold_spans, predicted_spans in zip(texts, gold, predicted, strict=True):
        tokens = tokenize(text)
        gold_tags.append(spans_to_tags(tokens, _spans(gold_spans)))
        predicted_tags.append(spans_to_tags(tokens, _spans(predicted_spans)))
    report = classification_report(
        gold_tags, predicted_tags, output_dict=True, zero_division=0
    )
    rows = []
    for slot in (*SLOTS, "micro"):
        scores = report.get(slot if slot in SLOTS else "micro avg", {})
        rows.append(
            {
                "slot": slot,
                "precision": float(scores.get("precision", 0.0)),
                "recall": float(scores.get("recall", 0.0)),
                "f1": float(scores.get("f1-score", 0.0)),
                "support": int(scores.get("support", 0)),
            }
        )
    return pd.DataFrame(rows)


def course_score(
    gold: Sequence[Sequence[dict[str, Any]]],
    predicted: Sequence[Sequence[dict[str, Any]]],
) -> float:
    """The course's entity score: each gold entity counts 1 if a predicted entity
    of its slot has exactly its span, 0.5 if one overlaps it, else 0; the sum over
    the number of gold entities."""
    points, entities = 0.0, 0
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for span in gold_spans:
            entities += 1
            same_slot = [p for p in predicted_spans if p["slot"] == span["slot"]]
            if any(
                p["start"] == span["start"] and p["end"] == span["end"]
                for p in same_slot
            ):
                points += 1.0
            elif any(
                p["start"] < span["end"] and span["start"] < p["end"] for p in same_slot
            ):
                points += 0.5
    return points / entities if entities else 0.0


def value_accuracy(
    gold: Sequence[dict[str, str]], predicted: Sequence[dict[str, str | None]]
) -> dict[str, float]:
    """Per slot and overall: the share of gold values the parser normalised to the
    same value (the city, the ISO date, the amount and currency)."""
    right: dict[str, list[bool]] = {slot: [] for slot in SLOTS}
    for gold_values, predicted_values in zip(gold, predicted, strict=True):
        for slot, value in gold_values.items():
            right[slot].append(predicted_values.get(slot) == value)
    every = [flag for flags in right.values() for flag in flags]
    scores = {slot: sum(flags) / len(flags) for slot, flags in right.items() if flags}
    scores["all"] = sum(every) / len(every) if every else 0.0
    return scores


def fully_understood(
    gold_intent: str,
    gold_values: dict[str, str],
    result: dict[str, Any],
) -> bool:
    """The intent right and exactly the gold slots with the gold values."""
    values = {k: v for k, v in result["values"].items() if v is not None}
    return result["intent"] == gold_intent and values == gold_values
