"""What the scoring model learns of each raw field from its training split, and the
request body the API builds from it."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from ia_portfolio.pipelines.scoring import nodes
from ia_portfolio.pipelines.scoring.model import (
    CATEGORICAL,
    NUMERIC,
    DerivedFeatures,
    FieldConstraint,
    field_constraints_of,
)
from ia_portfolio.serving.scoring import applicant_schema
from tests.pipelines.scoring.test_nodes import DATA, synthetic_applications

TRAINING = pd.DataFrame(
    {
        "amount": [1000.0, 2500.0, 40000.0, 7000.0],
        "income": [12000.0, np.nan, 90000.0, 30000.0],
        "grade": ["B", "A", "C", "A"],
        "purpose": ["car", None, "house", "car"],
    }
)


@pytest.fixture(scope="module")
def model():
    """The dummy candidate refitted on a small synthetic training split."""
    features, labels = nodes.prepare_applications(synthetic_applications(300), DATA)
    dummy = {
        "kind": "dummy",
        "params": {},
        "calibration": (1.0, 0.0),
        "metrics": {"threshold": 0.2},
    }
    return nodes.refit_model(features, labels, "dummy", DATA, 0, 20, dummy=dummy)


@pytest.fixture(scope="module")
def applicant(model):
    return applicant_schema(model)


def valid_body(model) -> dict:
    """The middle of every training range and the first of every category."""
    body = {}
    for name, constraint in model.field_constraints.items():
        if constraint.kind == NUMERIC:
            body[name] = (constraint.minimum + constraint.maximum) / 2
        else:
            body[name] = constraint.categories[0]
    return body


def test_constraints_record_range_categories_and_missing_values():
    constraints = field_constraints_of(TRAINING, {"amount": "Loan amount ($)"})
    assert constraints == {
        "amount": FieldConstraint(
            NUMERIC,
            False,
            1000.0,
            40000.0,
            description="Loan amount ($)",
            typical=7000.0,
        ),
        "income": FieldConstraint(NUMERIC, True, 12000.0, 90000.0, typical=30000.0),
        "grade": FieldConstraint(
            CATEGORICAL, False, categories=("A", "B", "C"), typical="A"
        ),
        "purpose": FieldConstraint(
            CATEGORICAL, True, categories=("car", "house"), typical="car"
        ),
    }


def test_the_typical_value_is_one_training_had():
    """An even count has no middle value: the example is still a real one."""
    training = pd.DataFrame({"count": [0.0, 1.0, 2.0, 3.0]})
    [constraint] = field_constraints_of(training).values()
    assert constraint.typical in {1.0, 2.0}


def test_the_schema_describes_each_field_with_an_example():
    model = SimpleNamespace(
        field_constraints=field_constraints_of(TRAINING, {"amount": "Loan amount ($)"})
    )
    properties = applicant_schema(model).model_json_schema()["properties"]
    assert properties["amount"]["description"].startswith("Loan amount ($). A number")
    assert properties["amount"]["examples"] == [7000.0]
    assert properties["grade"]["examples"] == ["A"]


def test_constraints_ignore_non_finite_training_values():
    training = pd.DataFrame({"ratio": [np.inf, 0.5, -np.inf, 2.0]})
    [constraint] = field_constraints_of(training).values()
    assert (constraint.minimum, constraint.maximum) == (0.5, 2.0)


def test_refit_model_learns_the_constraints_of_its_training_split(model):
    features, _ = nodes.prepare_applications(synthetic_applications(300), DATA)
    assert model.field_constraints == field_constraints_of(features)
    income = model.field_constraints["income"]
    assert income.minimum == features["income"].min() > 0
    assert not income.missing_seen
    assert model.field_constraints["grade"].categories == ("A", "B", "C")


def test_a_ratio_that_overflows_is_missing_not_infinite():
    raw = pd.DataFrame({"amount": [5000.0, 5000.0, 5000.0], "income": [1e-320, 0, 2]})
    derived = DerivedFeatures(DATA["ratios"]).fit(raw).transform(raw)
    assert derived["loan_to_income"].isna().tolist() == [True, True, False]
    assert derived["loan_to_income"].iloc[2] == 2500.0


def test_the_request_body_accepts_what_training_saw(model, applicant):
    body = valid_body(model)
    assert applicant.model_validate(body).model_dump() == body


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        ({"income": None}, "float_type"),
        ({"income": 0}, "greater_than_equal"),
        ({"amount": 1e12}, "less_than_equal"),
        ({"amount": -5}, "greater_than_equal"),
        ({"amount": True}, "float_type"),
        ({"amount": "1000"}, "float_type"),
        ({"amount": "inf"}, "float_type"),
        ({"amount": float("inf")}, "finite_number"),
        ({"amount": float("nan")}, "finite_number"),
        ({"grade": "Z"}, "literal_error"),
        ({"grade": 1}, "literal_error"),
    ],
    ids=[
        "null-required",
        "zero-income",
        "above-max",
        "negative",
        "boolean",
        "numeric-string",
        "inf-string",
        "infinity",
        "nan",
        "unknown-category",
        "number-for-category",
    ],
)
def test_the_request_body_refuses_what_training_never_saw(
    model, applicant, change, error_type
):
    with pytest.raises(ValidationError) as raised:
        applicant.model_validate({**valid_body(model), **change})
    [error] = raised.value.errors()
    assert error["loc"] == (next(iter(change)),)
    assert error["type"] == error_type


def test_fields_training_always_had_are_required(model, applicant):
    with pytest.raises(ValidationError) as raised:
        applicant.model_validate({})
    missing = {e["loc"][0] for e in raised.value.errors() if e["type"] == "missing"}
    assert missing == set(model.field_constraints)


def test_optional_only_where_training_had_missing_values():
    model = SimpleNamespace(field_constraints=field_constraints_of(TRAINING))
    schema = applicant_schema(model).model_json_schema()
    assert set(schema["required"]) == {"amount", "grade"}
    body = applicant_schema(model).model_validate({"amount": 1000, "grade": "A"})
    assert body.income is None and body.purpose is None


def test_schema_states_range_categories_and_rule(model, applicant):
    schema = applicant.model_json_schema()
    income = schema["properties"]["income"]
    constraint = model.field_constraints["income"]
    assert (income["minimum"], income["maximum"]) == (
        constraint.minimum,
        constraint.maximum,
    )
    assert "range of the training split" in income["description"]
    assert "cannot be judged and gets 422" in income["description"]
    assert schema["properties"]["grade"]["enum"] == ["A", "B", "C"]
    assert schema["additionalProperties"] is False
