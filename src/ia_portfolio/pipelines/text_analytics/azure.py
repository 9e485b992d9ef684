"""The cloud provider: the Azure AI Language REST API, called with ``httpx``.

One endpoint, the current synchronous one::

    POST {endpoint}/language/:analyze-text?api-version=2023-04-01
    Ocp-Apim-Subscription-Key: <key>
    {"kind": "LanguageDetection" | "SentimentAnalysis" | "KeyPhraseExtraction",
     "parameters": {"modelVersion": "latest"},
     "analysisInput": {"documents": [{"id": "1", "text": "...", ...}]}}

(the seed called the older ``/text/analytics/v3.1/languages``). The service's
limits are kept on the client side: documents per request for each kind (1,000 for
language detection, 10 for sentiment and key phrases), 1 MB per request, 5,120
characters per document (longer ones are cut, or rejected like the service does).
429 and 5xx answers, and connection failures, are retried with exponential
back-off, honouring ``Retry-After``; 401 and 403 stop at once with a clear error.

Secrets: the key travels only in the request header. It is never logged, put in
an exception or written to an output; the endpoint is treated the same way (it
names the Azure resource), including in the log records of ``httpx`` and
``httpcore``, which are redacted once a client has been created.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import tenacity
import yaml

from ia_portfolio.pipelines.text_analytics.providers import (
    INVALID_DOCUMENT,
    MAX_DOCUMENT_CHARS,
    Document,
    DocumentError,
    KeyPhraseResult,
    LanguageResult,
    SentimentResult,
    TextAnalyticsProvider,
    check_document,
)

logger = logging.getLogger(__name__)

API_VERSION = "2023-04-01"
ANALYZE_TEXT_PATH = "/language/:analyze-text"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
ENDPOINT_VARIABLE = "AZURE_LANGUAGE_ENDPOINT"
KEY_VARIABLE = "AZURE_LANGUAGE_KEY"
CREDENTIALS_SECTION = "azure_language"

# Documents per synchronous request, by kind (Azure AI Language data limits).
MAX_DOCUMENTS = {
    "LanguageDetection": 1000,
    "SentimentAnalysis": 10,
    "KeyPhraseExtraction": 10,
}
MAX_REQUEST_BYTES = 1_000_000  # 1 MB for the whole request
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Azure's codes for Chinese, and the language codes its other features expect.
LANGUAGE_ALIASES = {"zh_chs": "zh", "zh_cht": "zh", "zh-hans": "zh", "zh-hant": "zh"}
REQUEST_LANGUAGES = {"zh": "zh-hans"}
UNKNOWN_LANGUAGE = "(Unknown)"
REDACTED = "<redacted>"


class AzureLanguageError(RuntimeError):
    """The service could not be used; the message names no secret."""


class AzureAuthenticationError(AzureLanguageError):
    """401/403: the key or the endpoint is wrong, or the resource forbids the call."""


class AzureRequestError(AzureLanguageError):
    """The service rejected the request itself (a 4xx other than 401/403/429)."""


class AzureServiceError(AzureLanguageError):
    """Throttling, server errors or a broken connection, still there after retries."""


class AzureCredentialsError(AzureLanguageError):
    """No usable endpoint and key."""


class _RetryableFailure(Exception):
    """One attempt met throttling, a server error or a broken connection."""

    def __init__(self, problem: str, response: httpx.Response | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.response = response


@dataclass(frozen=True)
class AzureCredentials:
    """Endpoint and key of an Azure AI Language resource; both hidden from repr."""

    endpoint: str
    key: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise AzureCredentialsError(
                "The Azure AI Language endpoint must be a URL such as "
                "https://<resource>.cognitiveservices.azure.com."
            )
        if not self.key.strip():
            raise AzureCredentialsError("The Azure AI Language key is empty.")

    def __repr__(self) -> str:
        return f"AzureCredentials(endpoint={REDACTED}, key={REDACTED})"

    __str__ = __repr__


def load_azure_credentials(
    credentials: Mapping[str, Any] | None = None,
    credentials_file: str | Path | None = None,
    section: str = CREDENTIALS_SECTION,
    environ: Mapping[str, str] | None = None,
) -> AzureCredentials | None:
    """Endpoint and key from, in order: ``credentials`` (e.g. injected by Kedro),
    the ``section`` of a ``credentials.yml`` file, or the environment variables
    ``AZURE_LANGUAGE_ENDPOINT`` and ``AZURE_LANGUAGE_KEY``. None when none is set.
    """
    environ = os.environ if environ is None else environ
    sources: list[Mapping[str, Any]] = []
    if credentials:
        sources.append(credentials)
    if credentials_file is not None and Path(credentials_file).is_file():
        content = yaml.safe_load(Path(credentials_file).read_text()) or {}
        if isinstance(content.get(section), Mapping):
            sources.append(content[section])
    sources.append(
        {"endpoint": environ.get(ENDPOINT_VARIABLE), "key": environ.get(KEY_VARIABLE)}
    )
    for source in sources:
        endpoint, key = source.get("endpoint"), source.get("key")
        if endpoint and key:
            return AzureCredentials(endpoint=str(endpoint).rstrip("/"), key=str(key))
        if endpoint or key:
            missing = "key" if endpoint else "endpoint"
            raise AzureCredentialsError(
                f"Azure AI Language credentials have an endpoint or a key but no "
                f"{missing}: set both (section '{section}' of credentials.yml, or "
                f"{ENDPOINT_VARIABLE} and {KEY_VARIABLE})."
            )
    return None


class _SecretRedactor(logging.Filter):
    """Replaces registered secrets in the records of the HTTP libraries' loggers."""

    LOGGERS = (
        "httpx",
        "httpcore",
        "httpcore.connection",
        "httpcore.http11",
        "httpcore.http2",
        "httpcore.proxy",
        "hpack",
    )

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._installed = False

    def add(self, *secrets: str) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if s)
            if not self._installed:
                for name in self.LOGGERS:
                    logging.getLogger(name).addFilter(self)
                self._installed = True

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
        return True


