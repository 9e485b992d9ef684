"""The MLflow pyfunc model registered as ``ia_portfolio_sentiment``.

Input: a DataFrame with a ``text`` column. Output: one row per text with
``label`` ("negative" or "positive", at the decision threshold chosen on the
validation split) and ``probability_positive``. Whatever family won, the model
files are the pyfunc artifact ``classifier`` and load through
``classifiers.load_classifier``.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from ia_portfolio.pipelines.sentiment.classifiers import TextClassifier, load_classifier

CLASSIFIER_ARTIFACT = "classifier"
LABELS = np.array(["negative", "positive"])


def predictions_frame(proba_positive: np.ndarray, threshold: float) -> pd.DataFrame:
    """The contract's output: ``label`` and ``probability_positive`` per text."""
    proba = np.clip(np.asarray(proba_positive, dtype=float), 0.0, 1.0)
    return pd.DataFrame(
        {
            "label": LABELS[(proba >= threshold).astype(int)],
            "probability_positive": proba,
        }
    )


class SentimentModel(mlflow.pyfunc.PythonModel):
    """Texts in, sentiment label and ``P(positive)`` out."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.classifier: TextClassifier = load_classifier(
            context.artifacts[CLASSIFIER_ARTIFACT]
        )
        self.threshold = float(context.model_config["threshold"])

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        texts = model_input["text"].astype(str).tolist()
        return predictions_frame(self.classifier.predict_proba(texts), self.threshold)
