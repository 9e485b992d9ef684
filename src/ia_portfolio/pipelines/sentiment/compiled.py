"""The served sentiment model compiled for one text at a time.

:class:`~serving_model.SentimentModel` answers through scikit-learn, pandas and
MLflow's pyfunc wrapper: right for batches, but for one text most of the time is
framework overhead (input checks, sparse matrices, DataFrames). At load time
:class:`CompiledSentiment` reads the fitted model once and keeps only what one
text needs:

- TF-IDF + logistic regression: the vectorizer's own analyzer (same tokens), and
  per vocabulary term its IDF weight and ``idf * coefficient``; a text's score is
  ``intercept + sum(tf * idf * coef) / ||tf * idf||`` (sublinear ``tf`` when the
  vectorizer has it), its probability the logistic of that;
- the prior-predicting dummy: its constant;
- the VADER lexicon: the analyzer itself (plain Python already).

Other families (Keras, MiniLM) keep their own ``predict_proba``: their cost is the
network, not the framework around it, and they are not *pure* (they run in a
worker thread, not on the event loop). Texts the model cannot judge are flagged
by the very same ``not_judged_reason`` as the pyfunc model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ia_portfolio.pipelines.sentiment.classifiers import (
    SklearnTextClassifier,
    TextClassifier,
    VaderClassifier,
)
from ia_portfolio.pipelines.sentiment.serving_model import LABELS, UNKNOWN

Scorer = Callable[[str], float]


def _logistic(z: float) -> float:
    """``1 / (1 + exp(-z))`` without overflow, as scipy's ``expit``."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _tfidf_logreg_scorer(
    vectorizer: TfidfVectorizer, classifier: LogisticRegression
) -> Scorer:
    if vectorizer.norm != "l2" or not vectorizer.use_idf:
        raise ValueError("only l2-normalised TF-IDF with IDF weights is compiled")
    analyzer = vectorizer.build_analyzer()
    idf = vectorizer.idf_
    coefficients = classifier.coef_[0]
    intercept = float(classifier.intercept_[0])
    weights = {
        term: (float(idf[j]), float(idf[j] * coefficients[j]))
        for term, j in vectorizer.vocabulary_.items()
    }
    sublinear = vectorizer.sublinear_tf

    def score(text: str) -> float:
        counts = Counter(t for t in analyzer(text) if t in weights)
        dot = norm = 0.0
        for term, count in counts.items():
            tf = 1.0 + math.log(count) if sublinear else float(count)
            term_idf, term_weight = weights[term]
            dot += tf * term_weight
            norm += (tf * term_idf) ** 2
        return _logistic(intercept + (dot / math.sqrt(norm) if norm else 0.0))

    return score


def compile_scorer(classifier: TextClassifier) -> tuple[Scorer, bool]:
    """``text -> P(positive)`` for one text, and whether it is pure Python/NumPy
    arithmetic (cheap enough for the event loop)."""
    if isinstance(classifier, VaderClassifier):
        return classifier.score, True
    if isinstance(classifier, SklearnTextClassifier):
        steps = [step for _, step in classifier.pipeline.steps]
        if len(steps) == 1 and isinstance(steps[0], DummyClassifier):
            prior = float(steps[0].class_prior_[list(steps[0].classes_).index(1)])
            return (lambda _text: prior), True
        if (
            len(steps) == 2  # noqa: PLR2004
            and isinstance(steps[0], TfidfVectorizer)
            and isinstance(steps[1], LogisticRegression)
        ):
            return _tfidf_logreg_scorer(*steps), True
    return (lambda text: float(classifier.predict_proba([text])[0])), False


class CompiledSentiment:
    """Label, ``P(positive)`` and reason of each text, as
    ``SentimentModel.predict`` gives them, without pandas or the pyfunc wrapper.

    ``model``: a loaded ``SentimentModel`` (its classifier, threshold and judging
    rule).
    """

    def __init__(self, model: Any) -> None:
        self.threshold = float(model.threshold)
        self.not_judged_reason: Callable[[str], str] = model.not_judged_reason
        self.score, self.pure = compile_scorer(model.classifier)
        self._classifier = model.classifier

    def _answer(self, text: str, score: float) -> tuple[str, float, str]:
        positive = min(max(score, 0.0), 1.0)
        reason = self.not_judged_reason(text)
        if reason:
            return UNKNOWN, positive, reason
        return str(LABELS[int(positive >= self.threshold)]), positive, ""

    def predict_one(self, text: str) -> tuple[str, float, str]:
        """``(label, P(positive), reason)`` of one text; label ``unknown`` (with
        the reason) when the model cannot judge it."""
        return self._answer(text, self.score(text))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float, str]]:
        """:meth:`predict_one` for each text, in order; a network (not *pure*)
        scores the texts in one batch, as the pyfunc model does."""
        if self.pure:
            return [self.predict_one(text) for text in texts]
        scores = self._classifier.predict_proba(list(texts))
        return [
            self._answer(text, float(score))
            for text, score in zip(texts, scores, strict=True)
        ]
