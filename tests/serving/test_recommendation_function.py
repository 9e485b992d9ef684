"""The Azure Functions handler (deploy/azure_function/function_app.py) called in
process with the ``azure-functions`` package's request objects, on the model
a project's ``recommendation`` pipeline promoted."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import azure.functions as func
import pytest

from ia_portfolio.pipelines.recommendation.serving_model import FALLBACK
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

FUNCTION_APP = PROJECT_ROOT / "deploy" / "azure_function" / "function_app.py"


@pytest.fixture(scope="module")
def function_app(trained_recommendation_project) -> ModuleType:
    spec = importlib.util.spec_from_file_location("function_app", FUNCTION_APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "MLFLOW_TRACKING_URI",
            f"sqlite:///{trained_recommendation_project / 'mlflow.db'}",
        )
        patch.setenv(module.MODEL_URI_ENV, module.DEFAULT_MODEL_URI)
        module.served_model.cache_clear()
        module.served_model()  # loaded while the environment points at the copy
        yield module
    module.served_model.cache_clear()


def handler(function_app: ModuleType, name: str):
    """The user function behind the route ``name``, as the host would call it."""
    return getattr(function_app, name).build().get_user_function()


def get(function_app, user_id: str, **params: str) -> func.HttpResponse:
    request = func.HttpRequest(
        "GET",
        f"/api/recommendations/{user_id}",
        body=b"",
        params=params,
        route_params={"user_id": user_id},
    )
    return handler(function_app, "recommend_for_user")(request)


def post(function_app, body: bytes) -> func.HttpResponse:
    request = func.HttpRequest("POST", "/api/recommendations", body=body)
    return handler(function_app, "recommend_from_items")(request)


def test_a_known_reader_gets_the_same_five_items_as_the_model(function_app):
    response = get(function_app, "1")
    assert response.status_code == 200
    body = json.loads(response.get_body())
    expected = function_app.served_model().recommend(1, [], 5)
    assert body["item_ids"] == expected.item_ids and len(body["item_ids"]) == 5
    assert body["known_user"] and body["source"] == expected.source


def test_an_unknown_reader_gets_the_popularity_fallback(function_app):
    body = json.loads(get(function_app, "999999999", k="3").get_body())
    assert body["source"] == FALLBACK and len(body["item_ids"]) == 3


def test_an_anonymous_reader_from_items_just_read(function_app):
    response = post(function_app, json.dumps({"item_ids": [50, 10**12]}).encode())
    assert response.status_code == 200
    body = json.loads(response.get_body())
    assert len(body["item_ids"]) == 5 and 50 not in body["item_ids"]
    assert body["unknown_item_ids"] == [10**12]


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda app: get(app, "1", k="0"), "k must be"),
        (lambda app: get(app, "1", k="51"), "k must be"),
        (lambda app: get(app, "-4"), "user_id must be"),
        (lambda app: post(app, b"not json"), "must be JSON"),
        (lambda app: post(app, b'{"item_ids": ["a"]}'), "item_ids[] must be"),
        (lambda app: post(app, b'{"item_ids": [], "x": 1}'), "the body must be"),
    ],
)
def test_bad_requests_get_422_with_the_reason(function_app, call, reason):
    response = call(function_app)
    assert response.status_code == 422
    assert reason in json.loads(response.get_body())["detail"]
