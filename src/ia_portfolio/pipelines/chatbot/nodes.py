"""Nodes of the ``chatbot`` pipeline: utterance tables checked and split by
template family, the CRF slot tagger and the intent classifier tuned on
validation, the rule baseline, both parsers scored on held-out families and on
hand-written utterances, and the chosen parser registered."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import logging
import random
import time
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.metrics import accuracy_score
from threadpoolctl import threadpool_limits

from ia_portfolio.pipelines.chatbot.evaluation import (
    counts_f1,
    course_score,
    family_bootstrap_win_share,
    family_counts,
    fully_understood,
    slot_scores,
    value_accuracy,
)
from ia_portfolio.pipelines.chatbot.models import (
    CrfSlotTagger,
    FlightRequestParser,
    IntentModel,
    RuleIntentModel,
    RuleSlotTagger,
    SlotTagger,
    StackedIntentClassifier,
    new_crf,
    new_intent_classifier,
)
from ia_portfolio.pipelines.chatbot.sequence import TAGS, BiLstmSlotTagger, TokenEncoder
from ia_portfolio.pipelines.chatbot.serving_model import (
    FlightRequestModel,
    parser_output,
    pip_requirements,
)
from ia_portfolio.pipelines.chatbot.text import (
    SLOTS,
    Gazetteer,
    Span,
    build_gazetteer,
    spans_to_tags,
    tokenize,
)
from ia_portfolio.promotion import ModelRelease, quality_gate

logger = logging.getLogger(__name__)


# TensorFlow takes seconds to import: loaded by the node that trains the BiLSTM
# only, so that the API and other pipelines do not pay for it.
def _neural() -> ModuleType:
    return importlib.import_module("ia_portfolio.pipelines.chatbot.neural")


COLUMNS = ["utterance_id", "family", "intent", "text", "requested_slot"]
COLUMNS += ["reference_date", "spans", "values"]
EVALUATION_SETS = ("test", "hand_written")


def _check_spans(table: pd.DataFrame, dataset: str) -> None:
    """Each span's text is the text at its offsets and starts and ends on token
    boundaries; raise naming the first utterance where it does not."""
    for row in table.itertuples():
        tokens = tokenize(row.text)
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for span in json.loads(row.spans):
            if span["slot"] not in SLOTS:
                raise ValueError(f"{dataset} {row.utterance_id}: unknown slot {span}.")
            if row.text[span["start"] : span["end"]] != span["text"]:
                raise ValueError(
                    f"{dataset} {row.utterance_id}: span {span} is not at its "
                    f"offsets in {row.text!r}."
                )
            if span["start"] not in starts or span["end"] not in ends:
                raise ValueError(
                    f"{dataset} {row.utterance_id}: span {span} cuts a token of "
                    f"{row.text!r}."
                )


def prepare_utterances(
    raw: pd.DataFrame, data: dict[str, Any], seed: int
) -> pd.DataFrame:
    """The utterance table with its spans checked, optionally a seeded sample of
    ``data.sample_size`` rows."""
    missing = [column for column in COLUMNS if column not in raw.columns]
    if missing:
        raise KeyError(f"chatbot.raw_utterances lacks the columns {missing}.")
    table = raw.loc[:, COLUMNS].copy()
    table["requested_slot"] = table["requested_slot"].fillna("").astype(str)
    sample_size = data.get("sample_size")
    if sample_size is not None and sample_size < len(table):
        table = table.sample(n=sample_size, random_state=seed).sort_index()
    _check_spans(table, "chatbot.raw_utterances")
    logger.info(
        "%d utterances from %d template families.", len(table), table.family.nunique()
    )
    return table.reset_index(drop=True)


def _locate(text: str, slots: dict[str, str], utterance: str) -> list[dict[str, Any]]:
    """Spans of the slot texts in ``text``, searched left to right in the order
    they are written (the same text twice is found twice)."""
    spans, cursor = [], 0
    for slot, value in slots.items():
        start = text.find(value, cursor)
        if start < 0:
            start = text.find(value)
        if start < 0:
            raise ValueError(
                f"hand-written {utterance}: {value!r} ({slot}) is not in {text!r}."
            )
        spans.append(
            {"slot": slot, "start": start, "end": start + len(value), "text": value}
        )
        cursor = start + len(value)
    return sorted(spans, key=lambda span: span["start"])


def prepare_natural_utterances(
    natural: pd.DataFrame, data: dict[str, Any]
) -> pd.DataFrame:
    """The hand-written utterances (``text``, ``intent``, ``slots`` as written,
    ``values`` normalised, optional ``reference_date`` and ``requested_slot``) as
    an utterance table with located spans."""
    rows = []
    for index, line in enumerate(natural.to_dict(orient="records")):
        utterance = f"h{index:04d}"
        slots = line.get("slots") or {}
        values = line.get("values") or {}
        if set(values) - set(slots) or set(slots) - set(SLOTS):
            raise ValueError(
                f"hand-written {utterance}: values {values} for slots {slots}."
            )
        requested = line.get("requested_slot")
        reference = line.get("reference_date")
        rows.append(
            {
                "utterance_id": utterance,
                "family": "hand_written",
                "intent": line["intent"],
                "text": line["text"],
                "requested_slot": requested if isinstance(requested, str) else "",
                "reference_date": reference
                if isinstance(reference, str)
                else data["hand_written_reference_date"],
                "spans": json.dumps(_locate(line["text"], slots, utterance)),
                "values": json.dumps(values, ensure_ascii=False),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    _check_spans(table, "chatbot.natural_utterances")
    return table


def split_by_family(
    utterances: pd.DataFrame, split: dict[str, Any], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train, validation and test utterances, and each family's split: within
    each intent, families are shuffled and ``validation_share`` and
    ``test_share`` of them (at least one each, one left for training) held out."""
    rng = random.Random(seed)
    assignment = {}
    for intent, group in utterances.groupby("intent", sort=True):
        names = sorted(group["family"].unique())
        rng.shuffle(names)
        count = len(names)
        n_test = max(1, round(count * split["test_share"])) if count >= 3 else 0
        n_validation = (
            max(1, round(count * split["validation_share"])) if count >= 3 else 0
        )
        for position, name in enumerate(names):
            assignment[name] = (
                "test"
                if position < n_test
                else "validation"
                if position < n_test + n_validation
                else "train"
            )
        logger.info("%s: families %s", intent, {n: assignment[n] for n in names})
    part = utterances["family"].map(assignment)
    families = (
        utterances.groupby("family")
        .agg(intent=("intent", "first"), utterances=("text", "size"))
        .assign(split=lambda t: t.index.map(assignment))
        .reset_index()
    )
    return (
        utterances[part == "train"].reset_index(drop=True),
        utterances[part == "validation"].reset_index(drop=True),
        utterances[part == "test"].reset_index(drop=True),
        families,
    )


