"""``/scoring``: probability of default, decision and reasons for one applicant."""

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field, create_model

from ia_portfolio.pipelines.scoring.model import NUMERIC, CreditScoringModel
from ia_portfolio.serving.catalog import ArtifactNotFoundError, CatalogArtifacts

MODEL_DATASET = "scoring.model"
TRAIN_HINT = "run `kedro run --pipeline=scoring` first"


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
    model: str
    reasons: list[Reason]


def applicant_schema(model: CreditScoringModel) -> type[BaseModel]:
    """A request body with one optional field per raw model input; unknown fields
    and values of the wrong type are rejected with 422."""
    fields: dict[str, Any] = {
        name: (float | None if kind == NUMERIC else str | None, None)
        for name, kind in model.field_kinds.items()
    }
    return create_model("Applicant", __config__=ConfigDict(extra="forbid"), **fields)


def scoring_router(artifacts: CatalogArtifacts, top_k: int = 5) -> APIRouter:
    """Routes for the credit scoring model saved as ``scoring.model``."""
    router = APIRouter(prefix="/scoring", tags=["scoring"])
    try:
        model: CreditScoringModel | None = artifacts.load(MODEL_DATASET, TRAIN_HINT)
        body_type: Any = applicant_schema(model)
    except ArtifactNotFoundError:
        model, body_type = None, dict[str, Any]

    @router.post("/predict", response_model=ScoringResponse)
    def predict(applicant: Annotated[body_type, Body()]) -> ScoringResponse:
        """Score one applicant from raw fields (missing fields count as unknown)."""
        if model is None:
            raise HTTPException(503, f"The scoring model is not trained: {TRAIN_HINT}.")
        [assessment] = model.assess(pd.DataFrame([applicant.model_dump()]), top_k)
        return ScoringResponse(
            **assessment, threshold=model.threshold, model=model.name
        )

    @router.get("/schema")
    def schema() -> dict[str, str]:
        """The raw fields the model accepts and their kind."""
        if model is None:
            raise HTTPException(503, f"The scoring model is not trained: {TRAIN_HINT}.")
        return model.field_kinds

    return router
