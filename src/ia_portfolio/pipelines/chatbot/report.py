"""``metrics.json``, MLflow metrics and the markdown report of the ``chatbot``
pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.pipelines.chatbot.text import SLOTS, Gazetteer
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

REPORT_TEMPLATE = """\
# `chatbot`: understanding flight-booking requests

## Data
{source}. {n_utterances:,} utterances from {n_families} template families, split
by family (no held-out utterance is a re-filled training template):
{n_train:,} train ({train_families} families), {n_validation:,} validation
({validation_families}), {n_test:,} test ({test_families}). Beside them,
{n_hand_written} hand-written utterances that no template produced
(`tests/pipelines/chatbot/natural_utterances.jsonl`).

## Method
- CRF slot tagger: linear-chain CRF (CRFsuite) on BIO tags with word, shape,
  date/money word classes, gazetteer membership ({gazetteer_names:,} GeoNames
  city and country names), neighbouring words and the slot the bot had asked
  for; `c1`/`c2` chosen on the validation families (best: c1={c1:g}, c2={c2:g}),
  then refitted on train + validation.
- Neural slot tagger: BiLSTM (Keras, run in NumPy when serving) on word
  embeddings, the two words before a city name, a character CNN and the same
  word-class, gazetteer and asked-slot features; trained on the training
  families with early stopping on the validation loss ({neural_epochs} epochs,
  kept epoch {neural_kept}, {neural_fit_s:.0f} s); BIO-constrained Viterbi decoding.
- Intents: {intent_kind} (C={intent_c:g}), chosen on the validation families
  among TF-IDF + logistic regression alone and stacked with the keyword rules
  (its probabilities learned out of family, combined with the rules' intent).
  Both trained taggers use this intent classifier.
- Baseline: gazetteer cities ("from X" origin, "to X" destination), dates found by
  `dateparser`'s search on the text with money masked, amounts with a currency,
  keyword intents.
- Values: dates with `dateparser` relative to the conversation's date (days
  first, future preferred) plus rules for durations and numbers in words;
  budgets to an amount and an ISO currency (default {default_currency}).
- Served parser: {choice_rule}. Validation slot micro F1: {choice_scores};
  served: **{chosen}**.

## Results
Entity-level F1 (seqeval, exact spans); partial F1 counts overlapping spans of
the right slot; the course's score counts a gold entity 1 when found exactly,
0.5 when overlapped. "Values" is the share of gold slots normalised to the
right value; "fully understood": intent and every value right.

{summary_table}

F1 per slot (exact spans):

{slot_table}

F1 per slot (partial match):

{partial_table}

The course's test utterance ("I want to book a flight from Toulouse to Mexico
from 18/01/2022 to 01/02/2023. I have a budget of 1000€"), per parser:
{course_utterance}.

Latency of one parse on this machine (hand-written utterances, one at a time):
{latency_table}

Promotion gate: {gate}.

![F1 per slot](slot_f1.png)
![CRF search](tagger_search.png)
![BiLSTM training](neural_training.png)

## Limits
- On the default synthetic data, held-out families test new phrasings, not new
  users; the hand-written set ({n_hand_written} utterances) is small and written
  by the developers, so its figures have a wide margin of error.
- Dates without a year are read as the next such day; "end of May" or ranges in
  one phrase ("12 to 20 Sept") are not read.
