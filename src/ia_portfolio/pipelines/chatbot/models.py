"""Natural-language understanding of booking requests: a CRF slot tagger, a
TF-IDF intent classifier (alone or stacked with the keyword rules), the
rule/gazetteer baseline they must beat, and the
``FlightRequestParser`` that joins a tagger and an intent model with the
normaliser (what the served model runs)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import sklearn_crfsuite
from dateparser.search import search_dates
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, make_pipeline

from ia_portfolio.pipelines.chatbot.normalise import (
    DATE_SETTINGS,
    MONEY,
    NO_LIMIT,
    mask_money,
    normalise_slots,
)
from ia_portfolio.pipelines.chatbot.text import (
    Gazetteer,
    Span,
    Token,
    fold,
    tags_to_spans,
    tokenize,
)

MONTH_WORDS = {
    fold(m)
    for m in "january february march april may june july august september october "
    "november december jan feb mar apr jun jul aug sep sept oct nov dec".split()
}
WEEKDAY_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "tomorrow", "today", "tonight", "weekend",
}  # fmt: skip
CURRENCY_WORDS = {
    "€", "$", "£", "¥", "eur", "euro", "euros", "usd", "dollar", "dollars", "bucks",
    "gbp", "pound", "pounds", "quid", "cad", "chf", "francs", "yen", "jpy", "ca",
}  # fmt: skip
NUMBER_WORDS = set(
    "one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen twenty a couple".split()
)


def shape(word: str) -> str:
    """Letters as ``X``/``x``, digits as ``d``, runs collapsed (18/01/2022 -> d/d/d)."""
    mapped = re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word)))
    return re.sub(r"(.)\1+", r"\1", mapped)


WORD_CLASSES = (
    ("month", MONTH_WORDS),
    ("weekday", WEEKDAY_WORDS),
    ("currency", CURRENCY_WORDS),
    ("number_word", NUMBER_WORDS),
)
WORD_CLASS_NAMES = (
    *(name for name, _ in WORD_CLASSES),
    "ordinal",
    "numeric_date",
    "number",
    "word",
)


def word_class(word: str) -> str:
    """What kind of word it is for dates and money."""
    folded = fold(word)
    for name, words in WORD_CLASSES:
        if folded in words:
            return name
    if re.fullmatch(r"\d{1,2}(st|nd|rd|th)", folded):
        return "ordinal"
    if re.fullmatch(r"\d+([./-]\d+){2}", folded):
        return "numeric_date"
    if re.fullmatch(r"[\d,.]+k?", folded):
        return "number"
    return "word"


def token_features(
    tokens: Sequence[Token], gazetteer: Gazetteer, requested_slot: str
) -> list[dict[str, Any]]:
    """CRF features of each token: the word, its shape and class, gazetteer
    membership, the words around it and before the gazetteer name it is in, and
    the slot the bot had asked for."""
    words = [t.text for t in tokens]
    folded = [fold(w) for w in words]
    gazetteer_tags = gazetteer.tags(tokens)
    name_start = []
    start = 0
    for index, tag in enumerate(gazetteer_tags):
        start = index if tag != "I" else start
        name_start.append(start)
    features = []
    for i, word in enumerate(words):
        feature: dict[str, Any] = {
            "bias": 1.0,
            "word": folded[i],
            "suffix3": folded[i][-3:],
            "prefix3": folded[i][:3],
            "shape": shape(word),
            "class": word_class(word),
            "title": word[:1].isupper(),
            "upper": word.isupper(),
            "gazetteer": gazetteer_tags[i],
            "asked": requested_slot or "none",
            "asked|gazetteer": f"{requested_slot}|{gazetteer_tags[i]}",
            "asked|class": f"{requested_slot}|{word_class(word)}",
        }
        if gazetteer_tags[i] != "O":
            first = name_start[i]
            feature["word_before_name"] = folded[first - 1] if first > 0 else "<s>"
            feature["words_before_name"] = " ".join(folded[max(0, first - 2) : first])
        for offset in (-3, -2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                feature[f"{offset}:word"] = folded[j]
                feature[f"{offset}:class"] = word_class(words[j])
                feature[f"{offset}:gazetteer"] = gazetteer_tags[j]
            else:
                feature[f"{offset}:word"] = "<s>" if j < 0 else "</s>"
        feature["-1|word"] = f"{feature['-1:word']}|{folded[i]}"
        features.append(feature)
    return features


class SlotTagger(Protocol):
    def predict_spans(
        self, texts: Sequence[str], requested_slots: Sequence[str]
    ) -> list[list[Span]]: ...


class IntentModel(Protocol):
    def predict(self, texts: Sequence[str]) -> list[str]: ...


@dataclass
class CrfSlotTagger:
    """BIO slot tagging with a linear-chain CRF (CRFsuite, L-BFGS, elastic net)."""

    gazetteer: Gazetteer
    crf: sklearn_crfsuite.CRF

    def features(self, text: str, requested_slot: str) -> list[dict[str, Any]]:
        return token_features(tokenize(text), self.gazetteer, requested_slot)

    def fit(
        self,
        texts: Sequence[str],
        requested_slots: Sequence[str],
        tags: Sequence[Sequence[str]],
    ) -> CrfSlotTagger:
        features = [self.features(t, r) for t, r in zip(texts, requested_slots)]
        self.crf.fit(features, [list(t) for t in tags])
        return self

    def predict_spans(
        self, texts: Sequence[str], requested_slots: Sequence[str]
    ) -> list[list[Span]]:
        features = [self.features(t, r) for t, r in zip(texts, requested_slots)]
        predicted = self.crf.predict(features) if features else []
        return [
            tags_to_spans(text, tokenize(text), tags)
            for text, tags in zip(texts, predicted, strict=True)
        ]


def new_crf(c1: float, c2: float, max_iterations: int) -> sklearn_crfsuite.CRF:
    return sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=c1,
        c2=c2,
        max_iterations=max_iterations,
        all_possible_transitions=True,
    )


def new_intent_classifier(c: float, seed: int) -> Any:
    """TF-IDF of words (1-2 grams) and characters (2-4 grams inside words), then
    a multinomial logistic regression."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True
                ),
            ),
        ]
    )
    return make_pipeline(
        features, LogisticRegression(C=c, max_iter=2000, random_state=seed)
    )


