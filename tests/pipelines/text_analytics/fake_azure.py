"""A local stand-in for Azure AI Language: a real HTTP server on 127.0.0.1 that
speaks ``POST /language/:analyze-text?api-version=2023-04-01`` like the service.

It checks the key header (401), can forbid (403), enforces documents per request
(400 ``InvalidDocumentBatch``), the 1 MB request limit (413), 5,120 characters per
document and empty documents (per-document ``InvalidDocument`` errors), unsupported
languages (``UnsupportedLanguageCode``), and plays scripted failures (429 with
``Retry-After``, 500, 503...) before answering normally. Every request is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.support.fake_http import Answer, FakeJsonService

MAX_DOCUMENTS = {
    "LanguageDetection": 1000,
    "SentimentAnalysis": 10,
    "KeyPhraseExtraction": 10,
}
SENTIMENT_LANGUAGES = {"en", "fr", "es", "de", "it", "pt", "zh-hans", "ja"}
POSITIVE = {"good", "great", "love", "wonderful", "excellent", "happy", "bon", "super"}
NEGATIVE = {"bad", "terrible", "hate", "awful", "sad", "horrible", "mauvais"}
NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German"}


def simple_detector(text: str) -> tuple[str, str, float]:
    """A tiny deterministic detector: (iso6391Name, name, confidence)."""
    lowered = f" {text.lower()} "
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh_chs", "Chinese_Simplified", 1.0
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru", "Russian", 1.0
    votes = {
        "fr": sum(w in lowered for w in (" est ", " le ", " la ", " un ", " ceci ")),
        "es": sum(w in lowered for w in (" es ", " el ", " una ", " esto ")),
        "de": sum(w in lowered for w in (" ist ", " der ", " die ", " und ")),
        "en": sum(w in lowered for w in (" is ", " the ", " a ", " this ", " and ")),
    }
    code, count = max(votes.items(), key=lambda kv: kv[1])
    if count == 0:
        return "(Unknown)", "(Unknown)", 0.0
    return code, NAMES[code], 0.95


def _error(code: str, message: str, inner: tuple[str, str] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner[0], "message": inner[1]}
    return {"error": error}


class FakeAzureLanguage(FakeJsonService):
    """``with FakeAzureLanguage(key) as fake: fake.endpoint`` -> ``http://127.0.0.1:N``."""

    def __init__(
        self,
        key: str,
        detector: Callable[[str], tuple[str, str, float]] = simple_detector,
    ) -> None:
        super().__init__()
        self.key = key
        self.detector = detector
        self.forbidden = False
        # A request holding a document with this text is refused whole (400).
        self.reject_marker = "<<reject this batch>>"

    @property
    def endpoint(self) -> str:
        return self.origin

    def failure_body(self, status: int) -> dict:
        return {
            429: _error("429", "Rate limit is exceeded. Try again in 1 seconds."),
            500: _error("InternalServerError", "Internal server error."),
            503: _error("ServiceUnavailable", "The service is unavailable."),
        }.get(status, _error(str(status), "Scripted failure."))

    def documents_sent(self, kind: str | None = None) -> list[dict]:
        """Every document received, in order (optionally of one kind)."""
        return [
            doc
            for request in self.requests
            if request.get("body") and (kind is None or request["body"]["kind"] == kind)
            for doc in request["body"]["analysisInput"]["documents"]
        ]

    # -- the service --------------------------------------------------------------

    def respond(  # noqa: PLR0911 - one early answer per way the service refuses
        self, record: dict[str, Any], query: dict[str, list[str]], raw: bytes
    ) -> Answer:
        if record["path"] != "/language/:analyze-text":
            return 404, {}, _error("404", "Resource not found")
        if record["headers"].get("ocp-apim-subscription-key") != self.key:
            return (
                401,
                {},
                _error(
                    "401",
                    "Access denied due to invalid subscription key or wrong API "
                    "endpoint. Make sure to provide a valid key for an active "
                    "subscription and use a correct regional API endpoint for your "
                    "resource.",
                ),
            )
        if self.forbidden:
            return 403, {}, _error("403", "Out of call volume quota.")
        if query.get("api-version") != ["2023-04-01"]:
            return (
                400,
                {},
                _error(
                    "InvalidRequest",
                    "Invalid Request.",
                    ("InvalidParameterValue", "Unsupported api-version."),
                ),
            )
        failure = self.next_failure()
        if failure:
            return failure
        if len(raw) > 1_000_000:
            return (
                413,
                {},
                _error("InvalidRequest", "Request Payload sent is too large."),
            )
        body = json.loads(raw)
        record["body"] = body
        return self._analyze(body)

    def _analyze(self, body: dict) -> Answer:
        kind = body.get("kind")
        if kind not in MAX_DOCUMENTS:
            return 400, {}, _error("InvalidRequest", f"Unknown kind {kind}.")
        documents = body["analysisInput"]["documents"]
        if len(documents) > MAX_DOCUMENTS[kind]:
            message = (
                "Batch request contains too many records. Max "
                f"{MAX_DOCUMENTS[kind]} records are permitted."
            )
            return (
                400,
                {},
                _error("InvalidArgument", message, ("InvalidDocumentBatch", message)),
            )
        if any(self.reject_marker in d.get("text", "") for d in documents):
            return (
                400,
                {},
                _error(
                    "InvalidRequest",
                    "Invalid Request.",
                    ("InvalidRequestBodyFormat", "Request body is not valid."),
                ),
            )
        results: dict[str, Any] = {
            "documents": [],
            "errors": [],
            "modelVersion": "2022-10-01",
        }
        for document in documents:
            problem = self._document_problem(kind, document)
            if problem:
                results["errors"].append({"id": document["id"], "error": problem})
            else:
                results["documents"].append(self._result(kind, document))
        return 200, {}, {"kind": f"{kind}Results", "results": results}

    def _document_problem(self, kind: str, document: dict) -> dict | None:
        text = document.get("text", "")
        if not text.strip():
            return _error(
                "InvalidArgument",
                "Invalid document in request.",
                ("InvalidDocument", "Document text is empty."),
            )["error"]
        if len(text) > 5120:
            return _error(
                "InvalidArgument",
                "Invalid document in request.",
                (
                    "InvalidDocument",
                    "A document within the request was too large to be processed. "
                    "Limit document size to: 5120 text elements.",
                ),
            )["error"]
        if kind != "LanguageDetection" and document.get("language", "en") not in (
            SENTIMENT_LANGUAGES
        ):
            return _error(
                "InvalidArgument",
                "Invalid Language Code.",
                ("UnsupportedLanguageCode", "Invalid language code."),
            )["error"]
        return None

    def _result(self, kind: str, document: dict) -> dict:
        text = document["text"]
        if kind == "LanguageDetection":
            code, name, score = self.detector(text)
            return {
                "id": document["id"],
                "detectedLanguage": {
                    "name": name,
                    "iso6391Name": code,
                    "confidenceScore": score,
                },
                "warnings": [],
            }
        words = [w.strip(".,!?;:").lower() for w in text.split()]
        if kind == "SentimentAnalysis":
            pos = sum(w in POSITIVE for w in words)
            neg = sum(w in NEGATIVE for w in words)
            label = "positive" if pos > neg else "negative" if neg > pos else "neutral"
            scores = {
                "positive": 0.9 if label == "positive" else 0.05,
                "neutral": 0.9 if label == "neutral" else 0.05,
                "negative": 0.9 if label == "negative" else 0.05,
            }
            return {
                "id": document["id"],
                "sentiment": label,
                "confidenceScores": scores,
                "sentences": [],
                "warnings": [],
            }
        phrases = sorted({w for w in words if len(w) > 6}, key=lambda w: (-len(w), w))
        return {"id": document["id"], "keyPhrases": phrases[:3], "warnings": []}
