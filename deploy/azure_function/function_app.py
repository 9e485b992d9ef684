"""Azure Functions (Python v2 programming model): the five items for a reader,
from the recommender the ``recommendation`` pipeline promoted.

Routes (under the Functions host's ``/api`` prefix):

- ``GET /api/recommendations/{user_id}?k=5``: a reader by id; an unknown reader
  gets the recent popularity list (``source: "popularity_fallback"``);
- ``POST /api/recommendations`` with ``{"item_ids": [...], "k": 5}``: an
  anonymous reader from the items they just read.

Both answer ``{"item_ids": [...], "source": ..., ...}``; a bad ``k`` or id is
422 with the reason, a missing model 503. The model is the MLflow pyfunc at
``$RECOMMENDATION_MODEL_URI``: the registry alias (``models:/
ia_portfolio_recommendation@champion``, with ``$MLFLOW_TRACKING_URI`` pointing at
the registry) or a model directory shipped with the function (see
docs/recommendation.md). It is loaded once per worker, on the first request.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from typing import Any

import azure.functions as func

MODEL_URI_ENV = "RECOMMENDATION_MODEL_URI"
DEFAULT_MODEL_URI = "models:/ia_portfolio_recommendation@champion"
DEFAULT_K, MAX_K, MAX_ITEMS_READ, MAX_ID = 5, 50, 100, 2**63 - 1

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
logger = logging.getLogger(__name__)


class BadRequestError(ValueError):
    """A request the function refuses, with the reason."""


@functools.cache
def served_model() -> Any:
    """The promoted ``RecommendationModel`` (loaded on first use)."""
    import mlflow.pyfunc  # noqa: PLC0415 - keeps cold starts of other functions fast

    uri = os.environ.get(MODEL_URI_ENV, DEFAULT_MODEL_URI)
    logger.info("Loading the recommender from %s.", uri)
    return mlflow.pyfunc.load_model(uri).unwrap_python_model()


def _json(body: dict[str, Any], status_code: int = 200) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body), status_code=status_code, mimetype="application/json"
    )


def _identifier(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(f"{name} must be an integer, got {value!r}")
    if not 0 <= value <= MAX_ID:
        raise BadRequestError(f"{name} must be between 0 and {MAX_ID}, got {value}")
    return value


def _k(value: Any) -> int:
    if isinstance(value, str):
        value = int(value) if value.strip().isdigit() else value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_K:
        raise BadRequestError(f"k must be an integer from 1 to {MAX_K}, got {value!r}")
    return value


def _answer(user_id: int | None, item_ids: list[int], k: int) -> func.HttpResponse:
    try:
        model = served_model()
    except Exception as error:  # noqa: BLE001 - any load failure means no model
        served_model.cache_clear()
        logger.exception("No recommender can be loaded.")
        return _json({"detail": f"No recommender is available: {error}"}, 503)
    answer = model.recommend(user_id, item_ids, k)
    return _json(
        {
            "user_id": user_id,
            "item_ids": answer.item_ids,
            "titles": answer.titles,
            "source": answer.source,
            "known_user": answer.known_user,
            "unknown_item_ids": answer.unknown_item_ids,
        }
    )


@app.route(route="recommendations/{user_id}", methods=["GET"])
def recommend_for_user(req: func.HttpRequest) -> func.HttpResponse:
    """``k`` items for the reader ``user_id``."""
    try:
        raw_id = req.route_params.get("user_id", "")
        user_id = _identifier(int(raw_id) if raw_id.isdigit() else raw_id, "user_id")
        k = _k(req.params.get("k", DEFAULT_K))
    except BadRequestError as error:
        return _json({"detail": str(error)}, 422)
    return _answer(user_id, [], k)


@app.route(route="recommendations", methods=["POST"])
def recommend_from_items(req: func.HttpRequest) -> func.HttpResponse:
    """``k`` items for an anonymous reader from the items they just read."""
    try:
        try:
            body = req.get_json()
        except ValueError as error:
            raise BadRequestError("the body must be JSON") from error
        if not isinstance(body, dict) or set(body) - {"item_ids", "k"}:
            raise BadRequestError('the body must be {"item_ids": [...], "k": 5}')
        item_ids = body.get("item_ids", [])
        if not isinstance(item_ids, list) or len(item_ids) > MAX_ITEMS_READ:
            raise BadRequestError(
                f"item_ids must be a list of at most {MAX_ITEMS_READ}"
            )
        ids = [_identifier(item, "item_ids[]") for item in item_ids]
        k = _k(body.get("k", DEFAULT_K))
    except BadRequestError as error:
        return _json({"detail": str(error)}, 422)
    return _answer(None, ids, k)
