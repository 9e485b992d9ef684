"""Whatever a request holds, the real API answers it with a documented status and
valid JSON, and scores only applicants its model can judge."""

from __future__ import annotations

import json
import re
import sys

import pytest
from fastapi.testclient import TestClient

from ia_portfolio.serving import create_app
from ia_portfolio.serving.safety import MAX_BODY_BYTES, MAX_ECHO_CHARS
from ia_portfolio.serving.sentiment import MAX_BATCH_SIZE, MAX_TEXT_CHARS
from tests.serving.test_scoring_api import RISKY, SAFE

pytestmark = pytest.mark.slow

SCORING = "/scoring/predict"
SENTIMENT = "/sentiment/predict"
POST_ROUTES = [SCORING, SENTIMENT]
# A longest echo: the cut text, an ellipsis and "(N characters)".
ECHO_BUDGET = MAX_ECHO_CHARS + 40


@pytest.fixture(scope="module")
def client(trained_project):
    with TestClient(create_app(trained_project)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def applicant_schema(client) -> dict:
    return client.get("/openapi.json").json()["components"]["schemas"]["Applicant"]


def post_bytes(client: TestClient, path: str, content: bytes):
    return client.post(
        path, content=content, headers={"Content-Type": "application/json"}
    )


def error_fields(response) -> list[str]:
    return [error["loc"][-1] for error in response.json()["detail"]]


def test_empty_body_is_refused_naming_every_required_field(client, applicant_schema):
    response = client.post(SCORING, json={})
    assert response.status_code == 422
    assert error_fields(response) == applicant_schema["required"]
    assert set(applicant_schema["required"]) == set(
        client.get("/scoring/schema").json()
    )


def test_an_omitted_income_is_refused_not_scored(client):
    without_income = {k: v for k, v in RISKY.items() if k != "annual_inc"}
    response = client.post(SCORING, json=without_income)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "annual_inc"], "missing")


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [
        ("funded_amnt", 1e12, "maximum"),
        ("funded_amnt", -5, "minimum"),
        ("int_rate", 0.5, "minimum"),
        ("annual_inc", 1e300, "maximum"),
    ],
    ids=["huge-loan", "negative-loan", "rate-below-training", "huge-income"],
)
def test_a_number_outside_the_training_range_is_refused_with_the_range(
    client, applicant_schema, field, value, bound
):
    response = client.post(SCORING, json={**RISKY, field: value})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    limit = applicant_schema["properties"][field][bound]
    assert error["ctx"] == {"ge" if bound == "minimum" else "le": limit}
    assert f"{limit:g}" in error["msg"]


# Inputs of the configured ratios (loan_to_income, installment_balance_to_limit):
# their combination has its own training range, checked below.
RATIO_INPUTS = {
    "funded_amnt",
    "annual_inc",
    "total_bal_il",
    "total_il_high_credit_limit",
}


def test_the_training_range_itself_is_scored(client, applicant_schema):
    properties = applicant_schema["properties"]
    numeric = [
        name
        for name, spec in properties.items()
        if "minimum" in spec and name not in RATIO_INPUTS
    ]
    for bound in ("minimum", "maximum"):
        edge = {**SAFE, **{name: properties[name][bound] for name in numeric}}
        response = client.post(SCORING, json=edge)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"annual_inc": 0}, "annual_inc is 0 and funded_amnt is not"),
        ({"annual_inc": 8000}, "outside the training range"),
    ],
    ids=["zero-income", "loan-four-times-income"],
)
def test_a_ratio_the_model_never_saw_is_refused_naming_it(client, change, reason):
    response = client.post(SCORING, json={**RISKY, **change})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "loan_to_income"]
    assert reason in error["msg"]


def test_an_unknown_category_is_refused_with_the_accepted_values(client):
    response = client.post(SCORING, json={**SAFE, "sub_grade": "Z9"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "sub_grade"]
    assert "'A1'" in error["msg"] and "'G5'" in error["msg"]


@pytest.mark.parametrize("value", [True, "5000", "inf", "Infinity", None], ids=repr)
def test_a_number_must_be_a_json_number(client, value):
    response = client.post(SCORING, json={**SAFE, "funded_amnt": value})
    assert response.status_code == 422
    assert error_fields(response) == ["funded_amnt"]


@pytest.mark.parametrize(
    ("literal", "echoed"),
    [(b"Infinity", "Infinity"), (b"-Infinity", "-Infinity"), (b"1e309", "Infinity")],
)
def test_non_finite_numbers_are_refused_and_echoed_as_text(client, literal, echoed):
    body = json.dumps({**SAFE, "funded_amnt": "X"}).encode().replace(b'"X"', literal)
    response = post_bytes(client, SCORING, body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["input"]) == (["body", "funded_amnt"], echoed)


def test_a_ratio_overflowing_a_float_is_refused_not_a_server_error(client):
    """Accepted inputs whose quotient overflows a float: an infinite ratio the model
    never saw, refused with 422 naming it rather than a 500."""
    applicant = {**RISKY, "total_bal_il": 585583, "total_il_high_credit_limit": 1e-320}
    response = client.post(SCORING, json=applicant)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "installment_balance_to_limit"]


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize(
    ("body", "echoed"),
    [
        (b'{"unknown": NaN}', "NaN"),
        (b'{"unknown": Infinity}', "Infinity"),
        (b'{"unknown": "\\ud800"}', "\\ud800"),
        (b'{"unknown": ["\\udfff", NaN]}', ["\\udfff", "NaN"]),
    ],
    ids=["nan", "infinity", "lone-surrogate", "nested"],
)
def test_a_refused_body_is_echoed_as_valid_json(client, path, body, echoed):
    response = post_bytes(client, path, body)
    assert response.status_code == 422
    response.content.decode("utf-8")  # strict UTF-8: no lone surrogate
    unknown = [e for e in response.json()["detail"] if e["loc"] == ["body", "unknown"]]
    assert [e["input"] for e in unknown] == [echoed]


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_lone_surrogate_in_a_field_name_is_echoed_safely(client, path):
    response = post_bytes(client, path, b'{"\\ud800": 1}')
    assert response.status_code == 422
    response.content.decode("utf-8")
    assert "\\ud800" in [e["input"] for e in response.json()["detail"]]


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_100_mb_body_is_refused_with_the_limit(client, path):
    response = post_bytes(client, path, b'{"text": "' + b"a" * 100_000_000 + b'"}')
    assert response.status_code == 413
    assert f"{MAX_BODY_BYTES:,} bytes" in response.json()["detail"]