def build_city_gazetteer(cities: pd.DataFrame, gazetteer: dict[str, Any]) -> Gazetteer:
    """The gazetteer of city (and country) names the taggers look up, with the
    configured aliases (e.g. "New York" for "New York City")."""
    names = cities.sort_values("population", ascending=False)["name"]
    found = build_gazetteer(names, gazetteer["aliases"])
    logger.info("Gazetteer: %d names.", len(found.names))
    return found


def _tags(table: pd.DataFrame) -> list[list[str]]:
    return [
        spans_to_tags(tokenize(text), [Span(**span) for span in json.loads(spans)])
        for text, spans in zip(table["text"], table["spans"], strict=True)
    ]


def _spans_column(tagger: SlotTagger, table: pd.DataFrame) -> list[str]:
    predicted = tagger.predict_spans(
        table["text"].tolist(), table["requested_slot"].tolist()
    )
    return [
        json.dumps([span.as_dict() for span in spans], ensure_ascii=False)
        for spans in predicted
    ]


def tune_slot_tagger(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    gazetteer: Gazetteer,
    tagger: dict[str, Any],
) -> tuple[CrfSlotTagger, pd.DataFrame, pd.DataFrame]:
    """A CRF per ``(c1, c2)`` of the grid fitted on train and scored (micro F1)
    on the validation families; the best refitted on train + validation. Also
    the validation spans of the best grid point before its refit (what the
    served tagger's choice compares)."""
    texts, asked, tags = (
        train["text"].tolist(),
        train["requested_slot"].tolist(),
        _tags(train),
    )
    gold = [json.loads(spans) for spans in validation["spans"]]
    rows, validation_spans = [], {}
    for c1, c2 in itertools.product(tagger["c1"], tagger["c2"]):
        started = time.perf_counter()
        model = CrfSlotTagger(gazetteer, new_crf(c1, c2, tagger["max_iterations"]))
        model.fit(texts, asked, tags)
        validation_spans[c1, c2] = _spans_column(model, validation)
        f1 = counts_f1(
            family_counts(
                validation["family"].tolist(),
                gold,
                [json.loads(spans) for spans in validation_spans[c1, c2]],
            )
        )
        rows.append(
            {"c1": c1, "c2": c2, "validation_micro_f1": f1,
             "fit_s": time.perf_counter() - started}
        )  # fmt: skip
        logger.info("CRF c1=%g c2=%g: validation micro F1 %.4f", c1, c2, f1)
    search = pd.DataFrame(rows)
    best = search.sort_values(
        ["validation_micro_f1", "c1", "c2"], ascending=[False, False, False]
    ).iloc[0]
    both = pd.concat([train, validation], ignore_index=True)
    chosen = CrfSlotTagger(
        gazetteer, new_crf(float(best.c1), float(best.c2), tagger["max_iterations"])
    ).fit(both["text"].tolist(), both["requested_slot"].tolist(), _tags(both))
    search["chosen"] = (search.c1 == best.c1) & (search.c2 == best.c2)
    crf_validation = validation.loc[:, ["utterance_id", "family"]].assign(
        predicted_spans=validation_spans[best.c1, best.c2]
    )
    return chosen, search, crf_validation


