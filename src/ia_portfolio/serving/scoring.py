"""``/scoring``: probability of default, decision and reasons for one applicant,
answered by the model the ``scoring`` pipeline promoted in the MLflow registry.

The request body is built from what the served model learned about each field
(``applicant_schema``) and follows the model when a new one is promoted; the
OpenAPI document shows the current one.

Rule: the API scores only applicants the model can judge, i.e. like those of its
training split. A number outside the range training saw, a category training never
met, or a missing field that training always had is not scored (the model would
extrapolate or fill in a value silently) but refused with 422 naming the field and
the bound it crossed or the values it accepts; every field's description in the
schema states its accepted range or values. The same holds for the configured
ratios (e.g. ``loan_to_income = funded_amnt / annual_inc``): fields each within
their range can still combine into a ratio outside the training range, and a zero
denominator leaves the ratio undefined; both get 422 naming the ratio.
Numbers must be JSON numbers (not booleans, strings or non-finite values), and
fields the model does not know are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from mlflow.pyfunc import PyFuncModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ia_portfolio.pipelines.scoring.compiled import CompiledScorer
from ia_portfolio.pipelines.scoring.model import (
    NUMERIC,
    CreditScoringModel,
    FieldConstraint,
)
from ia_portfolio.serving.catalog import ProjectModels
from ia_portfolio.serving.registry import ModelInfo, ModelNotAvailableError

MODEL_DATASET = "scoring.registered_model"
TRAIN_COMMAND = "kedro run --pipeline=scoring"
PREDICT_PATH = "/scoring/predict"
PREDICT_DESCRIPTION = (
    "Probability of default of one applicant from raw fields, the decision at the "
    "cost-minimising threshold and the fields that weighed most. Only applicants "
    "the model can judge are scored: every field within the range (or among the "
    "categories) of the training split, required where training always had it "
    "(each field's description states its limits). The configured ratios of two "
    "fields (e.g. loan_to_income = funded_amnt / annual_inc) must also fall in "
    "their training range, and a zero denominator under a non-zero numerator is "
    "refused. Anything else gets 422 naming the field or ratio and the limit."
)
UNAVAILABLE = {503: {"description": f"No model promoted yet: run `{TRAIN_COMMAND}`"}}


class Reason(BaseModel):
    field: str
    value: Any
    contribution: float = Field(
        description="SHAP contribution to the log-odds of default"
    )
    effect: Literal["raises risk", "lowers risk"]


class ScoringResponse(BaseModel):
    probability_of_default: float
    decision: Literal["grant", "refuse"]
    threshold: float
    model: str = Field(description="The candidate that won, e.g. logistic_regression")
    model_version: str = Field(description="Registry version of the served model")
    reasons: list[Reason]


def applicant_schema(model: CreditScoringModel) -> type[BaseModel]:
    """The request body ``model`` can judge: one field per raw input, limited to
    what its training split showed (the rule in the module docstring)."""
    fields: dict[str, Any] = {
        name: _applicant_field(constraint)
        for name, constraint in model.field_constraints.items()
    }
    config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    return create_model("Applicant", __config__=config, **fields)


def _applicant_field(constraint: FieldConstraint) -> tuple[Any, Any]:
    """``(type, default)`` of one request field: required unless training had
    missing values, numbers within the training range, known categories only."""
    accepted = _accepted_values(constraint)
    if accepted is None:
        return None, Field(None, description="Always missing in training: null.")
    value_type, values = accepted
    meaning = f"{constraint.description}. " if constraint.description else ""
    description = f"{meaning}{values}; any other value cannot be judged and gets 422."
    examples = [] if constraint.typical is None else [constraint.typical]
    if constraint.missing_seen:
        return value_type | None, Field(
            None,
            description=f"{description} Null or left out when unknown.",
            examples=examples,
        )
    return value_type, Field(
        description=f"{description} Required: training always had it.",
        examples=examples,
    )


def typical_applicant(model: CreditScoringModel) -> dict[str, Any]:
    """An example request body: every field at its typical training value (the
    median or the most frequent category)."""
    return {
        name: constraint.typical
        for name, constraint in model.field_constraints.items()
        if constraint.typical is not None
    }


def _accepted_values(constraint: FieldConstraint) -> tuple[Any, str] | None:
    """The type of the values training saw and their description; ``None`` when
    training saw no value at all."""
    if constraint.kind == NUMERIC:
        low, high = constraint.minimum, constraint.maximum
        if low is None or high is None:
            return None
        return (
            Annotated[float, Field(ge=low, le=high)],
            f"A number from {_number(low)} to {_number(high)}, the range of the "
            "training split",
        )
    if not constraint.categories:
        return None
    return (
        Literal[constraint.categories],
        f"One of the {len(constraint.categories)} categories of the training split",
    )


def _number(value: float) -> str:
    """``1,000`` for whole numbers, ``0.5`` otherwise."""
    return f"{value:,.0f}" if value.is_integer() else f"{value:,}"


@dataclass(frozen=True)
class ServedScoringModel:
    """The promoted model, the request body it can judge and its compiled form
    (what answers one applicant)."""

    model: CreditScoringModel
    applicant: type[BaseModel]
    compiled: CompiledScorer


def serve(pyfunc_model: PyFuncModel) -> ServedScoringModel:
    """Unwrap the registered pyfunc into the model the API answers with."""
    model: CreditScoringModel = pyfunc_model.unwrap_python_model().model
    return ServedScoringModel(model, applicant_schema(model), CompiledScorer(model))


class ScoringRoutes:
    """``/scoring`` routes answered by the promoted scoring model."""

    def __init__(self, models: ProjectModels, top_k: int = 5) -> None:
        self.champion = models.champion(
            models.reference(MODEL_DATASET), TRAIN_COMMAND, serve
        )
        self.top_k = top_k
        self.router = self._router()

    def available(self) -> tuple[ServedScoringModel, ModelInfo]:
        """The served model, or 503 with the reason."""
        try:
            return self.champion.get()
        except ModelNotAvailableError as error:
            raise HTTPException(503, str(error)) from error

    async def available_async(self) -> tuple[ServedScoringModel, ModelInfo]:
        """:meth:`available`, with the registry look-up (when one is due) run off
        the event loop."""
        return self.champion.fresh() or await run_in_threadpool(self.available)

    def document(self, openapi: dict[str, Any]) -> None:
        """Put the served model's request body into the OpenAPI document."""
        try:
            served, _ = self.champion.get()
        except ModelNotAvailableError:
            return
        body = served.applicant.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(body.pop("$defs", {}))
        schemas["Applicant"] = body
        request = openapi["paths"][PREDICT_PATH]["post"]["requestBody"]
        request["content"]["application/json"] = {
            "schema": {"$ref": "#/components/schemas/Applicant"},
            # What "Try it out" fills in: an applicant the model can judge.
            "example": typical_applicant(served.model),
        }

    def _router(self) -> APIRouter:
        router = APIRouter(prefix="/scoring", tags=["scoring"])

        @router.post(
            "/predict",
            response_model=ScoringResponse,
            responses=UNAVAILABLE,
            description=PREDICT_DESCRIPTION,
        )
        async def predict(
            applicant: Annotated[dict[str, Any], Body()],
        ) -> ScoringResponse:
            served, info = await self.available_async()
            try:
                fields = served.applicant.model_validate(applicant)
            except ValidationError as error:
                raise RequestValidationError(
                    [
                        {**e, "loc": ("body", *e["loc"])}
                        for e in error.errors(include_url=False)
                    ]
                ) from error
            values = fields.model_dump()
            if problems := served.model.unjudgeable_ratios(values):
                raise RequestValidationError(
                    [
                        {
                            "type": "value_error",
                            "loc": ("body", name),
                            "msg": f"Value error, {reason}: the model cannot judge it",
                            "input": applicant,
                        }
                        for name, reason in problems.items()
                    ]
                )
            assessment = served.compiled.assess(values, self.top_k)
            return ScoringResponse(
                **assessment,
                threshold=served.model.threshold,
                model=served.model.name,
                model_version=info.version,
            )

        @router.get("/schema", responses=UNAVAILABLE)
        def schema() -> dict[str, str]:
            """The raw fields the served model accepts and their kind."""
            return self.available()[0].model.field_kinds

        @router.get("/model", response_model=ModelInfo, responses=UNAVAILABLE)
        def model() -> ModelInfo:
            """The registered model version that answers."""
            return self.available()[1]

        return router
