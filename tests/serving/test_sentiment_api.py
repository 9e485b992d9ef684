"""``/sentiment`` answered by the API process the container runs, on a project
whose ``sentiment`` pipeline registered its champion model in MLflow."""

from __future__ import annotations

import httpx
import mlflow
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from ia_portfolio.pipelines.sentiment.examples import DOCUMENTATION_EXAMPLES
from ia_portfolio.serving import create_app
from ia_portfolio.serving.app import SENTIMENT_MODEL_URI_ENV
from ia_portfolio.serving.registry import ModelReference
from ia_portfolio.serving.sentiment import MAX_BATCH_SIZE, MAX_TEXT_CHARS
from tests.serving.container import running_api
from tests.support.project import copy_project

pytestmark = pytest.mark.slow

MODEL_NAME, MODEL_ALIAS = "ia_portfolio_sentiment", "champion"
TEXTS = [
    "Thank you for the lovely crew and the smooth flight, best trip ever!",
    "Delayed four hours, lost my luggage and nobody answers. Worst airline.",
    "The flight left at nine.",
]
# The first request loads the model (and its framework) into the server.
FIRST_REQUEST_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def api(trained_sentiment_project, tmp_path_factory):
    log_file = tmp_path_factory.mktemp("sentiment_api") / "api.log"
    with running_api(trained_sentiment_project, log_file) as base:
        yield base


@pytest.fixture(scope="module")
def champion(trained_sentiment_project):
    """The champion version and its model, read straight from the project's
    registry with MLflow's own client."""
    previous_uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{trained_sentiment_project / 'mlflow.db'}")
    try:
        version = MlflowClient().get_model_version_by_alias(MODEL_NAME, MODEL_ALIAS)
        model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{MODEL_ALIAS}")
    finally:
        mlflow.set_tracking_uri(previous_uri)
    return version, model


# A MiniLM champion computes in bfloat16 where the CPU does so natively: the same
# text's probability can differ by about 1e-4 from one process to another.
BFLOAT16_TOLERANCE = 1e-3


def predict(api: str, body: object) -> httpx.Response:
    return httpx.post(
        f"{api}/sentiment/predict", json=body, timeout=FIRST_REQUEST_TIMEOUT_S
    )


def test_one_text_gets_the_registered_models_answer(api, champion):
    version, model = champion
    [expected] = model.predict(pd.DataFrame({"text": TEXTS[:1]})).to_dict("records")
    response = predict(api, {"text": TEXTS[0]})
    assert response.status_code == 200, response.text
    body = response.json()
    [prediction] = body["predictions"]
    assert prediction["index"] == 0
    assert prediction["label"] == expected["label"]
    positive = prediction["probability_positive"]
    assert positive == pytest.approx(
        expected["probability_positive"], abs=BFLOAT16_TOLERANCE
    )
    label_probability = positive if prediction["label"] == "positive" else 1 - positive
    assert prediction["probability"] == pytest.approx(label_probability)
    assert prediction["probability_negative"] == pytest.approx(1 - positive)
    assert prediction["judged"] is True
    assert body["threshold"] == pytest.approx(model.model_config["threshold"])
    assert "graded by panels of people" in body["labels"]
    assert body["model"] == {
        "name": MODEL_NAME,
        "version": str(version.version),
        "alias": MODEL_ALIAS,
        "run_id": version.run_id,
    }


def test_a_batch_is_answered_in_order(api, champion):
    _, model = champion
    expected = model.predict(pd.DataFrame({"text": TEXTS}))
    response = predict(api, {"texts": TEXTS})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["index"] for p in predictions] == list(range(len(TEXTS)))
    assert [p["label"] for p in predictions] == list(expected["label"])
    assert [p["probability_positive"] for p in predictions] == pytest.approx(
        list(expected["probability_positive"]), abs=BFLOAT16_TOLERANCE
    )
    assert {p["label"] for p in predictions} <= {"negative", "positive"}


@pytest.mark.parametrize(
    "text",
    [
        "\U0001f621\U0001f621\U0001f621",
        "Das Essen war kalt, teuer und der Kellner unfreundlich.",
    ],
    ids=["emoji-only", "german"],
)
def test_text_the_model_cannot_judge_is_flagged_not_scored(api, text):
    response = predict(api, {"text": text})
    assert response.status_code == 200, response.text
    [prediction] = response.json()["predictions"]
    assert prediction["judged"] is False
    assert prediction["label"] is None
    assert prediction["probability"] is None
    assert prediction["reason"]


