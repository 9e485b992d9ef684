"""Nodes of the ``text_analytics`` pipeline: the labelled corpus prepared and
sampled, every provider's answers, and their evaluation against the true
languages."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from ia_portfolio.pipelines.text_analytics.azure import (
    ENDPOINT_VARIABLE,
    KEY_VARIABLE,
    AzureCredentials,
    AzureCredentialsError,
    AzureLanguageProvider,
)
from ia_portfolio.pipelines.text_analytics.local import LocalProvider
from ia_portfolio.pipelines.text_analytics.providers import (
    Document,
    TextAnalyticsProvider,
    check_document,
    count_words,
)
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

logger = logging.getLogger(__name__)

PREDICTION_COLUMNS = [
    "doc_id",
    "provider",
    "detected_language",
    "detected_name",
    "confidence",
    "raw_language",
    "latency_ms",
    "error_code",
    "error_message",
    "warnings",
]
INSIGHT_COLUMNS = [
    "doc_id",
    "provider",
    "detected_language",
    "sentiment",
    "positive",
    "neutral",
    "negative",
    "sentiment_error",
    "key_phrases",
    "key_phrases_error",
    "latency_ms",
]
OTHER = "other"  # a prediction outside the corpus's languages, or none at all


def prepare_corpus(raw: pd.DataFrame, data: dict[str, Any], seed: int) -> pd.DataFrame:
    """Labelled documents to analyse: label aliases applied, chosen languages kept,
    valid texts shorter than ``min_words`` dropped, at most
    ``max_docs_per_language`` per language (sample drawn with ``seed``).

    Documents that are not usable text (empty, not a string) are kept: the
    providers reject them the way the service does, and the report counts them.
    """
    frame = raw.copy()
    frame["doc_id"] = frame["doc_id"].astype(str)
    frame["language"] = (
        frame["language"].astype(str).replace(data.get("label_aliases") or {})
    )
    languages = data.get("languages")
    if languages:
        available = sorted(frame["language"].unique())
        frame = frame[frame["language"].isin(languages)]
        if frame.empty:
            raise ValueError(
                f"None of the languages {languages} (parameter "
                f"text_analytics.data.languages) is in the corpus; it has {available}."
            )
    frame["n_words"] = frame["text"].map(count_words)
    frame["n_chars"] = frame["text"].map(lambda t: len(t) if isinstance(t, str) else 0)
    valid = frame["text"].map(lambda t: check_document(t)[1] is None)
    frame = frame[~valid | (frame["n_words"] >= data.get("min_words", 0))]
    cap = data.get("max_docs_per_language")
    if cap:
        shuffled = frame.sample(frac=1, random_state=seed)
        frame = shuffled.groupby("language").head(cap)
    frame = frame.sort_values(["language", "doc_id"]).reset_index(drop=True)
    invalid = (~frame["text"].map(lambda t: check_document(t)[1] is None)).sum()
    logger.info(
        "%d documents in %d languages (%d unusable texts kept, to be reported).",
        len(frame),
        frame["language"].nunique(),
        invalid,
    )
    return frame[["doc_id", "text", "language", "n_words", "n_chars"]]


def select_sample(
    corpus: pd.DataFrame, sample: dict[str, Any], seed: int
) -> pd.DataFrame:
    """``per_language`` documents of each language (drawn with ``seed``), for
    sentiment and key phrases; only usable texts."""
    usable = corpus[corpus["text"].map(lambda t: check_document(t)[1] is None)]
    shuffled = usable.sample(frac=1, random_state=seed)
    picked = shuffled.groupby("language").head(sample["per_language"])
    return picked.sort_values(["language", "doc_id"]).reset_index(drop=True)


def _documents(frame: pd.DataFrame) -> list[Document]:
    return [
        Document(str(d), t) for d, t in zip(frame["doc_id"], frame["text"], strict=True)
    ]


def _detect(provider: TextAnalyticsProvider, corpus: pd.DataFrame) -> pd.DataFrame:
    results = provider.detect_language(_documents(corpus))
    rows = [
        {
            "doc_id": r.id,
            "provider": provider.name,
            "detected_language": r.language,
            "detected_name": r.name,
            "confidence": r.confidence,
            "raw_language": r.raw_language,
            "latency_ms": r.latency_ms,
            "error_code": r.error.code if r.error else None,
            "error_message": r.error.message if r.error else None,
            "warnings": " | ".join(r.warnings) or None,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows, columns=PREDICTION_COLUMNS)
    logger.info(
        "%s: %d documents, %d errors, %.1f ms per document on average.",
        provider.name,
        len(frame),
        frame["error_code"].notna().sum(),
        frame["latency_ms"].mean() if len(frame) else float("nan"),
    )
    return frame


def _insights(
    provider: TextAnalyticsProvider, sample: pd.DataFrame, tasks: list[str]
) -> pd.DataFrame:
    analyses = provider.analyze(_documents(sample), tasks=["language", *tasks])
    rows = []
    for analysis in analyses:
        sentiment, phrases = analysis.sentiment, analysis.key_phrases
        latencies = [
            r.latency_ms
            for r in (analysis.language, sentiment, phrases)
            if r is not None and r.latency_ms is not None
        ]
        rows.append(
            {
                "doc_id": analysis.id,
                "provider": provider.name,
                "detected_language": analysis.language.language
                if analysis.language
                else None,
                "sentiment": sentiment.sentiment if sentiment else None,
                "positive": sentiment.positive if sentiment else None,
                "neutral": sentiment.neutral if sentiment else None,
                "negative": sentiment.negative if sentiment else None,
                "sentiment_error": sentiment.error.code
                if sentiment and sentiment.error
                else None,
                "key_phrases": "; ".join(phrases.key_phrases) if phrases else None,
                "key_phrases_error": phrases.error.code
                if phrases and phrases.error
                else None,
                "latency_ms": round(sum(latencies), 4),
            }
        )
    return pd.DataFrame(rows, columns=INSIGHT_COLUMNS)


def _disabled(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    logger.info(
        "Provider '%s' is disabled (text_analytics.providers.%s.enabled).", name, name
    )
    return pd.DataFrame(columns=PREDICTION_COLUMNS), pd.DataFrame(
        columns=INSIGHT_COLUMNS
    )


def analyse_with_local(
    corpus: pd.DataFrame, sample: pd.DataFrame, local: dict[str, Any], tasks: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Language of every document, and ``tasks`` (sentiment, key phrases) on the
    sample, with the offline pretrained models."""
    if not local.get("enabled", True):
        return _disabled("local")
    provider = LocalProvider(**local.get("options", {}))
    provider.warm_up()  # model loading is not document latency
    return _detect(provider, corpus), _insights(provider, sample, tasks)


