"""The command line, like the seed's script, with either provider."""

from __future__ import annotations

import io
import json

from ia_portfolio.pipelines.text_analytics import cli
from tests.pipelines.text_analytics.conftest import FAKE_KEY


def test_seed_example_with_the_local_models(capsys):
    assert cli.main(["ceci est un test", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert result["language"]["language"] == "fr"
    assert result["language"]["name"] == "French"
    assert result["sentiment"]["error"]["code"] == "UnsupportedLanguageCode"
    assert result["key_phrases"]["key_phrases"] == ["test"]


def test_a_file_one_document_per_line(tmp_path, capsys):
    file = tmp_path / "texts.txt"
    file.write_text(
        "I love this wonderful city\n\nDas ist ein schöner Tag\n", encoding="utf-8"
    )
    assert cli.main(["--file", str(file), "--tasks", "language", "sentiment"]) == 0
    out = capsys.readouterr().out
    assert "[1] 'I love this wonderful city'" in out and "English (en)" in out
    assert "sentiment: positive" in out
    assert "[2] 'Das ist ein schöner Tag'" in out and "German (de)" in out
    assert "key phrases" not in out


def test_standard_input_and_bad_documents(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("ceci est un test\n"))
    assert cli.main(["", "--file", "-", "--tasks", "language", "--json"]) == 0
    empty, french = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert empty["language"]["error"]["code"] == "InvalidDocument"
    assert french["language"]["language"] == "fr"


def test_azure_provider_reads_credentials_file(
    fake_azure, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("AZURE_LANGUAGE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_LANGUAGE_KEY", raising=False)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        f"azure_language:\n  endpoint: {fake_azure.endpoint}\n  key: {FAKE_KEY}\n"
    )
    args = [
        "ceci est un test",
        "--provider",
        "azure",
        "--credentials",
        str(credentials),
    ]
    assert cli.main(args) == 0
    assert "French (fr), confidence 0.95" in capsys.readouterr().out
    assert [r["body"]["kind"] for r in fake_azure.requests] == [
        "LanguageDetection",
        "SentimentAnalysis",
        "KeyPhraseExtraction",
    ]


def test_usage_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AZURE_LANGUAGE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_LANGUAGE_KEY", raising=False)
    assert cli.main([]) == 2
    missing = str(tmp_path / "none.yml")
    assert cli.main(["x", "--provider", "azure", "--credentials", missing]) == 1
    err = capsys.readouterr().err
    assert "Nothing to analyse" in err and "No Azure AI Language credentials" in err
