"""The MLflow pyfunc model registered as ``ia_portfolio_chatbot``.

Input: a DataFrame with ``text``, ``reference_date`` (the conversation's date,
ISO; today when empty), ``requested_slot`` (the slot the bot had just asked for,
or empty) and ``departure_date`` (the departure already known, ISO or empty: a
"for 10 days" counts from it). Output: one row per text with ``intent``,
``spans`` (JSON list of ``{"slot", "start", "end", "text"}``) and ``values``
(JSON dict: city name, ISO date, ``"<amount> <ISO currency>"`` or
``"unlimited"``; null when a found value cannot be read).

The whole parser (the tagger chosen on validation: a CRF, or the BiLSTM's
weights as NumPy arrays; the intent classifier; the gazetteer; the normaliser
settings) is pickled with this wrapper: serving needs neither TensorFlow nor
Keras.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import version
from typing import Any

import mlflow.pyfunc
import pandas as pd

from ia_portfolio.pipelines.chatbot.models import FlightRequestParser

REQUIREMENTS = (
    "mlflow",
    "pandas",
    "scikit-learn",
    "sklearn-crfsuite",
    "python-crfsuite",
    "dateparser",
    "cloudpickle",
)


def pip_requirements() -> list[str]:
    """The served model's dependencies, pinned to the versions that trained it."""
    return [f"{name}=={version(name)}" for name in REQUIREMENTS]


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def parser_output(results: list[dict[str, Any]]) -> pd.DataFrame:
    """The pyfunc contract's output frame from parser results."""
    return pd.DataFrame(
        {
            "intent": [r["intent"] for r in results],
            "spans": [json.dumps(r["spans"], ensure_ascii=False) for r in results],
            "values": [json.dumps(r["values"], ensure_ascii=False) for r in results],
        }
    )


class FlightRequestModel(mlflow.pyfunc.PythonModel):
    """Booking requests in, intent and normalised slots out."""

    def __init__(self, parser: FlightRequestParser) -> None:
        self.parser = parser

    def parse(
        self,
        text: str,
        reference_date: dt.date,
        requested_slot: str = "",
        departure_date: dt.date | None = None,
    ) -> dict[str, Any]:
        """One text: ``{"intent", "spans", "values"}``."""
        [result] = self.parser.parse_many(
            [text], [reference_date], [requested_slot], [departure_date]
        )
        return result

    def parse_frame(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        today = dt.date.today()
        columns = frame.reindex(
            columns=["text", "reference_date", "requested_slot", "departure_date"]
        )
        return self.parser.parse_many(
            columns["text"].astype(str).tolist(),
            [_date(d) or today for d in columns["reference_date"]],
            [s if isinstance(s, str) else "" for s in columns["requested_slot"]],
            [_date(d) for d in columns["departure_date"]],
        )

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        return parser_output(self.parse_frame(model_input))
