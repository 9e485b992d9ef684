"""Raw tables to the canonical corpus, leak-free splits and schema errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.io import AbstractDataset

from ia_portfolio.pipelines.sentiment import nodes
from ia_portfolio.pipelines.sentiment.text import dedup_key
from ia_portfolio.validation import DataValidationError, validate_dataframe
from tests.support.project import PROJECT_ROOT

CONF = PROJECT_ROOT / "conf"
SPLIT = {"validation_size": 0.15, "test_size": 0.15}


def _catalog_entry(env: str, name: str) -> dict:
    return yaml.safe_load((CONF / env / "catalog_sentiment.yml").read_text())[name]


def _parameters(env: str) -> dict:
    return yaml.safe_load((CONF / env / "parameters_sentiment.yml").read_text())[
        "sentiment"
    ]


def _corpus_with_duplicates() -> pd.DataFrame:
    rows = []
    for i in range(300):
        label = int(i % 3 != 0)  # one third negative
        rows.append(
            {
                "text": f"Review number {i}: {'fine' if label else 'bad'}.",
                "label": label,
            }
        )
    # Copies differing only by case, spacing and HTML: the same text.
    rows += [
        {"text": "REVIEW number 5:   fine.<br />", "label": 1},
        {"text": "review NUMBER 7: fine.", "label": 1},
        # Seen with both labels: ambiguous, all copies dropped.
        {"text": "review number 10: fine.", "label": 0},
    ]
    return pd.DataFrame(rows)


def test_default_raw_table_becomes_canonical_corpus():
    raw = AbstractDataset.from_config(
        "sentiment.raw_texts", _catalog_entry("base", "sentiment.raw_texts")
    ).load()
    validate_dataframe(
        raw,
        _catalog_entry("base", "sentiment.raw_texts")["metadata"]["schema"],
        "sentiment.raw_texts",
    )
    corpus = nodes.prepare_corpus(raw, _parameters("base")["data"], seed=0)
    assert list(corpus.columns) == ["text", "label"]
    graded = raw["sentiment"] != "neutral"
    unsure = raw["confidence"] < 0.5
    assert len(corpus) == (graded & ~unsure).sum() == 22298
    assert (corpus["label"] == 0).sum() == (
        (raw["sentiment"] == "negative") & ~unsure
    ).sum()
    # Texts whose panel agreement is unknown are kept, not taken for unsure.
    unknown = raw[graded & raw["confidence"].isna()]
    assert len(unknown) > 0 and set(unknown["text"].str.strip()) <= set(corpus["text"])


def test_texts_the_panel_was_unsure_of_are_dropped():
    raw = pd.DataFrame(
        {
            "t": ["awful", "lovely", "meh", "bad", "good"],
            "y": ["neg", "pos", "neg", "neg", "pos"],
            "agreement": [0.9, 1.0, 0.4, None, 0.5],
        }
    )
    data = {
        "text_column": "t",
        "label_column": "y",
        "negative_labels": ["neg"],
        "positive_labels": ["pos"],
        "confidence_column": "agreement",
        "min_confidence": 0.5,
    }
    corpus = nodes.prepare_corpus(raw, data, seed=0)
    assert corpus["text"].tolist() == ["awful", "lovely", "bad", "good"]
    with pytest.raises(KeyError, match=r"'agreement'.*confidence_column"):
        nodes.prepare_corpus(raw.drop(columns="agreement"), data, seed=0)


def test_sample_size_keeps_a_stratified_seeded_sample():
    raw = pd.DataFrame(
        {"t": [f"text {i}" for i in range(1000)], "y": [0, 4, 4, 4] * 250}
    )
    data = {
        "text_column": "t",
        "label_column": "y",
        "negative_labels": [0],
        "positive_labels": [4],
        "sample_size": 200,
    }
    first = nodes.prepare_corpus(raw, data, seed=3)
    second = nodes.prepare_corpus(raw, data, seed=3)
    assert len(first) == 200
    assert (first["label"] == 0).sum() == 50
    pd.testing.assert_frame_equal(first, second)


def test_splits_share_no_text_and_keep_class_balance():
    corpus = _corpus_with_duplicates()
    train, validation, test = nodes.split_corpus(corpus, SPLIT, seed=7)
    keys = [set(part["text"].map(dedup_key)) for part in (train, validation, test)]
    assert (
        not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    )
    every_key = keys[0] | keys[1] | keys[2]
    assert "review number 10: fine." not in every_key  # conflicting labels
    assert "review number 5: fine." in every_key  # duplicates keep one copy
    assert sum(len(k) for k in keys) == 300 - 1
    for part in (train, validation, test):
        assert part["label"].mean() == pytest.approx(2 / 3, abs=0.03)
    assert len(test) == pytest.approx(0.15 * 299, abs=1)
    again = nodes.split_corpus(corpus, SPLIT, seed=7)
    pd.testing.assert_frame_equal(test, again[2])


def test_schema_error_names_dataset_and_column():
    raw = AbstractDataset.from_config(
        "sentiment.raw_texts", _catalog_entry("base", "sentiment.raw_texts")
    ).load()
    schema = _catalog_entry("base", "sentiment.raw_texts")["metadata"]["schema"]
    with pytest.raises(
        DataValidationError, match=r"sentiment\.raw_texts.*'text' is missing"
    ):
        validate_dataframe(
            raw.rename(columns={"text": "tweet"}), schema, "sentiment.raw_texts"
        )
    raw.loc[0, "sentiment"] = "angry"
    with pytest.raises(
        DataValidationError, match=r"sentiment\.raw_texts.*column 'sentiment'"
    ):
        validate_dataframe(raw, schema, "sentiment.raw_texts")


def test_sentiment140_file_reads_checks_and_maps_labels(tmp_path: Path):
    rows = [
        '"0","1467810369","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","user_a","my flight got cancelled \xe9"',
        '"4","1467810672","Mon Apr 06 22:19:49 PDT 2009","NO_QUERY","user_b","loving the new seats"',
        '"4","1467810917","Mon Apr 06 22:19:53 PDT 2009","NO_QUERY","user_c","great crew today"',
    ]
    csv = tmp_path / "training.1600000.processed.noemoticon.csv"
    csv.write_bytes("\n".join(rows).encode("iso-8859-1"))
    entry = {**_catalog_entry("original", "sentiment.raw_texts"), "filepath": str(csv)}
    raw = AbstractDataset.from_config("sentiment.raw_texts", entry).load()
    validate_dataframe(raw, entry["metadata"]["schema"], "sentiment.raw_texts")
    data = {
        **_parameters("base")["data"],
        **_parameters("original")["data"],
        "sample_size": None,
    }
    corpus = nodes.prepare_corpus(raw, data, seed=0)
    assert corpus["label"].tolist() == [0, 1, 1]
    assert corpus["text"][0] == "my flight got cancelled \xe9"
