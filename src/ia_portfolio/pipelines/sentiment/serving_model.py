"""The MLflow pyfunc model registered as ``ia_portfolio_sentiment``.

Input: a DataFrame with a ``text`` column. Output: one row per text with
``label`` ("negative" or "positive", at the decision threshold chosen on the
validation split, or "unknown" for a text the model cannot judge),
``probability_positive`` and ``reason`` (why a text was not judged, else empty).

A text is not judged when none of its words occurs in the training texts (emoji
only, another script, gibberish), or when it is confidently written in a language
the model was not trained on: scoring it would only return the prior. Whatever
family won, the model files are the pyfunc artifact ``classifier`` and load
through ``classifiers.load_classifier``; the training vocabulary and the judging
rule are pickled with this wrapper, the threshold and the meaning of the labels
are its ``model_config``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from ia_portfolio.language import detect_language
from ia_portfolio.pipelines.sentiment.classifiers import TextClassifier, load_classifier
from ia_portfolio.pipelines.sentiment.text import tokenize

CLASSIFIER_ARTIFACT = "classifier"
LABELS = np.array(["negative", "positive"])
UNKNOWN = "unknown"


def predictions_frame(proba_positive: np.ndarray, threshold: float) -> pd.DataFrame:
    """The contract's output for judged texts: ``label`` and ``probability_positive``."""
    proba = np.clip(np.asarray(proba_positive, dtype=float), 0.0, 1.0)
    return pd.DataFrame(
        {
            "label": LABELS[(proba >= threshold).astype(int)],
            "probability_positive": proba,
            "reason": "",
        }
    )


class SentimentModel(mlflow.pyfunc.PythonModel):
    """Texts in, sentiment label and ``P(positive)`` out; texts outside what the
    model learned are labelled ``unknown`` with the reason."""

    def __init__(
        self,
        vocabulary: Iterable[str] = (),
        languages: Iterable[str] = ("en",),
        min_language_probability: float = 0.8,
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        self.languages = tuple(languages)
        self.min_language_probability = min_language_probability

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.classifier: TextClassifier = load_classifier(
            context.artifacts[CLASSIFIER_ARTIFACT]
        )
        self.threshold = float(context.model_config["threshold"])

    def not_judged_reason(self, text: str) -> str:
        """Why ``text`` cannot be judged by this model; empty when it can."""
        words = tokenize(text)
        if self.vocabulary and not any(word in self.vocabulary for word in words):
            return "none of its words occurs in the texts the model was trained on"
        language, probability = detect_language(text)
        if (
            language not in self.languages
            and probability >= self.min_language_probability
        ):
            return (
                f"it is written in '{language}' (p = {probability:.2f}); the model "
                f"was trained on {', '.join(self.languages)} texts"
            )
        return ""

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        texts = model_input["text"].astype(str).tolist()
        proba = np.clip(np.asarray(self.classifier.predict_proba(texts), float), 0, 1)
        reasons = [self.not_judged_reason(text) for text in texts]
        judged_labels = LABELS[(proba >= self.threshold).astype(int)]
        labels = np.where(np.asarray(reasons) != "", UNKNOWN, judged_labels)
        return pd.DataFrame(
            {"label": labels, "probability_positive": proba, "reason": reasons}
        )