# --- rule baseline -------------------------------------------------------------
ORIGIN_CUES = {"from", "leaving", "departing", "of", "in", "out"}
DESTINATION_CUES = {"to", "visit", "see", "towards", "destination", "into", "->"}
BUDGET_CUES = {"budget", "spend", "max", "under", "than", "about", "most", "of", "is"}
YES = re.compile(
    r"^(yes|yep|yeah|sure|ok|okay|correct|right|exactly|absolutely|perfect|great|go ahead|sounds good|that's (right|correct|it))\b"
)
NO = re.compile(
    r"^(no|nope|nah|wrong|incorrect|not (quite|right)|that's (wrong|not))\b"
)
GREETINGS = re.compile(r"^(hello|hi|hey|good (morning|afternoon|evening))\b")
GOODBYES = re.compile(r"\b(bye|goodbye|that's all|i'm done|nothing else)\b")
RESTARTS = re.compile(
    r"\b(start over|start again|restart|reset|from scratch|new (booking|search)|another trip)\b"
)


@dataclass
class RuleIntentModel:
    """Keyword rules; whatever matches none is a booking request (``inform``)."""

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.intent(fold(text).strip()) for text in texts]

    @staticmethod
    def intent(text: str) -> str:
        if RESTARTS.search(text):
            return "restart"
        if NO.search(text):
            return "deny"
        if YES.search(text):
            return "affirm"
        if GOODBYES.search(text):
            return "goodbye"
        if GREETINGS.search(text) and len(text.split()) <= 3:
            return "greet"
        return "inform"


def rule_evidence(texts: Sequence[str], intents: Sequence[str]) -> np.ndarray:
    """One-hot of the intent the keyword rules give each text, over ``intents``."""
    found = RuleIntentModel().predict(texts)
    return np.array([[f == i for i in intents] for f in found], dtype=float)


def out_of_family_probabilities(
    texts: Sequence[str],
    intents: Sequence[str],
    families: Sequence[str],
    c: float,
    folds: int,
    seed: int,
) -> tuple[np.ndarray, list[str]]:
    """P(intent) of each text by a TF-IDF classifier that never saw its template
    family (families split in ``folds`` groups), columns in sorted intent order:
    how the classifier behaves on phrasings it was not trained on."""
    labels = sorted(set(intents))
    texts, intents = np.asarray(texts, dtype=object), np.asarray(intents)
    probabilities = np.zeros((len(texts), len(labels)))
    splitter = GroupKFold(n_splits=min(folds, len(set(families))))
    for fit_rows, held_rows in splitter.split(texts, intents, groups=families):
        model = new_intent_classifier(c, seed).fit(texts[fit_rows], intents[fit_rows])
        columns = [labels.index(label) for label in model.classes_]
        probabilities[np.ix_(held_rows, columns)] = model.predict_proba(
            texts[held_rows]
        )
    return probabilities, labels


