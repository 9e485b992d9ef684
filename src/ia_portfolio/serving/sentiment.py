"""``/sentiment``: label and probability for one text or a batch, answered by the
model the ``sentiment`` pipeline promoted in the project's MLflow registry.

The promoted model is compiled at load time (``pipelines.sentiment.compiled``):
linear and lexicon models answer on the event loop with plain arithmetic, neural
ones in a worker thread; both give the pyfunc model's answers and keep its
judging rule (texts it cannot judge are flagged, not scored)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import mlflow.pyfunc
from fastapi import APIRouter, Body, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ia_portfolio.pipelines.sentiment.compiled import CompiledSentiment
from ia_portfolio.pipelines.sentiment.examples import DOCUMENTATION_EXAMPLES
from ia_portfolio.serving.catalog import ProjectModels
from ia_portfolio.serving.registry import (
    ModelInfo,
    ModelNotAvailableError,
    ModelReference,
)

logger = logging.getLogger(__name__)

MODEL_DATASET = "sentiment.registered_model"
TRAIN_COMMAND = "kedro run --pipeline=sentiment"
MAX_TEXT_CHARS = 2000
MAX_BATCH_SIZE = 64

LIMITS = (
    f"A text is at most {MAX_TEXT_CHARS:,} characters and not blank; a batch holds "
    f"1 to {MAX_BATCH_SIZE} texts. Anything else is answered 422 with the offending "
    "field (and index in `texts`). 503 while no model is registered, with the "
    "command that trains one."
)


# A character that is not one of those `str.strip()` removes, for the schema's
# `pattern` (the same class in Python and ECMA-262 regular expressions).
NON_BLANK_PATTERN = (
    r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty or whitespace only")
    return text


Text = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT_CHARS),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"minLength": 1, "pattern": NON_BLANK_PATTERN}),
]

# The schema of "exactly one of": a body matches one branch only when it holds a
# string `text` or an array `texts`, not both (a null one counts as absent).
EXACTLY_ONE_OF_TEXT_OR_TEXTS = {
    "oneOf": [
        {"required": ["text"], "properties": {"text": {"type": "string"}}},
        {"required": ["texts"], "properties": {"texts": {"type": "array"}}},
    ]
}


class SentimentRequest(BaseModel):
    """Exactly one of ``text`` (one text) or ``texts`` (a batch)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=EXACTLY_ONE_OF_TEXT_OR_TEXTS
    )

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
    """The sentiment of one text, or why it was not judged."""

    index: int = Field(description="Position in `texts` (0 for `text`)")
    judged: bool = Field(
        description="false when the model cannot judge the text (see `reason`): "
        "no word it saw in training, or another language than it was trained on"
    )
    label: Literal["negative", "positive"] | None = Field(
        description="`positive` when `probability_positive` >= `threshold`; "
        "null when not judged"
    )
    probability: float | None = Field(description="Probability of `label`")
    probability_positive: float | None = Field(description="Probability of `positive`")
    probability_negative: float | None = Field(description="Probability of `negative`")
    reason: str | None = Field(description="Why the text was not judged")


class SentimentResponse(BaseModel):
    predictions: list[TextSentiment]
    threshold: float = Field(
        description="Decision threshold on `probability_positive`, chosen on "
        "validation data for the F1 of the negative class"
    )
    labels: str = Field(description="What `negative` and `positive` mean here")
    model: ModelInfo


def text_sentiment(
    index: int, label: str, positive: float, reason: str
) -> TextSentiment:
    """One prediction of the pyfunc contract as the API answers it."""
    if reason:
        return TextSentiment(
            index=index,
            judged=False,
            label=None,
            probability=None,
            probability_positive=None,
            probability_negative=None,
            reason=reason,
        )
    return TextSentiment(
        index=index,
        judged=True,
        label=label,
        probability=positive if label == "positive" else 1 - positive,
        probability_positive=positive,
        probability_negative=1 - positive,
        reason=None,
    )


# The texts of the documentation, which the pipeline requires the chosen model to
# answer correctly.
_ONE, *_BATCH = DOCUMENTATION_EXAMPLES
REQUEST_EXAMPLES: dict[str, Any] = {
    "one text": {"summary": "One text", "value": {"text": _ONE}},
    "batch": {
        "summary": "A batch, answered in order",
        "value": {"texts": _BATCH},
    },
}
UNAVAILABLE = {503: {"description": f"No model registered yet: run `{TRAIN_COMMAND}`"}}


@dataclass(frozen=True)
class ServedSentimentModel:
    """The promoted pyfunc model and its compiled form (what answers)."""

    pyfunc: mlflow.pyfunc.PyFuncModel
    compiled: CompiledSentiment
    threshold: float
    labels: str


def serve(pyfunc_model: mlflow.pyfunc.PyFuncModel) -> ServedSentimentModel:
    """Compile the registered pyfunc model for the API."""
    config = pyfunc_model.model_config
    return ServedSentimentModel(
        pyfunc=pyfunc_model,
        compiled=CompiledSentiment(pyfunc_model.unwrap_python_model()),
        threshold=float(config["threshold"]),
        labels=str(config["label_description"]),
    )


def sentiment_router(models: ProjectModels, model_uri: str | None = None) -> APIRouter:
    """Routes for the served sentiment model: the one ``sentiment.registered_model``
    promotes (``ia_portfolio_sentiment@champion`` by default), or ``model_uri``."""
    reference = (
        ModelReference.from_uri(model_uri)
        if model_uri
        else models.reference(MODEL_DATASET)
    )
    registered = models.champion(reference, TRAIN_COMMAND, prepare=serve)
    router = APIRouter(prefix="/sentiment", tags=["sentiment"])

    def available() -> tuple[ServedSentimentModel, ModelInfo]:
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
    async def predict(
        request: Annotated[SentimentRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
    ) -> SentimentResponse:
        # The registry look-up (when one is due) and a neural model's forward pass
        # block: they run in a worker thread; arithmetic runs on the event loop.
        served, info = registered.fresh() or await run_in_threadpool(available)
        texts = request.batch()
        compiled = served.compiled
        scores = (
            compiled.predict(texts)
            if compiled.pure
            else await run_in_threadpool(compiled.predict, texts)
        )
        return SentimentResponse(
            predictions=[
                text_sentiment(index, label, positive, reason)
                for index, (label, positive, reason) in enumerate(scores)
            ],
            threshold=served.threshold,
            labels=served.labels,
            model=info,
        )

    @router.get("/model", response_model=ModelInfo, responses=UNAVAILABLE)
    def model() -> ModelInfo:
        """The registered model version that answers (loads it if needed)."""
        return available()[1]

    return router