def _intent_model(
    kind: str,
    c: float,
    table: pd.DataFrame,
    stacking: dict[str, Any],
    seed: int,
) -> IntentModel:
    if kind == "tfidf":
        return new_intent_classifier(c, seed).fit(table["text"], table["intent"])
    if kind == "stacked":
        return StackedIntentClassifier.fit(
            table["text"].tolist(),
            table["intent"].tolist(),
            table["family"].tolist(),
            c,
            stacking,
            seed,
        )
    raise ValueError(f"Unknown intent classifier kind '{kind}': tfidf or stacked.")


def tune_intent_classifier(
    train: pd.DataFrame, validation: pd.DataFrame, intents: dict[str, Any], seed: int
) -> tuple[IntentModel, pd.DataFrame]:
    """Per kind (``tfidf``: TF-IDF + logistic regression; ``stacked``: its
    out-of-family probabilities and the keyword rules combined) and ``C`` of
    the grid, fitted on train and scored (accuracy) on the validation families;
    the best refitted on train + validation. One BLAS thread: two make these
    small fits several times slower."""
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for kind, c in itertools.product(intents["kinds"], intents["C"]):
            model = _intent_model(kind, c, train, intents["stacking"], seed)
            accuracy = accuracy_score(
                validation["intent"], model.predict(validation["text"].tolist())
            )
            rows.append({"kind": kind, "C": c, "validation_accuracy": float(accuracy)})
            logger.info("Intents %s C=%g: validation accuracy %.4f", kind, c, accuracy)
        search = pd.DataFrame(rows)
        best = search.sort_values(
            ["validation_accuracy", "C"], ascending=[False, True], kind="stable"
        ).iloc[0]
        both = pd.concat([train, validation], ignore_index=True)
        search["chosen"] = (search.kind == best.kind) & (search.C == best.C)
        chosen = _intent_model(
            str(best.kind), float(best.C), both, intents["stacking"], seed
        )
    return chosen, search


def train_neural_tagger(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    gazetteer: Gazetteer,
    neural_tagger: dict[str, Any],
    seed: int,
) -> tuple[BiLstmSlotTagger, pd.DataFrame]:
    """The BiLSTM tagger (word, cue-word, character and token features; Keras,
    run in NumPy) trained on the training families with early stopping on the
    validation families' loss, and its loss per epoch."""
    encoder = TokenEncoder.fit(
        train["text"].tolist(),
        gazetteer,
        neural_tagger["min_word_count"],
        neural_tagger["max_chars"],
    )
    tag_index = {tag: i for i, tag in enumerate(TAGS)}

    def encoded(table: pd.DataFrame) -> tuple[list, list[list[int]]]:
        return (
            [
                encoder.encode(text, asked)
                for text, asked in zip(table["text"], table["requested_slot"])
            ],
            [[tag_index[tag] for tag in tags] for tags in _tags(table)],
        )

    return _neural().train_bilstm(
        encoder, encoded(train), encoded(validation), neural_tagger, seed
    )


