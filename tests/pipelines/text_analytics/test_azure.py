"""The Azure AI Language client against a local fake server that speaks the same
request and response format, errors and throttling included."""

from __future__ import annotations

import json

import httpx
import pytest

from ia_portfolio.pipelines.text_analytics.azure import (
    API_VERSION,
    MAX_DOCUMENTS,
    AzureAuthenticationError,
    AzureCredentials,
    AzureCredentialsError,
    AzureLanguageProvider,
    AzureServiceError,
    _retry_after_s,
)
from ia_portfolio.pipelines.text_analytics.providers import MAX_DOCUMENT_CHARS, Document
from tests.pipelines.text_analytics.conftest import FAKE_KEY


def docs(*texts, language=None):
    return [Document(f"d{n}", t, language) for n, t in enumerate(texts)]


def test_request_format_matches_the_service(azure, fake_azure):
    results = azure.detect_language(docs("ceci est un test"))
    assert results[0].language == "fr"
    assert results[0].name == "French"
    assert results[0].confidence == pytest.approx(0.95)
    request = fake_azure.requests[0]
    assert request["path"] == "/language/:analyze-text"
    assert request["query"]["api-version"] == [API_VERSION]
    assert request["headers"]["ocp-apim-subscription-key"] == FAKE_KEY
    assert request["headers"]["content-type"] == "application/json"
    body = request["body"]
    assert body["kind"] == "LanguageDetection"
    assert body["parameters"] == {"modelVersion": "latest"}
    assert body["analysisInput"]["documents"] == [
        {"id": "0", "text": "ceci est un test"}
    ]


def test_sentiment_and_key_phrases_send_the_detected_language(azure, fake_azure):
    analyses = azure.analyze(docs("This is a wonderful and excellent product"))
    assert analyses[0].language.language == "en"
    assert analyses[0].sentiment.sentiment == "positive"
    assert analyses[0].sentiment.positive == pytest.approx(0.9)
    assert "excellent" in analyses[0].key_phrases.key_phrases
    kinds = [r["body"]["kind"] for r in fake_azure.requests]
    assert kinds == ["LanguageDetection", "SentimentAnalysis", "KeyPhraseExtraction"]
    assert fake_azure.documents_sent("SentimentAnalysis")[0]["language"] == "en"


def test_azure_codes_are_normalised(azure, fake_azure):
    chinese, unknown = azure.detect_language(docs("人人生而自由", "12345 67890"))
    assert (chinese.language, chinese.raw_language) == ("zh", "zh_chs")
    assert unknown.language is None and unknown.raw_language == "(Unknown)"
    assert unknown.error is None and "Language unknown." in unknown.warnings
    # Simplified Chinese is sent back as the code the other features expect.
    azure.analyze_sentiment([Document("z", "人人生而自由", "zh")])
    assert fake_azure.documents_sent("SentimentAnalysis")[0]["language"] == "zh-hans"


@pytest.mark.parametrize(
    ("kind", "method", "n_docs"),
    [
        ("LanguageDetection", "detect_language", 2501),
        ("SentimentAnalysis", "analyze_sentiment", 25),
        ("KeyPhraseExtraction", "extract_key_phrases", 21),
    ],
)
def test_batches_stay_within_documents_per_request(
    azure, fake_azure, kind, method, n_docs
):
    documents = docs(
        *[f"this is the sentence number {n}" for n in range(n_docs)], language="en"
    )
    results = getattr(azure, method)(documents)
    sizes = [len(r["body"]["analysisInput"]["documents"]) for r in fake_azure.requests]
    assert max(sizes) <= MAX_DOCUMENTS[kind]
    assert len(sizes) == -(
        -n_docs // MAX_DOCUMENTS[kind]
    )  # no more requests than needed
    assert [r.id for r in results] == [d.id for d in documents]  # same order back
    assert all(r.error is None for r in results)


def test_batches_stay_under_one_megabyte(azure, fake_azure):
    # 400 documents of 5,000 three-byte characters: 6 MB of text in all.
    documents = docs(*["語" * 5000 for _ in range(400)])
    results = azure.detect_language(documents)
    assert all(r.language == "zh" for r in results)
    sizes = [
        len(json.dumps(r["body"], ensure_ascii=False).encode())
        for r in fake_azure.requests
    ]
    assert max(sizes) <= 1_000_000
    assert len(fake_azure.requests) >= 6


def test_long_documents_are_truncated_and_flagged(azure, fake_azure):
    long_text = "la " * 3000  # 9,000 characters
    (result,) = azure.detect_language(docs(long_text))
    assert result.language == "fr"
    assert any("DocumentTruncated" in w for w in result.warnings)
    assert len(fake_azure.documents_sent()[0]["text"]) == MAX_DOCUMENT_CHARS


