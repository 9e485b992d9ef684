"""``/recommendation`` answered by the real app (in process) on a project whose
``recommendation`` pipeline promoted its champion in MLflow."""

from __future__ import annotations

import mlflow
import pytest
from fastapi.testclient import TestClient

from ia_portfolio.pipelines.recommendation.serving_model import FALLBACK
from ia_portfolio.serving import create_app
from ia_portfolio.serving.recommendation import MAX_ITEMS_READ, MAX_K
from tests.support.project import champion_version

pytestmark = pytest.mark.slow

MODEL_NAME = "ia_portfolio_recommendation"
KNOWN_USER, UNKNOWN_USER = 1, 10**9
STAR_WARS, CONTACT, UNKNOWN_ITEM = 50, 258, 10**9


@pytest.fixture(scope="module")
def client(trained_recommendation_project):
    with TestClient(create_app(trained_recommendation_project)) as client:
        yield client


@pytest.fixture(scope="module")
def champion(trained_recommendation_project):
    """The promoted model, read straight from the registry with MLflow."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{trained_recommendation_project / 'mlflow.db'}")
    try:
        model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    finally:
        mlflow.set_tracking_uri(previous)
    version = champion_version(trained_recommendation_project, MODEL_NAME)
    return version, model.unwrap_python_model()


def test_a_known_reader_gets_the_champions_five_items(client, champion):
    version, model = champion
    response = client.get(f"/recommendation/users/{KNOWN_USER}")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = model.recommend(KNOWN_USER, [], 5)
    assert [item["item_id"] for item in body["items"]] == expected.item_ids
    assert [item["rank"] for item in body["items"]] == [1, 2, 3, 4, 5]
    assert all(item["title"] for item in body["items"])
    assert body["source"] == version.tags["candidate"] and body["known_user"]
    assert body["model"]["version"] == str(version.version)


def test_an_unknown_reader_gets_popularity_or_404_on_request(client):
    response = client.get(f"/recommendation/users/{UNKNOWN_USER}?k=3")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["known_user"]) == (FALLBACK, False)
    assert len(body["items"]) == 3
    refused = client.get(f"/recommendation/users/{UNKNOWN_USER}?fallback=false")
    assert refused.status_code == 404
    assert "no click" in refused.json()["detail"]


def test_an_anonymous_reader_gets_items_like_those_just_read(client, champion):
    version, _ = champion
    response = client.post(
        "/recommendation/recommend",
        json={"item_ids": [STAR_WARS, CONTACT, UNKNOWN_ITEM], "k": 5},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [item["item_id"] for item in body["items"]]
    assert len(ids) == 5 and not {STAR_WARS, CONTACT} & set(ids)
    assert body["unknown_item_ids"] == [UNKNOWN_ITEM]
    assert body["source"] == version.tags["candidate"]
    nothing_known = client.post("/recommendation/recommend", json={"item_ids": [7**18]})
    assert nothing_known.json()["source"] == FALLBACK


@pytest.mark.parametrize(
    ("method", "url", "body", "location"),
    [
        ("GET", f"/recommendation/users/1?k={MAX_K + 1}", None, ["query", "k"]),
        ("GET", "/recommendation/users/1?k=0", None, ["query", "k"]),
        ("GET", "/recommendation/users/-3", None, ["path", "user_id"]),
        ("GET", "/recommendation/users/abc", None, ["path", "user_id"]),
        (
            "POST",
            "/recommendation/recommend",
            {"item_ids": [-1]},
            ["body", "item_ids", 0],
        ),
        (
            "POST",
            "/recommendation/recommend",
            {"item_ids": [1], "k": 51},
            ["body", "k"],
        ),
        ("POST", "/recommendation/recommend", {"item_ids": "1"}, ["body", "item_ids"]),
        (
            "POST",
            "/recommendation/recommend",
            {"item_ids": [1] * (MAX_ITEMS_READ + 1)},
            ["body", "item_ids"],
        ),
        ("POST", "/recommendation/recommend", {"item_ids": [1], "x": 1}, ["body", "x"]),
    ],
)
def test_bad_requests_get_422_naming_the_field(client, method, url, body, location):
    response = client.request(method, url, json=body)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [location]


def test_the_limits_are_in_the_openapi_document(client):
    document = client.get("/openapi.json").json()
    route = document["paths"]["/recommendation/users/{user_id}"]["get"]
    k = next(p for p in route["parameters"] if p["name"] == "k")
    assert (k["schema"]["minimum"], k["schema"]["maximum"]) == (1, MAX_K)
    assert "404" in route["responses"] and FALLBACK in route["description"]
    assert "/recommendation/recommend" in document["paths"]