_REDACTOR = _SecretRedactor()


def _retry_after_s(response: httpx.Response) -> float | None:
    """Seconds the service asks to wait (``retry-after-ms`` or ``Retry-After``)."""
    for header in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = response.headers.get(header)
        if value:
            try:
                return float(value) / 1000
            except ValueError:
                pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date
        return max(
            0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        )
    except (TypeError, ValueError):
        return None


def _error_summary(response: httpx.Response) -> str:
    """``code: message`` from an Azure error body ``{"error": {...}}``."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return response.reason_phrase or "no details"
    parts = [str(error.get("code", "")), str(error.get("message", ""))]
    inner = error.get("innererror") or {}
    if inner:
        parts.append(f"({inner.get('code', '')}: {inner.get('message', '')})")
    return " ".join(p for p in parts if p).strip() or "no details"


def _document_error(error: Mapping[str, Any]) -> DocumentError:
    inner = error.get("innererror") or {}
    return DocumentError(
        str(inner.get("code") or error.get("code") or "Unknown"),
        str(inner.get("message") or error.get("message") or ""),
    )


def _warnings(item: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        f"{w.get('code', '')}: {w.get('message', '')}" for w in item.get("warnings", [])
    )


class AzureLanguageProvider(TextAnalyticsProvider):
    """Azure AI Language over REST: batched, truncated, retried, key kept secret."""

    name = "azure"

    def __init__(
        self,
        credentials: AzureCredentials,
        *,
        timeout_s: float = 30.0,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        max_documents: Mapping[str, int] | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        truncate: bool = True,
        model_version: str = "latest",
        country_hint: str | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not isinstance(credentials, AzureCredentials):
            raise AzureCredentialsError("Azure AI Language needs AzureCredentials.")
        parts = urlsplit(credentials.endpoint)
        _REDACTOR.add(
            credentials.key, credentials.endpoint, parts.netloc, parts.hostname or ""
        )
        self._key = credentials.key
        self._url = credentials.endpoint.rstrip("/") + ANALYZE_TEXT_PATH
        limits = dict(MAX_DOCUMENTS)
        for kind, value in (max_documents or {}).items():
            # Smaller batches are allowed; larger ones would be refused by the service.
            limits[kind] = max(1, min(int(value), MAX_DOCUMENTS[kind]))
        self.max_documents = limits
        self.max_request_bytes = min(max_request_bytes, MAX_REQUEST_BYTES)
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.truncate = truncate
        self.model_version = model_version
        self.country_hint = country_hint
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout_s, transport=transport)

    def __repr__(self) -> str:
        return f"AzureLanguageProvider(endpoint={REDACTED})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> AzureLanguageProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP ---------------------------------------------------------------------

    def _backoff_s(self, attempt: int, response: httpx.Response | None) -> float:
        wait = self.backoff_base_s * 2**attempt
        if response is not None and (asked := _retry_after_s(response)) is not None:
            wait = asked
        return min(wait, self.backoff_max_s)

    def _wait_s(self, state: tenacity.RetryCallState) -> float:
        """Exponential back-off after the failed attempt, or what the service asked."""
        failure = state.outcome.exception() if state.outcome else None
        response = failure.response if isinstance(failure, _RetryableFailure) else None
        return self._backoff_s(state.attempt_number - 1, response)

    def _log_retry(self, kind: str, state: tenacity.RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        logger.warning(
            "Azure AI Language %s: %s; retry %d/%d in %.1f s.",
            kind,
            failure,
            state.attempt_number,
            self.max_retries,
            state.next_action.sleep if state.next_action else 0.0,
        )

    def _post_once(
        self, kind: str, content: bytes, headers: dict[str, str]
    ) -> dict[str, Any]:
        """One analyze-text request: the answer, a final error, or a
        ``_RetryableFailure``."""
        try:
            response = self._client.post(
                self._url,
                params={"api-version": API_VERSION},
                content=content,
                headers=headers,
            )
        except httpx.TransportError as error:
            raise _RetryableFailure(
                f"connection failed ({type(error).__name__})", None
            ) from None
        if response.status_code == 200:  # noqa: PLR2004
            return response.json()
        summary = _REDACTOR.redact(_error_summary(response))
        if response.status_code in {401, 403}:
            raise AzureAuthenticationError(
                f"Azure AI Language refused the credentials "
                f"({response.status_code} {summary}). Check the key and the "
                f"endpoint (credentials.yml section '{CREDENTIALS_SECTION}' or "
                f"{ENDPOINT_VARIABLE}/{KEY_VARIABLE}) and that the resource is "
                "an active Language resource."
            ) from None
        if response.status_code not in RETRY_STATUSES:
            raise AzureRequestError(
                f"Azure AI Language rejected the {kind} request "
                f"({response.status_code} {summary})."
            ) from None
        raise _RetryableFailure(f"{response.status_code} {summary}", response)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST one analyze-text request; retries 429/5xx and broken connections
        (tenacity), waiting as the service asks or with exponential back-off."""
        content = json.dumps(body, ensure_ascii=False).encode()
        headers = {KEY_HEADER: self._key, "Content-Type": "application/json"}
        kind = body["kind"]
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_RetryableFailure),
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self._wait_s,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(kind, state),
        )
        try:
            return retrying(self._post_once, kind, content, headers)
        except tenacity.RetryError as error:
            last_problem = error.last_attempt.exception()
            raise AzureServiceError(
                f"Azure AI Language {kind} failed after {self.max_retries + 1} "
                f"attempts: {last_problem}."
            ) from None

    def _batches(
        self, kind: str, payloads: list[dict[str, Any]]
    ) -> Iterator[list[dict[str, Any]]]:
        """Consecutive batches within the documents-per-request and byte limits."""
        envelope = len(json.dumps(self._body(kind, [])).encode())
        batch: list[dict[str, Any]] = []
        size = envelope
        for payload in payloads:
            item = len(json.dumps(payload, ensure_ascii=False).encode()) + 1
            if batch and (
                len(batch) >= self.max_documents[kind]
                or size + item > self.max_request_bytes
            ):
                yield batch
                batch, size = [], envelope
            batch.append(payload)
            size += item
        if batch:
            yield batch

    def _body(self, kind: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "kind": kind,
            "parameters": {"modelVersion": self.model_version},
            "analysisInput": {"documents": documents},
        }

    def _run(
        self,
        kind: str,
        documents: Sequence[Document],
        payload: Callable[[str, str, Document], dict[str, Any]],
    ) -> dict[str, tuple[dict[str, Any] | None, DocumentError | None, tuple, float]]:
        """Validate, batch and send ``documents``; per document id: (result item,
        error, warnings, latency in ms = request time / documents in the request)."""
        outcome: dict[str, tuple[dict | None, DocumentError | None, tuple, float]] = {}
        payloads, notes = [], {}
        for position, document in enumerate(documents):
            text, error, warnings = check_document(document.text, self.truncate)
            wire_id = str(position)  # ids must be unique and non-empty
            if error is not None:
                outcome[wire_id] = (None, error, (), 0.0)
                continue
            notes[wire_id] = warnings
            payloads.append(payload(wire_id, text, document))
        for batch in self._batches(kind, payloads):
            self._send(kind, batch, notes, outcome)
        return outcome

    def _send(
        self,
        kind: str,
        batch: list[dict[str, Any]],
        notes: dict[str, tuple],
        outcome: dict[str, tuple[dict | None, DocumentError | None, tuple, float]],
    ) -> None:
        """Send one batch and record each document's outcome. A batch the service
        rejects as a whole (400) is split in halves until the documents it refuses
        are alone, so one bad document never costs the others their results."""
        start = time.perf_counter()
        try:
            response = self._post(self._body(kind, batch))
        except AzureRequestError as error:
            if len(batch) > 1:
                middle = len(batch) // 2
                self._send(kind, batch[:middle], notes, outcome)
                self._send(kind, batch[middle:], notes, outcome)
                return
            latency = (time.perf_counter() - start) * 1000
            outcome[batch[0]["id"]] = (
                None,
                DocumentError("RequestRejected", str(error)),
                notes.get(batch[0]["id"], ()),
                latency,
            )
            return
        latency = (time.perf_counter() - start) * 1000 / len(batch)
        results = response.get("results", {})
        for item in results.get("documents", []):
            outcome[item["id"]] = (
                item,
                None,
                notes.get(item["id"], ()) + _warnings(item),
                latency,
            )
        for item in results.get("errors", []):
            outcome[item["id"]] = (
                None,
                _document_error(item.get("error", {})),
                notes.get(item["id"], ()),
                latency,
            )
        for sent in batch:
            outcome.setdefault(
                sent["id"],
                (
                    None,
                    DocumentError("MissingResult", "The service returned nothing."),
                    (),
                    latency,
                ),
            )

    # -- the three tasks ----------------------------------------------------------

    def detect_language(self, documents: Sequence[Document]) -> list[LanguageResult]:
        """``LanguageDetection``: code (Azure's zh_chs/zh_cht become zh), name and
        confidence; ``(Unknown)`` becomes no language and a warning."""

        def payload(wire_id: str, text: str, document: Document) -> dict[str, Any]:
            item = {"id": wire_id, "text": text}
            if self.country_hint is not None:
                item["countryHint"] = self.country_hint
            return item

        outcome = self._run("LanguageDetection", documents, payload)
        results = []
        for position, document in enumerate(documents):
            item, error, warnings, latency = outcome[str(position)]
            if item is None:
                results.append(
                    LanguageResult(
                        document.id,
                        latency_ms=round(latency, 4),
                        error=error,
                        warnings=warnings,
                    )
                )
                continue
            detected = item.get("detectedLanguage", {})
            raw = detected.get("iso6391Name")
            known = raw and raw != UNKNOWN_LANGUAGE
            results.append(
                LanguageResult(
                    document.id,
                    language=LANGUAGE_ALIASES.get(raw, raw) if known else None,
                    name=detected.get("name") if known else None,
                    confidence=detected.get("confidenceScore"),
                    raw_language=raw,
                    latency_ms=round(latency, 4),
                    warnings=warnings if known else (*warnings, "Language unknown."),
                )
            )
        return results

    def _with_language(
        self, wire_id: str, text: str, document: Document
    ) -> dict[str, Any]:
        language = document.language or "en"
        return {
            "id": wire_id,
            "text": text,
            "language": REQUEST_LANGUAGES.get(language, language),
        }

    def analyze_sentiment(self, documents: Sequence[Document]) -> list[SentimentResult]:
        """``SentimentAnalysis``: label and confidence scores per document."""
        outcome = self._run("SentimentAnalysis", documents, self._with_language)
        results = []
        for position, document in enumerate(documents):
            item, error, warnings, latency = outcome[str(position)]
            scores = (item or {}).get("confidenceScores", {})
            results.append(
                SentimentResult(
                    document.id,
                    sentiment=(item or {}).get("sentiment"),
                    positive=scores.get("positive"),
                    neutral=scores.get("neutral"),
                    negative=scores.get("negative"),
                    latency_ms=round(latency, 4),
                    error=error,
                    warnings=warnings,
                )
            )
        return results

    def extract_key_phrases(
        self, documents: Sequence[Document]
    ) -> list[KeyPhraseResult]:
        """``KeyPhraseExtraction``: the service's key phrases per document."""
        outcome = self._run("KeyPhraseExtraction", documents, self._with_language)
        return [
            KeyPhraseResult(
                document.id,
                key_phrases=tuple((item or {}).get("keyPhrases", ())),
                latency_ms=round(latency, 4),
                error=error,
                warnings=warnings,
            )
            for position, document in enumerate(documents)
            for item, error, warnings, latency in [outcome[str(position)]]
        ]


__all__ = [
    "API_VERSION",
    "INVALID_DOCUMENT",
    "MAX_DOCUMENT_CHARS",
    "AzureAuthenticationError",
    "AzureCredentials",
    "AzureCredentialsError",
    "AzureLanguageError",
    "AzureLanguageProvider",
    "AzureRequestError",
    "AzureServiceError",
    "load_azure_credentials",
]
