"""One interface for language detection, sentiment and key phrases, whatever the
provider: pretrained models inside packages (``local``) or Azure AI Language
(``azure``).

Both providers apply the service's rules to every document before analysing it
(:func:`check_document`), so the same bad input gets the same reported error from
either of them, and a bad document never fails the others.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# Azure AI Language, synchronous pre-built features: 5,120 characters per document
# (measured in text elements, i.e. grapheme clusters, which are never more than
# Python's code points: cutting at 5,120 code points always fits).
MAX_DOCUMENT_CHARS = 5120

TASKS = ("language", "sentiment", "key_phrases")

INVALID_DOCUMENT = "InvalidDocument"
UNSUPPORTED_LANGUAGE = "UnsupportedLanguageCode"
TRUNCATED = "DocumentTruncated"

# Scripts written without spaces between words: about 2 characters a word for
# Chinese and Japanese, about 4 for Thai, Lao, Khmer, Myanmar and Tibetan.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SOUTHEAST_ASIAN = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Document:
    """One text to analyse; ``language`` is an ISO 639-1 hint (or detected code)."""

    id: str
    text: Any
    language: str | None = None


@dataclass(frozen=True)
class DocumentError:
    """Why one document got no result, in the service's terms."""

    code: str
    message: str


@dataclass(frozen=True)
class LanguageResult:
    """Detected language of one document."""

    id: str
    language: str | None = None  # ISO 639-1 where one exists, else ISO 639-3
    name: str | None = None
    confidence: float | None = None
    raw_language: str | None = None  # the provider's own code (e.g. Azure's zh_chs)
    latency_ms: float | None = None
    error: DocumentError | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentimentResult:
    """Sentiment label and scores of one document."""

    id: str
    sentiment: str | None = None  # positive, neutral, negative (Azure also: mixed)
    positive: float | None = None
    neutral: float | None = None
    negative: float | None = None
    latency_ms: float | None = None
    error: DocumentError | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyPhraseResult:
    """Key phrases of one document, most relevant first."""

    id: str
    key_phrases: tuple[str, ...] = ()
    latency_ms: float | None = None
    error: DocumentError | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentAnalysis:
    """Everything a provider said about one document."""

    id: str
    language: LanguageResult | None = None
    sentiment: SentimentResult | None = None
    key_phrases: KeyPhraseResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_document(
    text: Any, truncate: bool = True, max_chars: int = MAX_DOCUMENT_CHARS
) -> tuple[str | None, DocumentError | None, tuple[str, ...]]:
    """Apply the service's document rules: ``(text to send, error, warnings)``.

    Non-text and empty documents are rejected; a document over ``max_chars`` is
    cut to it (``truncate``, what the seed did, with a warning) or rejected the way
    the service rejects it.
    """
    if not isinstance(text, str):
        return (
            None,
            DocumentError(
                INVALID_DOCUMENT,
                f"Document text must be a string, got {type(text).__name__}.",
            ),
            (),
        )
    if not text.strip():
        return None, DocumentError(INVALID_DOCUMENT, "Document text is empty."), ()
    if len(text) > max_chars:
        if not truncate:
            return (
                None,
                DocumentError(
                    INVALID_DOCUMENT,
                    "A document within the request was too large to be processed. "
                    f"Limit document size to: {max_chars} text elements.",
                ),
                (),
            )
        warning = f"{TRUNCATED}: cut from {len(text)} to {max_chars} characters."
        return text[:max_chars], None, (warning,)
    return text, None, ()


def count_words(text: Any) -> int:
    """Words in ``text``: letter runs, plus characters / 2 for Chinese and Japanese
    and characters / 4 for Thai, Lao, Khmer, Myanmar and Tibetan, which put no
    spaces between words."""
    if not isinstance(text, str):
        return 0
    cjk = len(_CJK.findall(text))
    southeast = len(_SOUTHEAST_ASIAN.findall(text))
    spaced = _SOUTHEAST_ASIAN.sub(" ", _CJK.sub(" ", text))
    return len(_WORD.findall(spaced)) + math.ceil(cjk / 2) + math.ceil(southeast / 4)


class TextAnalyticsProvider(ABC):
    """Language detection, sentiment and key phrases for batches of documents.

    Implementations never raise for one bad document: its result carries a
    :class:`DocumentError`. They raise only when the whole provider fails (e.g. a
    rejected key), with a message that names no secret.
    """

    name: str = "provider"

    @abstractmethod
    def detect_language(self, documents: Sequence[Document]) -> list[LanguageResult]:
        """The language of each document, in the same order."""

    @abstractmethod
    def analyze_sentiment(self, documents: Sequence[Document]) -> list[SentimentResult]:
        """The sentiment of each document (``Document.language`` is its language)."""

    @abstractmethod
    def extract_key_phrases(
        self, documents: Sequence[Document]
    ) -> list[KeyPhraseResult]:
        """The key phrases of each document (``Document.language`` is its language)."""

    def analyze(
        self, documents: Sequence[Document], tasks: Sequence[str] = TASKS
    ) -> list[DocumentAnalysis]:
        """Run ``tasks`` on ``documents``. Sentiment and key phrases use the language
        detected first (when ``language`` is among the tasks and no hint is given)."""
        unknown = set(tasks) - set(TASKS)
        if unknown:
            raise ValueError(f"Unknown tasks {sorted(unknown)}; choose from {TASKS}.")
        documents = list(documents)
        languages: list[LanguageResult | None] = [None] * len(documents)
        if "language" in tasks:
            languages = list(self.detect_language(documents))
            documents = [
                replace(d, language=d.language or (r.language if r else None))
                for d, r in zip(documents, languages, strict=True)
            ]
        sentiments: list[SentimentResult | None] = [None] * len(documents)
        if "sentiment" in tasks:
            sentiments = list(self.analyze_sentiment(documents))
        phrases: list[KeyPhraseResult | None] = [None] * len(documents)
        if "key_phrases" in tasks:
            phrases = list(self.extract_key_phrases(documents))
        return [
            DocumentAnalysis(d.id, language=lang, sentiment=s, key_phrases=k)
            for d, lang, s, k in zip(
                documents, languages, sentiments, phrases, strict=True
            )
        ]


def result_to_dict(analysis: DocumentAnalysis) -> dict[str, Any]:
    """A JSON-ready view of one document's analysis (for the CLI and reports)."""
    out: dict[str, Any] = {"id": analysis.id}
    for task in ("language", "sentiment", "key_phrases"):
        result = getattr(analysis, task)
        if result is None:
            continue
        values = {
            k: v
            for k, v in result.__dict__.items()
            if k not in {"id", "error", "warnings"} and v is not None
        }
        if isinstance(values.get("key_phrases"), tuple):
            values["key_phrases"] = list(values["key_phrases"])
        if result.error is not None:
            values["error"] = {
                "code": result.error.code,
                "message": result.error.message,
            }
        if result.warnings:
            values["warnings"] = list(result.warnings)
        out[task] = values
    return out