"""


def _row(parser: str, set_name: str, figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "parser": parser,
        "evaluation set": set_name,
        "utterances": figures["utterances"],
        "slot micro F1": figures["slot_micro_f1"],
        "partial F1": figures["slot_micro_partial_f1"],
        "course score": figures["course_score"],
        "values right": (figures["value_accuracy"] or {}).get("all"),
        "intent accuracy": figures["intent_accuracy"],
        "fully understood": figures["fully_understood"],
    }


def build_metrics(
    summary: dict[str, Any],
    latency: pd.DataFrame,
    tagger_search: pd.DataFrame,
    neural_training: pd.DataFrame,
    intent_search: pd.DataFrame,
    parser_choice: dict[str, Any],
    families: pd.DataFrame,
    course_utterance: dict[str, Any],
    data: dict[str, Any],
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` (every parser on both evaluation sets, the searches, the
    choice made on validation, the latency, the course's own test) and, for
    MLflow, the chosen parser's figures and every parser's micro F1."""
    crf_point = tagger_search[tagger_search["chosen"]].iloc[0]
    intents = intent_search[intent_search["chosen"]].iloc[0]
    kept_epoch = neural_training[neural_training["kept"]].iloc[0]
    split_sizes = families.groupby("split").agg(
        families=("family", "size"), utterances=("utterances", "sum")
    )
    chosen = parser_choice["chosen"]
    metrics = {
        "source": data["description"],
        "chosen_parser": chosen,
        "parser_choice": parser_choice,
        "parsers": summary,
        "splits": {
            name: {"families": int(row.families), "utterances": int(row.utterances)}
            for name, row in split_sizes.iterrows()
        },
        "tagger": {"c1": float(crf_point.c1), "c2": float(crf_point.c2)},
        "neural_tagger": {
            "epochs_run": len(neural_training),
            "epoch_kept": int(kept_epoch.epoch),
            "validation_loss": float(kept_epoch.validation_loss),
            "fit_s": float(kept_epoch.fit_s),
        },
        "intent_classifier": {"kind": str(intents.kind), "C": float(intents.C)},
        "latency_ms": {
            row.parser: {"p50": row.p50_ms, "p99": row.p99_ms}
            for row in latency.itertuples()
        },
        "course_utterance": course_utterance,
    }
    served = summary[chosen]
    figures: dict[str, float | None] = {
        f"{set_name}.{key}": served[set_name][key]
        for set_name in ("test", "hand_written")
        for key in (
            "slot_micro_f1",
            "slot_micro_partial_f1",
            "course_score",
            "intent_accuracy",
            "fully_understood",
        )
    }
    figures.update(
        {f"{set_name}.f1_{slot}": served[set_name]["slot_f1"][slot]
         for set_name in ("test", "hand_written") for slot in SLOTS}
    )  # fmt: skip
    figures.update(
        {f"{parser}.{set_name}.slot_micro_f1": sets[set_name]["slot_micro_f1"]
         for parser, sets in summary.items() for set_name in sets}
    )  # fmt: skip
    figures.update(
        {f"{parser}.validation.slot_micro_f1": f1
         for parser, f1 in parser_choice["validation_slot_micro_f1"].items()}
    )  # fmt: skip
    figures["latency_p50_ms"] = metrics["latency_ms"][chosen]["p50"]
    return metrics, mlflow_metrics(figures)


def write_report(
    metrics: dict[str, Any],
    slot_scores: pd.DataFrame,
    latency: pd.DataFrame,
    gazetteer: Gazetteer,
    normalisation: dict[str, Any],
    promotion: dict[str, Any],
) -> str:
    """The report in markdown: data, method, results, limits."""
    summary = pd.DataFrame(
        [
            _row(parser, set_name, figures)
            for parser, sets in metrics["parsers"].items()
            for set_name, figures in sets.items()
        ]
    )

    def per_slot(column: str) -> str:
        table = slot_scores.pivot_table(
            index="slot",
            columns=["parser", "evaluation_set"],
            values=column,
            sort=False,
        )
        table.columns = [f"{parser} / {set_name}" for parser, set_name in table.columns]
        return table.reset_index().to_markdown(index=False, floatfmt=".3f")

    choice = metrics["parser_choice"]
    neural = metrics["neural_tagger"]
    splits = metrics["splits"]
    course = metrics["course_utterance"]
    return REPORT_TEMPLATE.format(
        source=metrics["source"],
        n_utterances=sum(s["utterances"] for s in splits.values()),
        n_families=sum(s["families"] for s in splits.values()),
        n_train=splits["train"]["utterances"],
        n_validation=splits["validation"]["utterances"],
        n_test=splits["test"]["utterances"],
        train_families=splits["train"]["families"],
        validation_families=splits["validation"]["families"],
        test_families=splits["test"]["families"],
        n_hand_written=metrics["parsers"]["rules"]["hand_written"]["utterances"],
        gazetteer_names=len(gazetteer.names),
        c1=metrics["tagger"]["c1"],
        c2=metrics["tagger"]["c2"],
        neural_epochs=neural["epochs_run"],
        neural_kept=neural["epoch_kept"],
        neural_fit_s=neural["fit_s"],
        intent_kind=metrics["intent_classifier"]["kind"],
        intent_c=metrics["intent_classifier"]["C"],
        default_currency=normalisation["default_currency"],
        choice_rule=choice["rule"],
        choice_scores=", ".join(
            f"{name} {f1:.3f}"
            for name, f1 in choice["validation_slot_micro_f1"].items()
        ),
        chosen=choice["chosen"],
        summary_table=summary.to_markdown(index=False, floatfmt=".3f"),
        slot_table=per_slot("f1"),
        partial_table=per_slot("partial_f1"),
        course_utterance="; ".join(
            f"{name}: "
            + (
                "parsed exactly"
                if found["parsed_exactly"]
                else f"not parsed exactly ({found['values']})"
            )
            for name, found in course["parsers"].items()
        ),
        latency_table=latency.to_markdown(index=False, floatfmt=".2f"),
        gate=(
            f"`{promotion['gate']['metric'].format(**metrics)}` must beat "
            f"{', '.join(f'`{b}`' for b in promotion['gate']['baselines'])}"
        ),
    )