def test_a_streamed_body_is_cut_at_the_limit(client):
    """Without a Content-Length, the bytes received are counted."""
    chunk = b"a" * 65536

    def body():
        yield b'{"text": "'
        for _ in range(MAX_BODY_BYTES // len(chunk) + 1):
            yield chunk
        yield b'"}'

    response = client.post(
        SENTIMENT, content=body(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert f"{MAX_BODY_BYTES:,} bytes" in response.json()["detail"]


def test_a_long_text_is_not_echoed_whole(client):
    text = "a" * (MAX_BODY_BYTES - 100)
    response = client.post(SENTIMENT, json={"text": text})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert f"at most {MAX_TEXT_CHARS} characters" in error["msg"]
    assert error["input"].startswith("a" * MAX_ECHO_CHARS)
    assert f"({len(text):,} characters)" in error["input"]
    assert len(response.content) < 2 * ECHO_BUDGET + 200


def test_a_long_field_name_and_a_long_batch_are_not_echoed_whole(client):
    response = client.post(
        SENTIMENT, json={"x" * 50_000: 1, "texts": ["a"] * (MAX_BATCH_SIZE + 1)}
    )
    assert response.status_code == 422
    for error in response.json()["detail"]:
        assert all(len(str(part)) <= ECHO_BUDGET for part in error["loc"])
        assert len(str(error["input"])) <= ECHO_BUDGET


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"text": "caf\xe9"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"text": ' + b"9" * 5000 + b"}", "too many digits"),
    ],
    ids=["latin-1", "deep-nesting", "long-integer"],
)
def test_an_unreadable_body_gets_400_with_the_reason(client, path, body, reason):
    response = post_bytes(client, path, body)
    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_malformed_json_gets_422_with_the_position(client):
    response = post_bytes(client, SENTIMENT, b'{"text": ')
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == ("json_invalid", ["body", 9])


def test_openapi_documents_the_applicant_constraints(applicant_schema):
    assert applicant_schema["additionalProperties"] is False
    income = applicant_schema["properties"]["annual_inc"]
    assert income["type"] == "number"
    assert {"minimum", "maximum"} <= set(income)
    assert "range of the training split" in income["description"]
    assert "cannot be judged and gets 422" in income["description"]
    assert "A1" in applicant_schema["properties"]["sub_grade"]["enum"]


def test_openapi_documents_the_sentiment_request(client):
    document = client.get("/openapi.json").json()
    request = document["components"]["schemas"]["SentimentRequest"]
    assert [branch["required"] for branch in request["oneOf"]] == [["text"], ["texts"]]
    [text, _] = request["properties"]["text"]["anyOf"]
    [batch, _] = request["properties"]["texts"]["anyOf"]
    assert batch["items"] == text
    assert (text["minLength"], text["maxLength"]) == (1, MAX_TEXT_CHARS)
    assert (batch["minItems"], batch["maxItems"]) == (1, MAX_BATCH_SIZE)
    # The pattern holds exactly for the texts the API does not call blank.
    pattern = re.compile(text["pattern"])
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        assert (pattern.search(character) is None) == (not character.strip()), code


@pytest.mark.parametrize("path", POST_ROUTES)
def test_openapi_documents_the_answers_to_unreadable_bodies(client, path):
    document = client.get("/openapi.json").json()
    responses = document["paths"][path]["post"]["responses"]
    assert {"400", "413", "422"} <= set(responses)
    assert f"{MAX_BODY_BYTES:,} bytes" in responses["413"]["description"]
    error_message = {"$ref": "#/components/schemas/ErrorMessage"}
    assert responses["400"]["content"]["application/json"]["schema"] == error_message
    assert document["components"]["schemas"]["ErrorMessage"]["required"] == ["detail"]
