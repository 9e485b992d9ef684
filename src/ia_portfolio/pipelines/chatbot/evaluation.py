"""How well a parser reads utterances: entity-level precision, recall and F1 per
slot (seqeval, exact spans; and partial: overlapping spans), the course's score (exact span 1, overlapping span of
the right slot 0.5, per gold entity), normalised values right, intent accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
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
    partial = partial_scores(gold, predicted)
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
                **partial[slot],
            }
        )
    return pd.DataFrame(rows)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def partial_scores(
    gold: Sequence[Sequence[dict[str, Any]]],
    predicted: Sequence[Sequence[dict[str, Any]]],
) -> dict[str, dict[str, float]]:
    """Per slot and micro-averaged: ``partial_precision`` (share of predicted
    entities that overlap a gold entity of their slot), ``partial_recall``
    (share of gold entities overlapped by a predicted one of their slot) and
    their ``partial_f1``: the course's "partial match" per slot."""
    counts = {slot: [0, 0, 0, 0] for slot in SLOTS}  # hit pred, pred, hit gold, gold

    def overlaps(span: dict[str, Any], others: Sequence[dict[str, Any]]) -> bool:
        return any(
            o["slot"] == span["slot"]
            and o["start"] < span["end"]
            and span["start"] < o["end"]
            for o in others
        )

    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for span in predicted_spans:
            counts[span["slot"]][0] += overlaps(span, gold_spans)
            counts[span["slot"]][1] += 1
        for span in gold_spans:
            counts[span["slot"]][2] += overlaps(span, predicted_spans)
            counts[span["slot"]][3] += 1
    counts["micro"] = [sum(c[i] for c in counts.values()) for i in range(4)]
    scores = {}
    for slot, (hit_predicted, n_predicted, hit_gold, n_gold) in counts.items():
        precision = hit_predicted / n_predicted if n_predicted else 0.0
        recall = hit_gold / n_gold if n_gold else 0.0
        scores[slot] = {
            "partial_precision": precision,
            "partial_recall": recall,
            "partial_f1": _f1(precision, recall),
        }
    return scores


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


def family_counts(
    families: Sequence[str],
    gold: Sequence[Sequence[dict[str, Any]]],
    predicted: Sequence[Sequence[dict[str, Any]]],
) -> pd.DataFrame:
    """Per template family: entities found exactly (``hits``), ``predicted``
    and ``gold`` entities, whose sums give the micro F1."""
    rows = []
    for family, gold_spans, predicted_spans in zip(
        families, gold, predicted, strict=True
    ):
        gold_set = {(s["slot"], s["start"], s["end"]) for s in gold_spans}
        predicted_set = {(s["slot"], s["start"], s["end"]) for s in predicted_spans}
        rows.append(
            (family, len(gold_set & predicted_set), len(predicted_set), len(gold_set))
        )
    table = pd.DataFrame(rows, columns=["family", "hits", "predicted", "gold"])
    return table.groupby("family").sum()


def counts_f1(counts: pd.DataFrame) -> float:
    """Micro F1 of summed entity counts."""
    total = counts["predicted"].sum() + counts["gold"].sum()
    return float(2 * counts["hits"].sum() / total) if total else 0.0


def family_bootstrap_win_share(
    challenger: pd.DataFrame, incumbent: pd.DataFrame, resamples: int, seed: int
) -> float:
    """Share of resamples of the families (with replacement) in which the
    challenger's micro F1 beats the incumbent's: how sure one can be that it
    is better on families like these, not only on these."""
    columns = ["hits", "predicted", "gold"]
    incumbent_counts = incumbent[columns].to_numpy()
    challenger_counts = challenger.reindex(incumbent.index, fill_value=0)[
        columns
    ].to_numpy()
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(incumbent_counts), (resamples, len(incumbent_counts)))

    def f1(counts: np.ndarray) -> np.ndarray:
        hits, predicted, gold = counts[drawn].sum(axis=1).T
        total = predicted + gold
        return np.divide(2 * hits, total, out=np.zeros(resamples), where=total > 0)

    return float(np.mean(f1(challenger_counts) > f1(incumbent_counts)))
