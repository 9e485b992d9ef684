"""The compiled serving form answers what the registered pyfunc model answers."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from ia_portfolio.pipelines.sentiment import classifiers
from ia_portfolio.pipelines.sentiment.compiled import CompiledSentiment
from ia_portfolio.pipelines.sentiment.serving_model import (
    CLASSIFIER_ARTIFACT,
    SentimentModel,
)
from ia_portfolio.pipelines.sentiment.text import tokenize
from tests.support.in_memory import raw_dataset

MESSAGES = Path(__file__).with_name("ood_messages.csv")
NOT_JUDGEABLE = [
    "\U0001f621\U0001f621\U0001f621",
    "Das Essen war kalt, teuer und der Kellner unfreundlich.",
    "",
]
TFIDF = {"max_ngram": 2, "min_df": 2, "max_features": 50000, "class_weight": None}


@pytest.fixture(scope="module")
def reviews() -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,500 packaged tweets to train on, 400 held out."""
    raw = raw_dataset("sentiment.raw_texts").load()
    raw = raw[raw["sentiment"] != "neutral"]
    corpus = pd.DataFrame(
        {"text": raw["text"], "label": (raw["sentiment"] == "positive").astype(int)}
    )
    train, rest = train_test_split(
        corpus, train_size=1500, stratify=corpus["label"], random_state=0
    )
    return train, rest.head(400)


def _fit(kind: str, train: pd.DataFrame) -> classifiers.TextClassifier:
    texts, y = train["text"].tolist(), train["label"].to_numpy()
    if kind == "dummy":
        return classifiers.fit_dummy(texts, y)
    if kind == "vader":
        return classifiers.VaderClassifier()
    if kind == "counts":  # not compiled: scored in one batch by its own pipeline
        pipeline = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=500))
        return classifiers.SklearnTextClassifier(pipeline.fit(texts, y))
    return classifiers.fit_tfidf_logreg(
        texts, y, {**TFIDF, "C": 3.0, "max_ngram": 2 if kind == "tfidf" else 1}, 0
    )


@pytest.mark.parametrize(
    "kind", ["tfidf", "tfidf_unigrams", "vader", "dummy", "counts"]
)
def test_compiled_model_gives_the_pyfunc_answers_on_held_out_texts(
    kind, reviews, tmp_path
):
    train, held_out = reviews
    classifier = _fit(kind, train)
    directory = classifiers.save_classifier(classifier, tmp_path / "classifier")
    mlflow.pyfunc.save_model(
        tmp_path / "pyfunc",
        python_model=SentimentModel(
            vocabulary={w for t in train["text"] for w in tokenize(t)}
        ),
        artifacts={CLASSIFIER_ARTIFACT: str(directory)},
        model_config={"threshold": 0.6},
        pip_requirements=classifiers.pip_requirements(classifier.family),
    )
    pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "pyfunc"))
    texts = (
        held_out["text"].tolist()
        + pd.read_csv(MESSAGES)["text"].tolist()
        + NOT_JUDGEABLE
    )
    expected = pyfunc.predict(pd.DataFrame({"text": texts}))
    compiled = CompiledSentiment(pyfunc.unwrap_python_model())
    # No framework left on the request path, but for a model compiling skips.
    assert compiled.pure == (kind != "counts")
    answers = compiled.predict(texts)
    labels, positive, reasons = (list(column) for column in zip(*answers, strict=True))
    np.testing.assert_allclose(
        positive, expected["probability_positive"], rtol=0, atol=1e-9
    )
    assert labels == expected["label"].tolist()
    assert reasons == expected["reason"].fillna("").tolist()
    # The judging rule is kept: emoji only, German and empty texts are flagged.
    assert labels[-3:] == ["unknown"] * 3
    if kind.startswith("tfidf") or kind == "counts":
        # Not a constant: the compiled weights really score the texts.
        assert np.std(positive[: len(held_out)]) > 0.05
