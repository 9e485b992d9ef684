"""``/scoring`` answered by the real FastAPI app on a trained project."""

import httpx
import pytest
from fastapi.testclient import TestClient

from ia_portfolio.serving import create_app
from tests.serving.container import running_api
from tests.support.project import copy_project

pytestmark = pytest.mark.slow

# Every field is required (the training data has no missing value): the fields
# that differ below, the rest at the data's median or most frequent value.
TYPICAL = {
    "addr_state": "CA",
    "verification_status": "Source_Verified",
    "emp_length": "emp_ge_10",
    "delinq_2yrs": 0,
    "acc_now_delinq": 0,
    "open_il_6m": 2,
    "open_il_12m": 0,
    "open_il_24m": 1,
    "total_bal_il": 23650,
    "all_util": 62,
    "inq_last_12m": 2,
    "delinq_amnt": 0,
    "num_il_tl": 7,
    "total_il_high_credit_limit": 34375,
}
RISKY = {
    **TYPICAL,
    "funded_amnt": 35000,
    "term": "term_60",
    "int_rate": 28.5,
    "sub_grade": "G4",
    "annual_inc": 30000,
    "inq_last_6mths": 5,
    "revol_util": 98.0,
    "inq_fi": 10,
}
SAFE = {
    **TYPICAL,
    "funded_amnt": 5000,
    "term": "term_36",
    "int_rate": 5.42,
    "sub_grade": "A1",
    "annual_inc": 150000,
    "inq_last_6mths": 0,
    "revol_util": 5.0,
    "inq_fi": 0,
}


@pytest.fixture(scope="module")
def client(trained_project):
    with TestClient(create_app(trained_project)) as test_client:
        yield test_client


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def test_predict_returns_probability_decision_and_reasons(client):
    response = client.post("/scoring/predict", json=RISKY)
    assert response.status_code == 200
    body = response.json()
    assert 0 <= body["probability_of_default"] <= 1
    expected = (
        "refuse" if body["probability_of_default"] >= body["threshold"] else "grant"
    )
    assert body["decision"] == expected
    assert len(body["reasons"]) == 5
    contributions = [abs(r["contribution"]) for r in body["reasons"]]
    assert contributions == sorted(contributions, reverse=True)


def test_risky_applicant_scores_above_safe_one(client):
    risky = client.post("/scoring/predict", json=RISKY).json()
    safe = client.post("/scoring/predict", json=SAFE).json()
    assert risky["probability_of_default"] > 2 * safe["probability_of_default"]
    assert risky["decision"] == "refuse"
    assert safe["decision"] == "grant"


def test_api_matches_the_trained_artifact(client, trained_project):
    import joblib  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    [path] = (trained_project / "data/06_models/scoring/model.pkl").glob("*/model.pkl")
    model = joblib.load(path)
    expected = float(model.predict_proba(pd.DataFrame([RISKY]))[0])
    actual = client.post("/scoring/predict", json=RISKY).json()[
        "probability_of_default"
    ]
    assert actual == pytest.approx(expected)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**SAFE, "annual_inc": "a lot"}, "annual_inc"),
        ({**SAFE, "sub_grade": 3}, "sub_grade"),
        ({**SAFE, "favourite_colour": "blue"}, "favourite_colour"),
    ],
    ids=["text-for-number", "number-for-category", "unknown-field"],
)
def test_bad_payload_gets_422_naming_the_field(client, payload, field):
    response = client.post("/scoring/predict", json=payload)
    assert response.status_code == 422
    assert [field] == [e["loc"][-1] for e in response.json()["detail"]]


def test_non_object_body_gets_422(client):
    assert client.post("/scoring/predict", json=[1, 2]).status_code == 422
    assert client.post("/scoring/predict", content=b"{oops").status_code == 422


def test_try_it_out_fills_in_an_applicant_the_model_judges(client):
    """The OpenAPI request example (what Swagger UI pre-fills) holds every field at a
    typical training value, each field says what it means, and the API answers it."""
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/scoring/predict"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]
    applicant = document["components"]["schemas"]["Applicant"]
    assert set(applicant["required"]) <= set(example)
    assert example["term"] in {"term_36", "term_60"}
    for name, field in applicant["properties"].items():
        assert field["examples"] == [example[name]], name
    assert applicant["properties"]["inq_fi"]["description"].startswith(
        "Personal finance inquiries."
    )
    response = client.post("/scoring/predict", json=example)
    assert response.status_code == 200, response.text
    assert 0 <= response.json()["probability_of_default"] <= 1


def test_schema_lists_the_raw_fields(client):
    fields = client.get("/scoring/schema").json()
    assert fields["annual_inc"] == "numeric"
    assert fields["sub_grade"] == "categorical"
    assert "Class" not in fields


def test_untrained_project_answers_503_with_the_fix(tmp_path):
    project = copy_project(tmp_path / "fresh")
    with TestClient(create_app(project)) as fresh:
        response = fresh.post("/scoring/predict", json=SAFE)
    assert response.status_code == 503
    assert "kedro run --pipeline=scoring" in response.json()["detail"]


def test_container_command_serves_scoring(trained_project, tmp_path):
    with running_api(trained_project, tmp_path / "api.log") as base:
        response = httpx.post(f"{base}/scoring/predict", json=RISKY, timeout=30)
        assert response.status_code == 200
        assert response.json()["decision"] == "refuse"
        assert httpx.post(f"{base}/scoring/predict", json={"x": 1}).status_code == 422
