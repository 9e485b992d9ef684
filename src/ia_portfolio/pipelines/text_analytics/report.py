"""The markdown report of the ``text_analytics`` pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

REPORT_TEMPLATE = """# Language detection with pretrained models

## Data
{documents} labelled documents in {n_languages} languages
({languages}), {long_documents}
of them with {long_min} words or more.

## Results
{results}

A document a provider could not analyse (empty, not text, refused) counts as wrong.
Latency is measured per document for the local models (after loading them) and as
request time / documents in the request for the cloud service.

## Weakest languages (lowest F1)
{weakest}

## Some mistakes
{mistakes}

## Key phrases and sentiment on a sample
{key_phrases}

Local sentiment (VADER) reads English only and local key phrases (YAKE) need
spaces between words: other documents get `UnsupportedLanguageCode`, as the
service answers for a language it does not support.
"""


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _results(metrics: dict[str, Any], long_min: int) -> str:
    """One row per provider: accuracy, macro-F1, errors and speed."""
    rows = []
    for name, values in metrics.items():
        dps = values["documents_per_second"]
        rows.append(
            {
                "provider": name,
                "documents": values["n_documents"],
                "accuracy": _percent(values["accuracy"]),
                "macro-F1": f"{values['macro_f1']:.3f}",
                f"accuracy, {long_min}+ words": _percent(
                    values[f"accuracy_{long_min}_plus_words"]
                ),
                "errors": values["n_errors"],
                "ms / document (median)": f"{values['latency_ms']['p50']:.3g}",
                "documents / s": "—" if dps is None else f"{dps:,.0f}",
            }
        )
    return pd.DataFrame(rows).to_markdown(index=False)


def _weakest_languages(metrics: dict[str, Any]) -> str:
    """The eight (provider, language) pairs with the lowest F1, then recall."""
    rows = [
        {"provider": name, "language": language, **figures}
        for name, values in metrics.items()
        for language, figures in values["per_language"].items()
    ]
    if not rows:
        return "—"
    weakest = pd.DataFrame(rows).sort_values(["f1", "recall"]).head(8)
    return weakest.to_markdown(index=False, floatfmt=".3f")


def _mistakes(predictions: pd.DataFrame) -> str:
    """The first eight wrong answers, with the document's excerpt."""
    columns = [
        "provider",
        "doc_id",
        "language",
        "detected_language",
        "error_code",
        "n_words",
        "text",
    ]
    wrong = predictions[~predictions["correct"]].head(8)[columns]
    wrong = wrong.astype(object).fillna("")
    return wrong.to_markdown(index=False) if len(wrong) else "None."


def _key_phrases(key_phrases: pd.DataFrame) -> str:
    """Key phrases and sentiment of one document per provider and language."""
    phrases = (
        key_phrases[key_phrases["key_phrases"].fillna("") != ""]
        .drop_duplicates(["provider", "language"])
        .head(12)[["provider", "language", "key_phrases", "sentiment", "text"]]
        .astype(object)
        .fillna("")
    )
    phrases["text"] = phrases["text"].map(lambda t: t if len(t) <= 80 else t[:80] + "…")
    if not len(phrases):
        return "None (no provider extracted key phrases)."
    return phrases.to_markdown(index=False)


def write_report(
    metrics: dict[str, Any],
    predictions: pd.DataFrame,
    key_phrases: pd.DataFrame,
    corpus: pd.DataFrame,
    evaluation: dict[str, Any],
) -> str:
    """A short markdown report: data, figures per provider, weakest languages,
    errors and a few key phrases."""
    long_min = evaluation["long_text_min_words"]
    languages = corpus.groupby("language").size()
    return REPORT_TEMPLATE.format(
        documents=len(corpus),
        n_languages=len(languages),
        languages=", ".join(f"{k} {v}" for k, v in languages.items()),
        long_documents=int((corpus["n_words"] >= long_min).sum()),
        long_min=long_min,
        results=_results(metrics, long_min),
        weakest=_weakest_languages(metrics),
        mistakes=_mistakes(predictions),
        key_phrases=_key_phrases(key_phrases),
    )