def analyse_with_azure(
    corpus: pd.DataFrame,
    sample: pd.DataFrame,
    credentials: AzureCredentials | None,
    azure: dict[str, Any],
    tasks: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same with Azure AI Language, when enabled; the run fails with a clear
    message if it is enabled without credentials or the service refuses them."""
    if not azure.get("enabled", False):
        return _disabled("azure")
    if credentials is None:
        raise AzureCredentialsError(
            "text_analytics.providers.azure.enabled is true but no Azure AI Language "
            "credentials were found: add endpoint and key under 'azure_language' in "
            f"conf/local/credentials.yml, or set {ENDPOINT_VARIABLE} and {KEY_VARIABLE}."
        )
    with AzureLanguageProvider(credentials, **azure.get("options", {})) as provider:
        return _detect(provider, corpus), _insights(provider, sample, tasks)


def _provider_metrics(frame: pd.DataFrame, long_min_words: int) -> dict[str, Any]:
    truth = frame["language"].astype(str)
    predicted = frame["detected_language"].fillna(OTHER).astype(str)
    labels = sorted(truth.unique())
    long = frame["n_words"] >= long_min_words
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    latency = frame["latency_ms"].astype(float)
    total_s = latency.sum() / 1000
    metrics: dict[str, Any] = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        ),
        f"accuracy_{long_min_words}_plus_words": (
            float(accuracy_score(truth[long], predicted[long])) if long.any() else None
        ),
        f"macro_f1_{long_min_words}_plus_words": (
            float(
                f1_score(
                    truth[long],
                    predicted[long],
                    labels=sorted(truth[long].unique()),
                    average="macro",
                    zero_division=0,
                )
            )
            if long.any()
            else None
        ),
        "n_documents": len(frame),
        f"n_documents_{long_min_words}_plus_words": int(long.sum()),
        "n_languages": len(labels),
        "n_errors": int(frame["error_code"].notna().sum()),
        "errors_by_code": {
            str(k): int(v) for k, v in frame["error_code"].value_counts().items()
        },
        "documents_per_second": float(len(frame) / total_s) if total_s > 0 else None,
        "latency_ms": {
            "mean": float(latency.mean()),
            "p50": float(latency.quantile(0.5)),
            "p95": float(latency.quantile(0.95)),
            "max": float(latency.max()),
        },
        "per_language": {
            label: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(
                labels, precision, recall, f1, support, strict=True
            )
        },
    }
    return metrics


def evaluate_language_detection(
    corpus: pd.DataFrame,
    local_predictions: pd.DataFrame,
    azure_predictions: pd.DataFrame,
    evaluation: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], MlflowMetrics]:
    """Predictions of every provider next to the true language, ``metrics.json``
    (accuracy and macro-F1 per provider, overall and on texts of
    ``long_text_min_words``+ words, errors, latency) and the same flattened for
    MLflow. A document a provider could not analyse counts as a wrong answer."""
    frames = [f for f in (local_predictions, azure_predictions) if len(f)]
    if not frames:
        raise ValueError(
            "No provider ran: enable text_analytics.providers.local or .azure."
        )
    long_min = evaluation["long_text_min_words"]
    predictions = pd.concat(frames, ignore_index=True).merge(
        corpus[["doc_id", "language", "n_words", "n_chars", "text"]],
        on="doc_id",
        how="left",
        validate="many_to_one",
    )
    predictions["correct"] = predictions["detected_language"] == predictions["language"]
    excerpt = evaluation.get("excerpt_chars", 120)
    predictions["text"] = predictions["text"].map(
        lambda t: (
            t if not isinstance(t, str) or len(t) <= excerpt else t[:excerpt] + "…"
        )
    )
    metrics = {
        name: _provider_metrics(group, long_min)
        for name, group in predictions.groupby("provider", sort=False)
    }
    for name, values in metrics.items():
        logger.info(
            "%s: accuracy %.4f, macro-F1 %.4f (%d+ words: accuracy %s), %s docs/s.",
            name,
            values["accuracy"],
            values["macro_f1"],
            long_min,
            values[f"accuracy_{long_min}_plus_words"],
            values["documents_per_second"],
        )
    figures = {}
    for name, values in metrics.items():
        figures |= {
            f"{name}_{key}": value
            for key, value in values.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        figures |= {
            f"{name}_latency_ms_{key}": value
            for key, value in values["latency_ms"].items()
        }
    columns = ["doc_id", "provider", "language", "detected_language", "correct"]
    rest = [c for c in predictions.columns if c not in columns]
    return predictions[columns + rest], metrics, mlflow_metrics(figures)


def build_key_phrases_table(
    sample: pd.DataFrame, local_insights: pd.DataFrame, azure_insights: pd.DataFrame
) -> pd.DataFrame:
    """Key phrases and sentiment of the sample documents, per provider."""
    frames = [f for f in (local_insights, azure_insights) if len(f)]
    insights = pd.concat(frames, ignore_index=True) if frames else local_insights
    table = insights.merge(
        sample[["doc_id", "language", "text"]], on="doc_id", how="left"
    )
    columns = ["doc_id", "provider", "language", "text", "key_phrases", "sentiment"]
    rest = [c for c in table.columns if c not in columns]
    return table[columns + rest]
