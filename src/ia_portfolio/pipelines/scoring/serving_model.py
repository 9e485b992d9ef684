"""The MLflow pyfunc model registered as ``ia_portfolio_scoring``.

Input: a DataFrame of raw applicant fields. Output: one row per applicant with
``probability_of_default`` (calibrated) and ``decision`` (``grant``/``refuse`` at
the cost-minimising threshold). The whole ``CreditScoringModel`` (preprocessing,
classifier, calibration, threshold, explainer background, field constraints) is
pickled inside, so the API unwraps it to add reasons and validate requests.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import mlflow.pyfunc
import pandas as pd

from ia_portfolio.pipelines.scoring.model import CreditScoringModel

# What the pickled model needs. Stated, not inferred: MLflow's inference loads the
# model again in a subprocess at every registration (seconds per run).
REQUIREMENTS = (
    "mlflow",
    "cloudpickle",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "shap",
)


def pip_requirements() -> list[str]:
    """The served model's dependencies, pinned to the versions that trained it."""
    return [f"{name}=={version(name)}" for name in REQUIREMENTS]


def predictions_frame(
    model: CreditScoringModel, applicants: pd.DataFrame
) -> pd.DataFrame:
    """The contract's output: ``probability_of_default`` and ``decision``."""
    probabilities = model.predict_proba(applicants)
    return pd.DataFrame(
        {
            "probability_of_default": probabilities,
            "decision": model.decide(probabilities),
        }
    )


class ScoringModel(mlflow.pyfunc.PythonModel):
    """Raw applicant fields in, probability of default and decision out."""

    def __init__(self, model: CreditScoringModel) -> None:
        self.model = model

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        return predictions_frame(self.model, model_input)