@dataclass
class StackedIntentClassifier:
    """The TF-IDF classifier's probabilities and the keyword rules' intent,
    combined by a class-balanced logistic regression that learned, on
    out-of-family probabilities, when to trust which: a held-out phrasing of
    "restart" looks like nothing the classifier saw, and the rules' keywords
    may still know it."""

    text_model: Any
    combiner: LogisticRegression
    labels: list[str]

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        intents: Sequence[str],
        families: Sequence[str],
        c: float,
        stacking: dict[str, Any],
        seed: int,
    ) -> StackedIntentClassifier:
        probabilities, labels = out_of_family_probabilities(
            texts, intents, families, c, stacking["folds"], seed
        )
        combiner = LogisticRegression(
            C=stacking["combiner_C"],
            class_weight="balanced",
            max_iter=2000,
            random_state=seed,
        ).fit(np.hstack([probabilities, rule_evidence(texts, labels)]), intents)
        text_model = new_intent_classifier(c, seed).fit(list(texts), list(intents))
        return cls(text_model, combiner, labels)

    def predict(self, texts: Sequence[str]) -> list[str]:
        if not len(texts):
            return []
        probabilities = np.zeros((len(texts), len(self.labels)))
        columns = [self.labels.index(label) for label in self.text_model.classes_]
        probabilities[:, columns] = self.text_model.predict_proba(list(texts))
        evidence = rule_evidence(texts, self.labels)
        return list(self.combiner.predict(np.hstack([probabilities, evidence])))


@dataclass
class RuleSlotTagger:
    """Gazetteer cities (after "from": origin, after "to": destination, else in
    order), dates found by ``dateparser``'s search on the text with money masked
    (first: departure, second: return), amounts with a currency or after
    "budget"-like words."""

    gazetteer: Gazetteer

    def predict_spans(
        self, texts: Sequence[str], requested_slots: Sequence[str]
    ) -> list[list[Span]]:
        return [
            sorted(self.spans(t, r), key=lambda s: s.start)
            for t, r in zip(texts, requested_slots, strict=True)
        ]

    def spans(self, text: str, requested_slot: str) -> list[Span]:
        return [
            *self.city_spans(text, requested_slot),
            *self.date_spans(text, requested_slot),
            *self.budget_spans(text),
        ]

    def city_spans(self, text: str, requested_slot: str) -> list[Span]:
        tokens = tokenize(text)
        spans: list[Span] = []
        for first, end, _ in self.gazetteer.match(tokens):
            before = {fold(t.text) for t in tokens[max(0, first - 2) : first]}
            if before & ORIGIN_CUES:
                slot = "origin"
            elif before & DESTINATION_CUES:
                slot = "destination"
            elif requested_slot in ("origin", "destination") and not spans:
                slot = requested_slot
            else:
                slot = (
                    "destination"
                    if any(s.slot == "origin" for s in spans)
                    else "origin"
                )
            start, stop = tokens[first].start, tokens[end - 1].end
            spans.append(Span(slot, start, stop, text[start:stop]))
        return spans

    def date_spans(self, text: str, requested_slot: str) -> list[Span]:
        found = (
            search_dates(
                mask_money(text), languages=["en"], settings=dict(DATE_SETTINGS)
            )
            or []
        )
        spans: list[Span] = []
        cursor = 0
        for phrase, _ in found:
            start = text.find(phrase, cursor)
            if start < 0:
                continue
            cursor = start + len(phrase)
            trimmed = re.sub(r"^(from|on|until|to|the|back)\s+", "", phrase, flags=re.I)
            trimmed = re.sub(r"\s+(and|to|until)$", "", trimmed, flags=re.I)
            start += phrase.find(trimmed)
            if requested_slot == "return_date" and len(found) == 1:
                slot = "return_date"
            else:
                slot = "departure_date" if not spans else "return_date"
            spans.append(Span(slot, start, start + len(trimmed), trimmed))
        return spans[:2]

    def budget_spans(self, text: str) -> list[Span]:
        if match := NO_LIMIT.search(text):
            return [Span("budget", match.start(), match.end(), match.group())]
        for match in MONEY.finditer(text):
            words_before = {w.casefold() for w in text[: match.start()].split()[-3:]}
            has_currency = match["before"] or match["after"] or match["k"]
            if has_currency or words_before & BUDGET_CUES:
                value = match.group().strip()
                start = match.start() + match.group().find(value)
                return [Span("budget", start, start + len(value), value)]
        return []


@dataclass
class FlightRequestParser:
    """Text -> intent, slot spans and normalised values."""

    name: str
    tagger: SlotTagger
    intents: IntentModel
    gazetteer: Gazetteer
    default_currency: str

    def parse_many(
        self,
        texts: Sequence[str],
        references: Sequence[dt.date],
        requested_slots: Sequence[str],
        departures: Sequence[dt.date | None] | None = None,
    ) -> list[dict[str, Any]]:
        """One result per text: ``intent``, ``spans`` and ``values``."""
        spans = self.tagger.predict_spans(texts, requested_slots)
        intents = self.intents.predict(texts)
        departures = departures or [None] * len(texts)
        results = []
        for text_spans, intent, reference, departure in zip(
            spans, intents, references, departures, strict=True
        ):
            found = [span.as_dict() for span in text_spans]
            results.append(
                {
                    "intent": intent,
                    "spans": found,
                    "values": normalise_slots(
                        found,
                        reference,
                        self.gazetteer,
                        self.default_currency,
                        departure,
                    ),
                }
            )
        return results