def choose_parser(
    crf_validation: pd.DataFrame,
    neural_tagger: BiLstmSlotTagger,
    validation: pd.DataFrame,
    gazetteer: Gazetteer,
    choice: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """The served tagger, chosen on the validation families only. Both trained
    taggers are compared as trained on the training families alone (the CRF's
    best grid point before its refit, the BiLSTM at its early-stopping epoch).
    The CRF, the simpler model, is kept unless the BiLSTM's slot micro F1 beats
    it in at least ``choice.confidence`` of ``choice.resamples`` bootstrap
    resamples of the validation families: generalising to new phrasings is the
    question, and a few families can sway a point estimate. The rules' figure
    is shown beside them."""
    gold = [json.loads(spans) for spans in validation["spans"]]
    families = validation["family"].tolist()

    def counts(predicted: list[str]) -> pd.DataFrame:
        return family_counts(families, gold, [json.loads(p) for p in predicted])

    by_tagger = {
        "crf": counts(crf_validation["predicted_spans"].tolist()),
        "bilstm": counts(_spans_column(neural_tagger, validation)),
        "rules": counts(_spans_column(RuleSlotTagger(gazetteer), validation)),
    }
    share = family_bootstrap_win_share(
        by_tagger["bilstm"], by_tagger["crf"], choice["resamples"], seed
    )
    chosen = "bilstm" if share >= choice["confidence"] else "crf"
    scores = {name: counts_f1(table) for name, table in by_tagger.items()}
    logger.info(
        "Validation slot micro F1 %s; the BiLSTM beats the CRF in %.1f %% of "
        "family resamples: serving %s.",
        {name: round(f1, 4) for name, f1 in scores.items()},
        100 * share,
        chosen,
    )
    return {
        "validation_slot_micro_f1": scores,
        "bilstm_beats_crf_share": share,
        "chosen": chosen,
        "rule": (
            "the CRF unless the BiLSTM's slot micro F1 on the validation families "
            f"beats it in at least {choice['confidence']:.0%} of "
            f"{choice['resamples']:,} bootstrap resamples of those families (both "
            "trained on the training families only)"
        ),
    }


def assemble_parsers(
    slot_tagger: CrfSlotTagger,
    neural_tagger: BiLstmSlotTagger,
    intent_classifier: IntentModel,
    gazetteer: Gazetteer,
    normalisation: dict[str, Any],
) -> dict[str, FlightRequestParser]:
    """The trained parsers (CRF or BiLSTM tagger, the same intent classifier)
    and the rule baseline, all with the same normaliser."""
    currency = normalisation["default_currency"]
    return {
        "crf": FlightRequestParser(
            "crf", slot_tagger, intent_classifier, gazetteer, currency
        ),
        "bilstm": FlightRequestParser(
            "bilstm", neural_tagger, intent_classifier, gazetteer, currency
        ),
        "rules": FlightRequestParser(
            "rules", RuleSlotTagger(gazetteer), RuleIntentModel(), gazetteer, currency
        ),
    }


def _parse_table(
    parser: FlightRequestParser, table: pd.DataFrame
) -> list[dict[str, Any]]:
    return parser.parse_many(
        table["text"].tolist(),
        [dt.date.fromisoformat(d) for d in table["reference_date"]],
        table["requested_slot"].tolist(),
    )


def evaluate_parsers(
    parsers: dict[str, FlightRequestParser],
    test: pd.DataFrame,
    hand_written: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Per parser and evaluation set (held-out families, hand-written): slot
    scores, every prediction, and the summary figures (micro F1, course score,
    values right, intent accuracy, utterances fully understood)."""
    scores, predictions, summary = [], [], {}
    for (name, parser), (set_name, table) in itertools.product(
        parsers.items(), zip(EVALUATION_SETS, (test, hand_written))
    ):
        results = _parse_table(parser, table)
        gold_spans = [json.loads(spans) for spans in table["spans"]]
        gold_values = [json.loads(values) for values in table["values"]]
        table_scores = slot_scores(
            table["text"].tolist(), gold_spans, [r["spans"] for r in results]
        ).assign(parser=name, evaluation_set=set_name)
        scores.append(table_scores)
        # Sets without normalised gold values (Maluuba Frames) score spans and
        # intents only.
        has_values = any(gold_values)
        understood = [
            fully_understood(intent, values, result) if has_values else None
            for intent, values, result in zip(table["intent"], gold_values, results)
        ]
        micro = table_scores.set_index("slot").loc["micro"]
        summary.setdefault(name, {})[set_name] = {
            "utterances": len(table),
            "slot_micro_f1": float(micro["f1"]),
            "slot_micro_partial_f1": float(micro["partial_f1"]),
            "slot_f1": dict(zip(table_scores.slot, table_scores.f1.astype(float))),
            "slot_partial_f1": dict(
                zip(table_scores.slot, table_scores.partial_f1.astype(float))
            ),
            "course_score": course_score(gold_spans, [r["spans"] for r in results]),
            "value_accuracy": value_accuracy(
                gold_values, [r["values"] for r in results]
            )
            if has_values
            else None,
            "intent_accuracy": float(
                accuracy_score(table["intent"], [r["intent"] for r in results])
            ),
            "fully_understood": float(np.mean(understood)) if has_values else None,
        }
        predictions.append(
            table.loc[:, ["utterance_id", "family", "intent", "text", "values"]].assign(
                parser=name,
                evaluation_set=set_name,
                predicted_intent=[r["intent"] for r in results],
                predicted_spans=[
                    json.dumps(r["spans"], ensure_ascii=False) for r in results
                ],
                predicted_values=[
                    json.dumps(r["values"], ensure_ascii=False) for r in results
                ],
                fully_understood=understood,
            )
        )
    slot_table = pd.concat(scores, ignore_index=True)
    slot_table = slot_table.loc[
        :,
        ["parser", "evaluation_set", "slot", "precision", "recall", "f1", "support"]
        + ["partial_precision", "partial_recall", "partial_f1"],
    ]
    return slot_table, pd.concat(predictions, ignore_index=True), summary


def measure_latency(
    parsers: dict[str, FlightRequestParser],
    hand_written: pd.DataFrame,
    latency: dict[str, Any],
) -> pd.DataFrame:
    """Milliseconds to parse one utterance (tagging, intent, normalisation), each
    hand-written utterance parsed alone ``latency.repeats`` times, per parser."""
    rows = []
    for name, parser in parsers.items():
        timings = []
        for _ in range(latency["repeats"]):
            for row in hand_written.itertuples():
                started = time.perf_counter()
                parser.parse_many(
                    [row.text],
                    [dt.date.fromisoformat(row.reference_date)],
                    [row.requested_slot],
                )
                timings.append(1000 * (time.perf_counter() - started))
        rows.append(
            {
                "parser": name,
                "calls": len(timings),
                "p50_ms": float(np.percentile(timings, 50)),
                "p99_ms": float(np.percentile(timings, 99)),
            }
        )
    return pd.DataFrame(rows)


def register_model(
    parsers: dict[str, FlightRequestParser],
    metrics: dict[str, Any],
    promotion: dict[str, Any],
) -> ModelRelease:
    """The parser chosen on validation (``metrics["chosen_parser"]``) as an
    MLflow pyfunc (text, conversation date, the slot the bot asked for and a
    known departure in; intent, spans and normalised values out), with the
    verdict of its gate: slot micro F1 on the held-out families against the
    rule baseline's."""
    verdict = quality_gate(metrics, promotion["gate"])
    chosen = metrics["chosen_parser"]
    parser = parsers[chosen]
    example = pd.DataFrame(
        {
            "text": [
                "I want to book a flight from Toulouse to Mexico from 18/01/2022 to "
                "01/02/2023. I have a budget of 1000€",
                "for ten days",
            ],
            "reference_date": ["2021-12-01", "2021-12-01"],
            "requested_slot": ["", "return_date"],
            "departure_date": ["", "2022-01-18"],
        }
    )
    model = FlightRequestModel(parser)
    output = parser_output(model.parse_frame(example))
    held_out = metrics["parsers"][chosen]
    intents = metrics["intent_classifier"]["kind"]
    return ModelRelease(
        python_model=model,
        signature=infer_signature(example, output),
        input_example=example,
        verdict=verdict,
        description=(
            f"Flight-booking NLU: {chosen} slot tagger (chosen on the validation "
            f"families) + {intents} intent classifier, dates and budgets "
            "normalised. Held-out families: slot micro F1 "
            f"{held_out['test']['slot_micro_f1']:.3f}; hand-written utterances: "
            f"{held_out['hand_written']['slot_micro_f1']:.3f}. {verdict.reason}."
        ),
        tags={"tagger": chosen, "intents": intents},
        pip_requirements=pip_requirements(),
    )


def check_course_utterance(
    parsers: dict[str, FlightRequestParser],
    parser_choice: dict[str, Any],
    course_utterance: dict[str, Any],
) -> dict[str, Any]:
    """The course's own test utterance parsed by every parser, and whether each
    found exactly the expected values; at the top level, the chosen parser's."""
    expected = course_utterance["expected"]
    by_parser = {}
    for name, parser in parsers.items():
        [result] = parser.parse_many(
            [course_utterance["text"]],
            [dt.date.fromisoformat(course_utterance["reference_date"])],
            [""],
        )
        by_parser[name] = {
            "intent": result["intent"],
            "values": result["values"],
            "parsed_exactly": result["values"] == expected,
        }
    chosen = parser_choice["chosen"]
    return {
        "text": course_utterance["text"],
        "expected": expected,
        "parser": chosen,
        **by_parser[chosen],
        "parsers": by_parser,
    }
