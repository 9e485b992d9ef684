"""The key (and the endpoint, which names the resource) never shows: not in logs at
DEBUG level (ours, httpx's, httpcore's), not in exceptions or their tracebacks,
not in reprs, not in what the command line prints. The pipeline's written outputs
are checked in test_pipeline.py."""

from __future__ import annotations

import logging
import traceback

import pytest

from ia_portfolio.pipelines.text_analytics import cli
from ia_portfolio.pipelines.text_analytics.azure import (
    AzureCredentials,
    AzureLanguageError,
    AzureLanguageProvider,
)
from ia_portfolio.pipelines.text_analytics.datasets import AzureCredentialsDataset
from ia_portfolio.pipelines.text_analytics.providers import Document
from tests.pipelines.text_analytics.conftest import FAKE_KEY

LOGGERS = ("", "httpx", "httpcore", "ia_portfolio")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _exception_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


def assert_hidden(text: str, endpoint: str) -> None:
    assert FAKE_KEY not in text
    assert FAKE_KEY[:16] not in text  # no partial leak either
    assert endpoint not in text


def test_success_and_retries_log_no_secret(fake_azure, debug_logs, sleeps):
    fake_azure.fail_next(429, times=1, retry_after="0")
    fake_azure.fail_next(500, times=1)
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=FAKE_KEY)
    with AzureLanguageProvider(credentials, sleep=sleeps.append) as client:
        analyses = client.analyze([Document("1", "This is a wonderful day")])
    assert analyses[0].language.language == "en"
    # The HTTP libraries did log the requests, with the endpoint redacted.
    assert "HTTP Request: POST <redacted>/language/:analyze-text" in debug_logs.text
    assert "retry 1/5" in debug_logs.text
    assert_hidden(debug_logs.text, fake_azure.endpoint)


@pytest.mark.parametrize("failure", ["wrong key", "forbidden", "server down"])
def test_errors_name_no_secret(fake_azure, debug_logs, sleeps, failure):
    key = FAKE_KEY
    if failure == "wrong key":
        fake_azure.key = "the-server-expects-another-key"
    elif failure == "forbidden":
        fake_azure.forbidden = True
    else:
        fake_azure.fail_next(500, times=10)
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=key)
    with AzureLanguageProvider(
        credentials, max_retries=2, sleep=sleeps.append
    ) as client:
        with pytest.raises(AzureLanguageError) as raised:
            client.detect_language([Document("1", "ceci est un test")])
    assert_hidden(_exception_text(raised.value), fake_azure.endpoint)
    assert_hidden(debug_logs.text, fake_azure.endpoint)


def test_reprs_and_descriptions_hide_credentials(fake_azure, tmp_path, monkeypatch):
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=FAKE_KEY)
    with AzureLanguageProvider(credentials) as client:
        shown = repr(credentials) + str(credentials) + repr(client) + f"{credentials}"
    file = tmp_path / "credentials.yml"
    file.write_text(
        f"azure_language:\n  endpoint: {fake_azure.endpoint}\n  key: {FAKE_KEY}\n"
    )
    dataset = AzureCredentialsDataset(filepath=str(file))
    assert dataset.load() == credentials
    shown += repr(dataset) + str(dataset._describe())
    assert_hidden(shown, fake_azure.endpoint)


def test_command_line_prints_no_secret(fake_azure, monkeypatch, capsys, debug_logs):
    monkeypatch.setenv("AZURE_LANGUAGE_ENDPOINT", fake_azure.endpoint)
    monkeypatch.setenv("AZURE_LANGUAGE_KEY", FAKE_KEY)
    argv = ["ceci est un test", "--provider", "azure", "--credentials", "missing.yml"]
    assert cli.main([*argv, "-v"]) == 0
    assert cli.main([*argv, "--json"]) == 0
    fake_azure.key = "the-server-expects-another-key"
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert '"language": "fr"' in out and "refused the credentials (401" in err
    assert_hidden(out + err + debug_logs.text, fake_azure.endpoint)
