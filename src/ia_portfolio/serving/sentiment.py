"""``/sentiment``: label and probability for one text or a batch, answered by the
model the ``sentiment`` pipeline registered in the project's MLflow registry."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import mlflow.pyfunc
import pandas as pd
from fastapi import APIRouter, Body, HTTPException
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

logger = logging.getLogger(__name__)

MODEL_NAME = "ia_portfolio_sentiment"
MODEL_ALIAS = "champion"
DEFAULT_MODEL_URI = f"models:/{MODEL_NAME}@{MODEL_ALIAS}"
TRAIN_COMMAND = "kedro run --pipeline=sentiment"
MAX_TEXT_CHARS = 2000
MAX_BATCH_SIZE = 64

LIMITS = (
    f"A text is at most {MAX_TEXT_CHARS:,} characters and not blank; a batch holds "
    f"1 to {MAX_BATCH_SIZE} texts. Anything else is answered 422 with the offending "
    "field (and index in `texts`). 503 while no model is registered, with the "
    "command that trains one."
)


class ModelNotAvailableError(LookupError):
    """The registered model cannot be served (not trained, or unreadable)."""


@dataclass(frozen=True)
class ModelReference:
    """A registered model: by alias (follows new versions) or by pinned version."""

    name: str
    alias: str | None = None
    version: str | None = None

    @classmethod
    def from_uri(cls, uri: str) -> ModelReference:
        """``models:/<name>@<alias>`` or ``models:/<name>/<version>``."""
        match = re.fullmatch(
            r"models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/@]+)|/(?P<version>\d+))", uri
        )
        if match is None:
            raise ValueError(
                f"'{uri}' is not a registry model URI: use "
                "models:/<name>@<alias> or models:/<name>/<version>."
            )
        return cls(**match.groupdict())

    @property
    def uri(self) -> str:
        suffix = f"@{self.alias}" if self.alias else f"/{self.version}"
        return f"models:/{self.name}{suffix}"


class ModelInfo(BaseModel):
    """The registered model version that answers."""

    name: str = Field(examples=[MODEL_NAME])
    version: str = Field(examples=["3"])
    alias: str | None = Field(
        description="The alias the version was resolved from, if any",
        examples=[MODEL_ALIAS],
    )
    run_id: str | None = Field(description="The MLflow run that logged the model")


class RegisteredSentimentModel:
    """The model ``reference`` points to, resolved in the registry and loaded on
    first use, then kept for the life of the process. Until a load succeeds,
    every call looks again, so a model trained after start-up is picked up."""

    def __init__(self, client: MlflowClient, reference: ModelReference) -> None:
        self._client = client
        self.reference = reference
        self._lock = threading.Lock()
        self._loaded: tuple[mlflow.pyfunc.PyFuncModel, ModelInfo] | None = None

    def get(self) -> tuple[mlflow.pyfunc.PyFuncModel, ModelInfo]:
        """The loaded model and its registry version."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self) -> tuple[mlflow.pyfunc.PyFuncModel, ModelInfo]:
        name = self.reference.name
        try:
            version = (
                self._client.get_model_version_by_alias(name, self.reference.alias)
                if self.reference.alias
                else self._client.get_model_version(name, self.reference.version)
            )
            location = self._client.get_model_version_download_uri(
                name, version.version
            )
        except MlflowException as error:
            raise ModelNotAvailableError(
                f"No model registered as {self.reference.uri} ({error.message}). "
                f"Train and register it with `{TRAIN_COMMAND}` in the project."
            ) from error
        try:
            model = mlflow.pyfunc.load_model(location)
        except (MlflowException, OSError) as error:
            raise ModelNotAvailableError(
                f"{name} version {version.version} is registered but its files "
                f"cannot be loaded ({error}). The registry and the model files "
                "(mlflow.db and mlruns/) must stay where training wrote them; "
                f"retrain with `{TRAIN_COMMAND}` if they were moved."
            ) from error
        logger.info("Loaded %s version %s from %s.", name, version.version, location)
        info = ModelInfo(
            name=name,
            version=str(version.version),
            alias=self.reference.alias,
            run_id=version.run_id,
        )
        return model, info


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty or whitespace only")
    return text


Text = Annotated[
    str, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank)
]


class SentimentRequest(BaseModel):
    """Exactly one of ``text`` (one text) or ``texts`` (a batch)."""

    model_config = ConfigDict(extra="forbid")

    text: Text | None = Field(
        default=None, description=f"One text, at most {MAX_TEXT_CHARS:,} characters"
    )
    texts: (
        Annotated[list[Text], Field(min_length=1, max_length=MAX_BATCH_SIZE)] | None
    ) = Field(
        default=None,
        description=f"A batch of 1 to {MAX_BATCH_SIZE} texts, answered in order",
    )

    @model_validator(mode="after")
    def _exactly_one_of_text_or_texts(self) -> SentimentRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError(
                "give exactly one of `text` (one text) or `texts` (a batch)"
            )
        return self

    def batch(self) -> list[str]:
        """The texts to score, in request order."""
        return [self.text] if self.text is not None else list(self.texts or [])


class TextSentiment(BaseModel):
    """The sentiment of one text."""

    index: int = Field(description="Position in `texts` (0 for `text`)")
    label: Literal["negative", "positive"]
    probability: float = Field(description="Probability of `label`")
    probability_positive: float = Field(description="Probability of `positive`")


class SentimentResponse(BaseModel):
    predictions: list[TextSentiment]
    model: ModelInfo


REQUEST_EXAMPLES: dict[str, Any] = {
    "one text": {
        "summary": "One text",
        "value": {"text": "Flight delayed three hours and no one tells us why."},
    },
    "batch": {
        "summary": "A batch, answered in order",
        "value": {
            "texts": [
                "Lovely crew, smooth flight, on time!",
                "Lost my luggage again. Never flying with you again.",
            ]
        },
    },
}
UNAVAILABLE = {503: {"description": f"No model registered yet: run `{TRAIN_COMMAND}`"}}


def sentiment_router(client: MlflowClient, model_uri: str | None = None) -> APIRouter:
    """Routes for the registered sentiment model (``model_uri``, by default the
    ``champion`` alias of ``ia_portfolio_sentiment``), read through ``client``."""
    registered = RegisteredSentimentModel(
        client, ModelReference.from_uri(model_uri or DEFAULT_MODEL_URI)
    )
    router = APIRouter(prefix="/sentiment", tags=["sentiment"])

    def available() -> tuple[mlflow.pyfunc.PyFuncModel, ModelInfo]:
        try:
            return registered.get()
        except ModelNotAvailableError as error:
            raise HTTPException(503, str(error)) from error

    @router.post(
        "/predict",
        response_model=SentimentResponse,
        responses=UNAVAILABLE,
        description=f"Sentiment of one text or of a batch. {LIMITS}",
    )
    def predict(
        request: Annotated[SentimentRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
    ) -> SentimentResponse:
        model, info = available()
        texts = request.batch()
        scores = model.predict(pd.DataFrame({"text": texts}))
        labels = scores["label"].tolist()
        positives = scores["probability_positive"].astype(float).tolist()
        predictions = [
            TextSentiment(
                index=index,
                label=label,
                probability=positive if label == "positive" else 1 - positive,
                probability_positive=positive,
            )
            for index, (label, positive) in enumerate(
                zip(labels, positives, strict=True)
            )
        ]
        return SentimentResponse(predictions=predictions, model=info)

    @router.get("/model", response_model=ModelInfo, responses=UNAVAILABLE)
    def model() -> ModelInfo:
        """The registered model version that answers (loads it if needed)."""
        return available()[1]

    return router
