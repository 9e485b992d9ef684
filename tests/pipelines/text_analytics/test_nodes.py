"""Nodes on small hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ia_portfolio.pipelines.text_analytics import nodes, plots, report
from ia_portfolio.pipelines.text_analytics.azure import AzureCredentialsError

EVALUATION = {"long_text_min_words": 10, "excerpt_chars": 30}
SEED = 1
LONG_FR = "Tous les êtres humains naissent libres et égaux en dignité et en droits."
LONG_EN = "All human beings are born free and equal in dignity and rights, they say."


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e", "f", "g"],
            "text": [
                LONG_FR,
                "Tous",
                LONG_EN,
                "",
                None,
                "Le monde entier",
                "El mundo entero",
            ],
            "language": ["fr", "fr", "en", "en", "fr", "fr", "es"],
        }
    )


def test_prepare_corpus_filters_but_keeps_unusable_texts_to_report(raw):
    corpus = nodes.prepare_corpus(
        raw, {"min_words": 3, "languages": ["fr", "en"]}, SEED
    )
    # "Tous" is a usable text under 3 words: dropped. "" and None stay, to be reported.
    assert sorted(corpus["doc_id"]) == ["a", "c", "d", "e", "f"]
    assert corpus.set_index("doc_id").loc["a", "n_words"] == 13
    assert list(corpus.columns) == ["doc_id", "text", "language", "n_words", "n_chars"]


def test_prepare_corpus_aliases_caps_and_names_missing_languages(raw):
    corpus = nodes.prepare_corpus(
        raw,
        {
            "label_aliases": {"es": "fr"},
            "max_docs_per_language": 2,
            "min_words": 0,
        },
        SEED,
    )
    assert corpus.groupby("language").size().to_dict() == {"en": 2, "fr": 2}
    with pytest.raises(
        ValueError, match=r"None of the languages \['de'\].*\['en', 'es', 'fr'\]"
    ):
        nodes.prepare_corpus(raw, {"languages": ["de"]}, SEED)


def test_sample_takes_usable_documents_per_language(raw):
    corpus = nodes.prepare_corpus(raw, {"min_words": 0}, SEED)
    sample = nodes.select_sample(corpus, {"per_language": 1}, seed=3)
    assert sorted(sample["language"]) == ["en", "es", "fr"]
    assert sample["text"].map(lambda t: isinstance(t, str) and t.strip() != "").all()
    again = nodes.select_sample(corpus, {"per_language": 1}, seed=3)
    assert list(sample["doc_id"]) == list(again["doc_id"])


def _predictions(provider: str, detected: list, latency: float = 2.0) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"doc_id": list("abcd"), "provider": provider, "detected_language": detected}
    )
    frame["latency_ms"] = latency
    frame["error_code"] = [None if d else "InvalidDocument" for d in detected]
    for column in nodes.PREDICTION_COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[nodes.PREDICTION_COLUMNS]


@pytest.fixture
def corpus() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": list("abcd"),
            "text": [LONG_FR, LONG_EN, "Le monde", ""],
            "language": ["fr", "en", "fr", "en"],
            "n_words": [13, 14, 2, 0],
            "n_chars": [72, 73, 8, 0],
        }
    )


def test_evaluation_counts_errors_as_wrong_and_reports_long_texts(corpus):
    local = _predictions("local", ["fr", "en", "en", None], latency=2.0)
    azure = _predictions("azure", ["fr", "en", "fr", None], latency=50.0)
    predictions, metrics, flat = nodes.evaluate_language_detection(
        corpus, local, azure, EVALUATION
    )
    assert set(metrics) == {"local", "azure"}
    assert metrics["local"]["accuracy"] == pytest.approx(0.5)
    assert metrics["azure"]["accuracy"] == pytest.approx(0.75)
    # local: fr P=1 R=1/2 F1=2/3; en P=1/2 R=1/2 F1=1/2 -> macro 7/12
    assert metrics["local"]["macro_f1"] == pytest.approx(7 / 12)
    assert metrics["local"]["accuracy_10_plus_words"] == 1.0
    assert metrics["local"]["n_documents_10_plus_words"] == 2
    assert metrics["local"]["errors_by_code"] == {"InvalidDocument": 1}
    assert metrics["local"]["documents_per_second"] == pytest.approx(500)
    assert metrics["azure"]["latency_ms"]["p50"] == 50.0
    assert metrics["local"]["per_language"]["fr"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert flat["azure_accuracy"] == {"value": 0.75, "step": 0}
    assert list(predictions.columns[:5]) == [
        "doc_id",
        "provider",
        "language",
        "detected_language",
        "correct",
    ]
    assert predictions["text"].str.len().max() <= EVALUATION["excerpt_chars"] + 1
    assert predictions["correct"].sum() == 5


def test_evaluation_needs_one_provider(corpus):
    empty = pd.DataFrame(columns=nodes.PREDICTION_COLUMNS)
    with pytest.raises(ValueError, match="No provider ran"):
        nodes.evaluate_language_detection(corpus, empty, empty, EVALUATION)


def test_disabled_and_unconfigured_azure(corpus):
    predictions, insights = nodes.analyse_with_azure(
        corpus, corpus, None, {"enabled": False}, []
    )
    assert predictions.empty and list(predictions.columns) == nodes.PREDICTION_COLUMNS
    assert insights.empty and list(insights.columns) == nodes.INSIGHT_COLUMNS
    with pytest.raises(AzureCredentialsError, match="conf/local/credentials.yml"):
        nodes.analyse_with_azure(corpus, corpus, None, {"enabled": True}, [])


def test_local_analysis_reports_bad_documents_without_failing(corpus):
    sample = corpus.iloc[:2]
    predictions, insights = nodes.analyse_with_local(
        corpus, sample, {"enabled": True, "options": {}}, ["sentiment", "key_phrases"]
    )
    assert list(predictions["detected_language"][:3]) == ["fr", "en", "fr"]
    assert pd.isna(predictions.loc[3, "detected_language"])
    assert predictions.loc[3, "error_code"] == "InvalidDocument"
    assert insights.loc[0, "sentiment_error"] == "UnsupportedLanguageCode"
    assert pd.isna(insights.loc[1, "sentiment_error"])
    assert insights.loc[1, "sentiment"] in {"positive", "neutral", "negative"}
    assert insights["key_phrases"].str.len().gt(0).all()


def test_plots_and_report(corpus):
    local = _predictions("local", ["fr", "en", "en", None])
    azure = _predictions("azure", ["fr", "en", "de", None], latency=40.0)
    predictions, metrics, _ = nodes.evaluate_language_detection(
        corpus, local, azure, EVALUATION
    )
    confusion = plots.plot_confusion_matrices(predictions)
    assert (
        isinstance(confusion, Figure) and len(confusion.axes) == 4
    )  # 2 panels + 2 bars
    panel = confusion.axes[0]
    assert panel.get_title().startswith("local: accuracy 50.0%")
    assert [t.get_text() for t in panel.get_xticklabels()] == ["en", "fr", "other"]
    assert panel.get_xlabel() and panel.get_ylabel()
    latency = plots.plot_latency(predictions)
    assert latency.axes[0].get_xscale() == "log" and latency.axes[0].get_legend()
    insights = pd.DataFrame(
        {
            "doc_id": ["a"],
            "provider": ["local"],
            "key_phrases": ["dignité; droits"],
            "sentiment": [None],
        }
    ).reindex(columns=nodes.INSIGHT_COLUMNS)
    empty = pd.DataFrame(columns=nodes.INSIGHT_COLUMNS)
    table = nodes.build_key_phrases_table(corpus, insights, empty)
    assert table.loc[0, "language"] == "fr" and table.loc[0, "text"] == LONG_FR
    text = report.write_report(metrics, predictions, table, corpus, EVALUATION)
    for fragment in ["## Results", "| local ", "| azure ", "50.0%", "dignité; droits"]:
        assert fragment in text
    assert "nan" not in text
