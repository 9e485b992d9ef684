"""``/recommendation``: ``k`` items for a reader, by reader id or from the items an
anonymous reader just read, answered by the model the ``recommendation``
pipeline promoted in the project's MLflow registry.

Rules:
- an unknown reader id gets the popularity list of the last days, marked
  ``source: "popularity_fallback"`` and ``known_user: false`` (an app would
  rather show something); ``?fallback=false`` turns that into 404 with the reason;
- item ids outside the catalogue are ignored and listed in ``unknown_item_ids``;
  when none of the items read is known, the popularity list answers;
- ``k`` is 1 to 50, ids are integers from 0 to 2^63 - 1, at most 100 items read;
  anything else is 422 naming the field; 503 while no model is promoted.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ia_portfolio.pipelines.recommendation.serving_model import (
    FALLBACK,
    Recommendation,
    RecommendationModel,
)
from ia_portfolio.serving.catalog import ProjectModels
from ia_portfolio.serving.registry import ModelInfo, ModelNotAvailableError

logger = logging.getLogger(__name__)

MODEL_DATASET = "recommendation.registered_model"
TRAIN_COMMAND = "kedro run --pipeline=recommendation"
DEFAULT_K, MAX_K = 5, 50
MAX_ITEMS_READ = 100
# The largest integer a JSON number carries exactly (clients parsing JSON numbers as
# doubles, and schema validators, cannot tell larger ids apart).
MAX_ID = 2**53 - 1

ItemId = Annotated[int, Field(ge=0, le=MAX_ID)]
K = Annotated[int, Field(ge=1, le=MAX_K, description=f"Items to return, 1 to {MAX_K}")]
UNAVAILABLE = {503: {"description": f"No model promoted yet: run `{TRAIN_COMMAND}`"}}


class RecommendRequest(BaseModel):
    """Items an anonymous reader just read."""

    model_config = ConfigDict(extra="forbid")

    item_ids: list[ItemId] = Field(
        max_length=MAX_ITEMS_READ,
        description=f"Ids of the items just read, most recent last (0 to "
        f"{MAX_ITEMS_READ}); unknown ids are ignored and reported",
    )
    k: K = DEFAULT_K


class RecommendedItem(BaseModel):
    rank: int = Field(description="1 for the best")
    item_id: int
    title: str
    category: str


class RecommendationResponse(BaseModel):
    user_id: int | None = Field(description="The reader asked about, if any")
    known_user: bool = Field(description="Whether the model knows the reader's clicks")
    source: str = Field(
        description=f"The model that chose the items (e.g. `hybrid`), or "
        f"`{FALLBACK}` when nothing known about the reader could be used"
    )
    items: list[RecommendedItem]
    unknown_item_ids: list[int] = Field(
        description="Ids of the request outside the catalogue (ignored)"
    )
    model: ModelInfo


def _response(
    answer: Recommendation, user_id: int | None, info: ModelInfo
) -> RecommendationResponse:
    items = [
        RecommendedItem(rank=rank, item_id=item, title=title, category=category)
        for rank, (item, title, category) in enumerate(
            zip(answer.item_ids, answer.titles, answer.categories, strict=True),
            start=1,
        )
    ]
    return RecommendationResponse(
        user_id=user_id,
        known_user=answer.known_user,
        source=answer.source,
        items=items,
        unknown_item_ids=answer.unknown_item_ids,
        model=info,
    )


REQUEST_EXAMPLES: dict[str, Any] = {
    "items read": {
        "summary": "An anonymous reader who just read two items",
        "value": {"item_ids": [50, 181], "k": 5},
    },
}


def recommendation_router(models: ProjectModels) -> APIRouter:
    """Routes for the served recommender: the one ``recommendation.registered_model``
    promotes (``ia_portfolio_recommendation@champion`` by default)."""
    registered = models.champion(
        models.reference(MODEL_DATASET),
        TRAIN_COMMAND,
        prepare=lambda model: model.unwrap_python_model(),
    )
    router = APIRouter(prefix="/recommendation", tags=["recommendation"])

    def available() -> tuple[RecommendationModel, ModelInfo]:
        try:
            return registered.get()
        except ModelNotAvailableError as error:
            raise HTTPException(503, str(error)) from error

    @router.get(
        "/users/{user_id}",
        response_model=RecommendationResponse,
        responses={
            **UNAVAILABLE,
            404: {"description": "Unknown reader, when `fallback=false`"},
        },
        description=(
            "The `k` items the served model recommends to a reader, from their "
            "click history (items already clicked are left out). An unknown "
            f'reader gets the recent popularity list with `source: "{FALLBACK}"`'
            ", or 404 when `fallback=false`."
        ),
    )
    def recommend_for_user(
        user_id: Annotated[int, Path(ge=0, le=MAX_ID, description="Reader id")],
        k: Annotated[
            int, Query(ge=1, le=MAX_K, description=f"Items to return, 1 to {MAX_K}")
        ] = DEFAULT_K,
        fallback: Annotated[
            bool, Query(description="Answer an unknown reader with popularity")
        ] = True,
    ) -> RecommendationResponse:
        model, info = available()
        if not fallback and not model.knows_user(user_id):
            raise HTTPException(
                404,
                f"Reader {user_id} has no click the served model was trained on; "
                "ask with fallback=true for the popularity list.",
            )
        return _response(model.recommend(user_id, [], k), user_id, info)

    @router.post(
        "/recommend",
        response_model=RecommendationResponse,
        responses=UNAVAILABLE,
        description=(
            "The `k` items the served model recommends to an anonymous reader "
            "from the items they just read (left out of the answer). Unknown ids "
            "are ignored and listed in `unknown_item_ids`; with no known item, "
            f'the recent popularity list answers (`source: "{FALLBACK}"`).'
        ),
    )
    def recommend_from_items(
        request: Annotated[RecommendRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
    ) -> RecommendationResponse:
        model, info = available()
        return _response(model.recommend(None, request.item_ids, request.k), None, info)

    @router.get("/model", response_model=ModelInfo, responses=UNAVAILABLE)
    def model() -> ModelInfo:
        """The registered model version that answers (loads it if needed)."""
        return available()[1]

    return router
