"""Labelled text from packages or the seed's files, and the credentials dataset."""

from __future__ import annotations

import re

import pytest
from kedro.io import DatasetError

from ia_portfolio.pipelines.text_analytics.azure import (
    AzureCredentials,
    AzureCredentialsError,
)
from ia_portfolio.pipelines.text_analytics.datasets import (
    AzureCredentialsDataset,
    UDHRSamplesDataset,
    WiLIDataset,
    _distinct_lines,
)
from tests.pipelines.text_analytics.conftest import FAKE_KEY

SCRIPTS = {
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "hi": re.compile(r"[\u0900-\u097f]"),
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "fr": re.compile(r"[a-zéèàç]"),
}


def test_udhr_samples_are_real_labelled_text_in_several_scripts():
    frame = UDHRSamplesDataset(
        languages=["fr_Latn", "ru_Cyrl", "ar_Arab", "hi_Deva", "zh_Hans", "en_Latn"]
    ).load()
    assert set(frame["language"]) == {"fr", "ru", "ar", "hi", "zh", "en"}
    assert frame["doc_id"].is_unique and frame["text"].is_unique
    assert frame.groupby("language").size().min() >= 5
    for language, script in SCRIPTS.items():
        texts = frame.loc[frame["language"] == language, "text"]
        assert texts.map(lambda t, s=script: bool(s.search(t))).all(), language
    english = " ".join(frame.loc[frame["language"] == "en", "text"])
    assert "human" in english.lower() and "rights" in english.lower()
    # Glyph pairs such as "TtOo" are not text.
    assert not frame["text"].str.fullmatch(r"[A-Z][a-z][A-Z][a-z]").any()


def test_udhr_samples_default_to_every_language_and_reject_unknown_ids():
    assert UDHRSamplesDataset().load()["language"].nunique() > 300
    with pytest.raises(DatasetError, match="xx_Latn"):
        UDHRSamplesDataset(languages=["xx_Latn"]).load()


def test_distinct_lines_drop_shorter_cuts_of_the_same_sentence():
    texts = [
        "Tous les êtres",
        "Tous les êtres humains naissent libres\nL’Assemblée",
        "Tous",
    ]
    assert _distinct_lines(texts) == [
        "Tous les êtres humains naissent libres",
        "L’Assemblée",
    ]


@pytest.fixture
def wili(tmp_path):
    folder = tmp_path / "wili-2018"
    folder.mkdir()
    (folder / "x_test.txt").write_text(
        "Ceci est un paragraphe.\nThis is a paragraph.\n人人生而自由\n子曰學而時習之\nDas ist gut.\n",
        encoding="utf-8",
    )
    (folder / "y_test.txt").write_text("fra\neng\nzho\nlzh\ndeu\n")
    (folder / "labels.csv").write_text(
        "Label;English;Wiki Code;ISO 369-3;German;Language family;Writing system;Remarks;Synonyms\n"
        "fra;French;fr;fra;Französisch;Indo-European;;;\n"
        "eng;English;en;eng;Englisch;Indo-European;;;\n"
        "zho;Standard Chinese;zh;zho;Chinesisch;Sino-Tibetan;;;\n"
        "lzh;Literary Chinese;zh-classical;lzh;Klassisches Chinesisch;Sino-Tibetan;;;\n"
        "deu;German;de;deu;Deutsch;Indo-European;;;\n",
        encoding="utf-8",
    )
    return folder


def test_wili_files_become_labelled_documents(wili):
    frame = WiLIDataset(filepath=str(wili), labels=["fra", "eng", "zho", "lzh"]).load()
    assert list(frame["language"]) == ["fr", "en", "zh", "zh-classical"]
    assert list(frame["source_label"]) == ["fra", "eng", "zho", "lzh"]
    assert frame.loc[2, "text"] == "人人生而自由"
    assert len(WiLIDataset(filepath=str(wili)).load()) == 5


def test_wili_mismatched_files_are_named(wili):
    (wili / "y_test.txt").write_text("fra\neng\n")
    with pytest.raises(
        DatasetError, match="x_test.txt has 5 lines but y_test.txt has 2"
    ):
        WiLIDataset(filepath=str(wili)).load()
    with pytest.raises(DatasetError, match="not found"):
        WiLIDataset(filepath=str(wili / "missing")).load()


def test_credentials_come_from_kedro_then_file_then_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_LANGUAGE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_LANGUAGE_KEY", raising=False)
    file = tmp_path / "credentials.yml"
    assert AzureCredentialsDataset(filepath=str(file)).load() is None  # nothing set
    monkeypatch.setenv("AZURE_LANGUAGE_ENDPOINT", "https://env.example.com")
    monkeypatch.setenv("AZURE_LANGUAGE_KEY", FAKE_KEY)
    from_env = AzureCredentialsDataset(filepath=str(file)).load()
    assert from_env == AzureCredentials("https://env.example.com", FAKE_KEY)
    file.write_text(
        "azure_language:\n  endpoint: https://file.example.com/\n  key: k1\n"
    )
    from_file = AzureCredentialsDataset(filepath=str(file)).load()
    assert from_file == AzureCredentials("https://file.example.com", "k1")
    injected = AzureCredentialsDataset(
        filepath=str(file),
        credentials={"endpoint": "https://kedro.example.com", "key": "k2"},
    ).load()
    assert injected.endpoint == "https://kedro.example.com"


def test_half_configured_credentials_are_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_LANGUAGE_KEY", raising=False)
    monkeypatch.setenv("AZURE_LANGUAGE_ENDPOINT", "https://env.example.com")
    with pytest.raises(DatasetError, match="no key") as raised:
        AzureCredentialsDataset(filepath=str(tmp_path / "none.yml")).load()
    assert isinstance(raised.value.__cause__, AzureCredentialsError)