def test_without_truncation_long_documents_get_the_service_error(fake_azure, sleeps):
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=FAKE_KEY)
    with AzureLanguageProvider(
        credentials, truncate=False, sleep=sleeps.append
    ) as client:
        long_doc, short_doc = client.detect_language(
            docs("la " * 3000, "ceci est un test")
        )
    assert long_doc.error.code == "InvalidDocument"
    assert "5120" in long_doc.error.message
    assert short_doc.language == "fr"
    assert [d["text"] for d in fake_azure.documents_sent()] == ["ceci est un test"]


def test_bad_documents_do_not_fail_the_batch(azure, fake_azure):
    results = azure.detect_language(
        docs("ceci est un test", "", "   ", None, 42, "the cat is here")
    )
    assert [r.language for r in results] == ["fr", None, None, None, None, "en"]
    assert [r.error.code if r.error else None for r in results] == [
        None,
        "InvalidDocument",
        "InvalidDocument",
        "InvalidDocument",
        "InvalidDocument",
        None,
    ]
    assert "empty" in results[1].error.message
    assert "string" in results[3].error.message
    # Invalid documents are not sent: the service would refuse them anyway.
    assert len(fake_azure.documents_sent()) == 2


def test_per_document_service_errors_are_kept(azure):
    results = azure.analyze_sentiment(
        [Document("a", "Great stuff", "en"), Document("b", "Bra grejer", "sv")]
    )
    assert results[0].sentiment == "positive"
    assert results[1].error.code == "UnsupportedLanguageCode"


def test_a_batch_refused_whole_is_split_to_isolate_the_bad_document(azure, fake_azure):
    texts = ["the cat is here"] * 6
    texts[4] = f"the dog {fake_azure.reject_marker}"
    results = azure.detect_language(docs(*texts))
    assert [r.error.code if r.error else None for r in results] == [
        None,
        None,
        None,
        None,
        "RequestRejected",
        None,
    ]
    assert "400" in results[4].error.message
    assert all(r.language == "en" for i, r in enumerate(results) if i != 4)


def test_throttling_is_retried_after_the_time_the_service_asks(
    azure, fake_azure, sleeps
):
    fake_azure.fail_next(429, times=2, retry_after="3")
    (result,) = azure.detect_language(docs("ceci est un test"))
    assert result.language == "fr"
    assert sleeps == [3.0, 3.0]
    assert len(fake_azure.requests) == 3


def test_server_errors_back_off_exponentially(azure, fake_azure, sleeps):
    fake_azure.fail_next(500, times=1)
    fake_azure.fail_next(503, times=2)
    (result,) = azure.detect_language(docs("ceci est un test"))
    assert result.language == "fr"
    assert sleeps == [1.0, 2.0, 4.0]


def test_gives_up_after_max_retries_with_a_clear_error(azure, fake_azure, sleeps):
    fake_azure.fail_next(500, times=10)
    with pytest.raises(
        AzureServiceError, match=r"after 4 attempts: 500 InternalServerError"
    ):
        azure.detect_language(docs("ceci est un test"))
    assert len(fake_azure.requests) == 4
    assert len(sleeps) == 3


def test_connection_failures_are_retried_then_reported(sleeps):
    credentials = AzureCredentials(endpoint="http://127.0.0.1:9", key=FAKE_KEY)
    with AzureLanguageProvider(
        credentials, max_retries=2, sleep=sleeps.append
    ) as client:
        with pytest.raises(AzureServiceError, match="connection failed"):
            client.detect_language(docs("ceci est un test"))
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_stop_at_once(fake_azure, sleeps, status):
    if status == 403:
        fake_azure.forbidden = True
        key = FAKE_KEY
    else:
        key = "another-key-0000000000000000"
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=key)
    with AzureLanguageProvider(credentials, sleep=sleeps.append) as client:
        with pytest.raises(
            AzureAuthenticationError, match=f"refused the credentials \\({status}"
        ):
            client.detect_language(docs("ceci est un test"))
    assert len(fake_azure.requests) == 1 and sleeps == []


def test_smaller_batches_can_be_asked_but_never_larger(fake_azure, sleeps):
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=FAKE_KEY)
    with AzureLanguageProvider(
        credentials,
        max_documents={"LanguageDetection": 2, "SentimentAnalysis": 50},
        sleep=sleeps.append,
    ) as client:
        assert client.max_documents["LanguageDetection"] == 2
        assert client.max_documents["SentimentAnalysis"] == 10
        client.detect_language(docs("the cat", "the dog", "the bird"))
    assert [
        len(r["body"]["analysisInput"]["documents"]) for r in fake_azure.requests
    ] == [2, 1]


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [("not-a-url", FAKE_KEY), ("https://x.cognitiveservices.azure.com", "  ")],
)
def test_credentials_are_checked(endpoint, key):
    with pytest.raises(AzureCredentialsError):
        AzureCredentials(endpoint=endpoint, key=key)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers, seconds):
    response = httpx.Response(429, headers=headers)
    assert _retry_after_s(response) == seconds