def test_the_limits_themselves_are_accepted(api):
    longest = predict(api, {"text": "good " * (MAX_TEXT_CHARS // 5)})
    assert longest.status_code == 200, longest.text
    largest = predict(api, {"texts": [TEXTS[0]] * MAX_BATCH_SIZE})
    assert largest.status_code == 200, largest.text
    assert len(largest.json()["predictions"]) == MAX_BATCH_SIZE


def test_model_route_names_the_champion_version(api, champion):
    version, _ = champion
    response = httpx.get(f"{api}/sentiment/model", timeout=FIRST_REQUEST_TIMEOUT_S)
    assert response.status_code == 200
    assert response.json()["version"] == str(version.version)
    assert response.json()["run_id"] == version.run_id


@pytest.mark.parametrize(
    ("body", "location", "reason"),
    [
        ({"text": "   "}, ["body", "text"], "whitespace only"),
        ({"text": ""}, ["body", "text"], "empty"),
        ({"texts": ["fine", "\n\t"]}, ["body", "texts", 1], "whitespace only"),
        ({"text": 42}, ["body", "text"], "valid string"),
        ({"texts": ["fine", None]}, ["body", "texts", 1], "valid string"),
        ({"texts": "one text"}, ["body", "texts"], "valid list"),
        ({"texts": []}, ["body", "texts"], "at least 1 item"),
        (
            {"texts": ["fine"] * (MAX_BATCH_SIZE + 1)},
            ["body", "texts"],
            f"at most {MAX_BATCH_SIZE} items",
        ),
        (
            {"text": "x" * (MAX_TEXT_CHARS + 1)},
            ["body", "text"],
            f"at most {MAX_TEXT_CHARS} characters",
        ),
        (
            {"texts": ["fine", "x" * (MAX_TEXT_CHARS + 1)]},
            ["body", "texts", 1],
            f"at most {MAX_TEXT_CHARS} characters",
        ),
        ({}, ["body"], "exactly one of `text`"),
        ({"text": "a", "texts": ["b"]}, ["body"], "exactly one of `text`"),
        ({"tweet": "hello"}, ["body", "tweet"], "not permitted"),
    ],
    ids=[
        "blank-text",
        "empty-text",
        "blank-text-in-batch",
        "number-for-text",
        "null-in-batch",
        "string-for-batch",
        "empty-batch",
        "batch-too-large",
        "text-too-long",
        "text-too-long-in-batch",
        "missing-text",
        "text-and-texts",
        "unknown-field",
    ],
)
def test_bad_request_gets_422_naming_the_field(api, body, location, reason):
    response = predict(api, body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == location
    assert reason in error["msg"]


def test_malformed_json_gets_422(api):
    response = httpx.post(
        f"{api}/sentiment/predict",
        content=b'{"text": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_the_documentation_examples_are_answered_correctly(api, champion):
    """The texts the OpenAPI document shows get the answer a reader expects: the
    pipeline only chooses models that answer them correctly."""
    operation = httpx.get(f"{api}/openapi.json").json()["paths"]["/sentiment/predict"][
        "post"
    ]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    shown = [e["value"] for e in examples.values()]
    texts = [t for body in shown for t in body.get("texts", [body.get("text")])]
    assert texts == list(DOCUMENTATION_EXAMPLES)
    expected = [
        "positive" if y else "negative" for y in DOCUMENTATION_EXAMPLES.values()
    ]
    answered = []
    for body in shown:
        response = predict(api, body)
        assert response.status_code == 200, response.text
        answered += [p["label"] for p in response.json()["predictions"]]
    assert answered == expected
    _, model = champion
    assert model.predict(pd.DataFrame({"text": texts}))["label"].tolist() == expected


def test_openapi_documents_the_limits_and_examples(api):
    operation = httpx.get(f"{api}/openapi.json").json()["paths"]["/sentiment/predict"][
        "post"
    ]
    assert f"at most {MAX_TEXT_CHARS:,} characters" in operation["description"]
    assert f"1 to {MAX_BATCH_SIZE} texts" in operation["description"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert {"text"} in [set(e["value"]) for e in examples.values()]
    assert {"texts"} in [set(e["value"]) for e in examples.values()]


def test_untrained_project_answers_503_with_the_fix(tmp_path):
    project = copy_project(tmp_path / "untrained")
    with running_api(project, tmp_path / "api.log") as base:
        assert httpx.get(f"{base}/health").status_code == 200
        response = httpx.post(f"{base}/sentiment/predict", json={"text": TEXTS[0]})
        model = httpx.get(f"{base}/sentiment/model")
    assert response.status_code == 503
    assert "kedro run --pipeline=sentiment" in response.json()["detail"]
    assert model.status_code == 503


def test_model_uri_setting_pins_a_version(
    trained_sentiment_project, champion, monkeypatch
):
    version, _ = champion
    pinned = f"models:/{MODEL_NAME}/{version.version}"
    monkeypatch.setenv(SENTIMENT_MODEL_URI_ENV, pinned)
    with TestClient(create_app(trained_sentiment_project)) as client:
        assert client.get("/sentiment/model").json() == {
            "name": MODEL_NAME,
            "version": str(version.version),
            "alias": None,
            "run_id": version.run_id,
        }
    missing = f"models:/{MODEL_NAME}/999"
    monkeypatch.setenv(SENTIMENT_MODEL_URI_ENV, missing)
    with TestClient(create_app(trained_sentiment_project)) as client:
        response = client.post("/sentiment/predict", json={"text": TEXTS[0]})
    assert response.status_code == 503
    assert missing in response.json()["detail"]


def test_model_uri_setting_must_name_a_registry_model():
    with pytest.raises(ValueError, match="models:/<name>@<alias>"):
        ModelReference.from_uri("runs:/0123/model")
