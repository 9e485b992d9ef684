"""Document rules shared by both providers, and the offline provider."""

from __future__ import annotations

import pytest

from ia_portfolio import language
from ia_portfolio.pipelines.text_analytics import local
from ia_portfolio.pipelines.text_analytics.local import LocalProvider
from ia_portfolio.pipelines.text_analytics.providers import (
    MAX_DOCUMENT_CHARS,
    Document,
    check_document,
    count_words,
    result_to_dict,
)


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "InvalidDocument", "empty"),
        (" \n\t", "InvalidDocument", "empty"),
        (None, "InvalidDocument", "NoneType"),
        (3.5, "InvalidDocument", "float"),
        (b"bytes", "InvalidDocument", "bytes"),
    ],
)
def test_unusable_documents_are_rejected(text, code, fragment):
    cleaned, error, warnings = check_document(text)
    assert cleaned is None and warnings == ()
    assert error.code == code and fragment in error.message


def test_long_documents_are_cut_or_rejected():
    text = "a" * (MAX_DOCUMENT_CHARS + 10)
    cleaned, error, warnings = check_document(text)
    assert error is None and len(cleaned) == MAX_DOCUMENT_CHARS
    assert "5130 to 5120" in warnings[0]
    cleaned, error, _ = check_document(text, truncate=False)
    assert cleaned is None and "5120 text elements" in error.message
    assert check_document("a" * MAX_DOCUMENT_CHARS) == (
        "a" * MAX_DOCUMENT_CHARS,
        None,
        (),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Tous les êtres humains naissent libres", 6),
        ("Всеки човек има право", 4),
        ("人人生而自由", 3),  # 6 characters, ~2 a word
        ("สวัสดีครับ", 3),  # 10 Thai characters, ~4 a word
        ("ceci, 2024 : un test !", 3),  # digits and punctuation are not words
        (None, 0),
    ],
)
def test_count_words(text, words):
    assert count_words(text) == words


@pytest.fixture(scope="module")
def provider():
    return LocalProvider()


def test_seed_example_is_french(provider):
    (result,) = provider.detect_language([Document("1", "ceci est un test")])
    assert (result.language, result.name) == ("fr", "French")
    assert 0.5 < result.confidence <= 1
    assert result.latency_ms > 0


def test_detects_several_scripts(provider):
    texts = {
        "en": "All human beings are born free and equal in dignity and rights.",
        "ru": "Все люди рождаются свободными и равными в своем достоинстве и правах.",
        "ar": "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق.",
        "hi": "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता प्राप्त है।",
        "zh": "人人生而自由,在尊严和权利上一律平等。",
        "ja": "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
    }
    results = provider.detect_language([Document(k, v) for k, v in texts.items()])
    assert {r.id: r.language for r in results} == {k: k for k in texts}


def test_bad_documents_get_errors_and_the_others_results(provider):
    results = provider.detect_language(
        [Document("ok", "ceci est un test"), Document("empty", ""), Document("num", 7)]
    )
    assert results[0].language == "fr" and results[0].error is None
    assert [r.error.code for r in results[1:]] == ["InvalidDocument"] * 2


def test_sentiment_is_english_only(provider):
    good, bad, french = provider.analyze_sentiment(
        [
            Document("1", "What a wonderful, happy day. I love it!", "en"),
            Document("2", "This is a terrible, awful mess. I hate it.", "en"),
            Document("3", "Quelle merveilleuse journée", "fr"),
        ]
    )
    assert good.sentiment == "positive" and good.positive > good.negative
    assert bad.sentiment == "negative" and bad.negative > bad.positive
    assert pytest.approx(good.positive + good.neutral + good.negative, abs=0.01) == 1
    assert french.sentiment is None and french.error.code == "UnsupportedLanguageCode"


def test_key_phrases_need_spaces_between_words(provider):
    english, chinese = provider.extract_key_phrases(
        [
            Document(
                "en",
                "Everyone has the right to freedom of thought, conscience and religion; "
                "this right includes freedom to change his religion or belief.",
                "en",
            ),
            Document("zh", "人人生而自由,在尊严和权利上一律平等。", "zh"),
        ]
    )
    assert 0 < len(english.key_phrases) <= 5
    assert any(
        "religion" in phrase or "freedom" in phrase for phrase in english.key_phrases
    )
    assert all(len(phrase.split()) <= 3 for phrase in english.key_phrases)
    assert chinese.error.code == "UnsupportedLanguageCode"


def test_analyze_uses_the_detected_language(provider):
    (analysis,) = provider.analyze([Document("1", "I love this wonderful little town")])
    assert analysis.language.language == "en"
    assert analysis.sentiment.sentiment == "positive"
    view = result_to_dict(analysis)
    assert view["language"]["language"] == "en"
    assert isinstance(view["key_phrases"]["key_phrases"], list)
    with pytest.raises(ValueError, match="Unknown tasks"):
        provider.analyze([Document("1", "x")], tasks=["translation"])


def test_models_are_loaded_once_and_lazily():
    language.language_detector.cache_clear()
    local._sentiment_analyzer.cache_clear()
    first, second = LocalProvider(), LocalProvider()
    assert language.language_detector.cache_info().currsize == 0  # nothing at creation
    first.detect_language([Document("1", "ceci est un test")])
    second.detect_language([Document("2", "this is a test")])
    info = language.language_detector.cache_info()
    assert (info.misses, info.hits, info.currsize) == (1, 1, 1)
