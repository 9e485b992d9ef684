"""The compiled scorer answers what the sklearn pipeline answers, for every kind of
candidate, on held-out applicants with missing values, sentinel codes and every
category."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.scoring import nodes
from ia_portfolio.pipelines.scoring.compiled import CompiledScorer
from ia_portfolio.pipelines.scoring.model import (
    CreditScoringModel,
    build_pipeline,
    field_constraints_of,
    field_kinds_of,
    ratio_constraints_of,
)
from tests.pipelines.scoring.test_nodes import DATA, synthetic_applications

PARAMS = {
    "dummy": {},
    "logistic_regression": {"C": 0.5},
    "lightgbm": {"n_estimators": 30, "num_leaves": 8, "n_jobs": 1},
}


@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    raw = synthetic_applications(800, seed=3)
    rng = np.random.default_rng(3)
    raw.loc[rng.random(len(raw)) < 0.1, "income"] = np.nan
    raw.loc[rng.random(len(raw)) < 0.1, "grade"] = None
    features, labels = nodes.prepare_applications(raw, DATA)
    x_train, x_test, y_train, _ = nodes.split_train_test(
        features, labels, {"test_size": 0.25}, seed=0
    )
    return x_train, x_test, y_train


def _model(kind: str, x_train: pd.DataFrame, y_train: pd.Series) -> CreditScoringModel:
    pipeline = build_pipeline(kind, PARAMS[kind], DATA, seed=0).fit(x_train, y_train)
    return CreditScoringModel(
        name=kind,
        pipeline=pipeline,
        calibration=(1.1, -0.2),
        threshold=0.3,
        field_kinds=field_kinds_of(x_train),
        background=pipeline[:-1].transform(x_train.sample(50, random_state=0)),
        field_constraints=field_constraints_of(x_train),
        ratio_constraints=ratio_constraints_of(pipeline, x_train),
    )


def _request(row: pd.Series) -> dict:
    """An applicant as the API receives it: JSON values, ``None`` when unknown."""
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in row.items()
    }


@pytest.mark.parametrize("kind", list(PARAMS))
def test_compiled_scorer_matches_the_pipeline(kind, split):
    x_train, x_test, y_train = split
    model = _model(kind, x_train, y_train)
    assert x_test["income"].isna().any() and x_test["grade"].isna().any()
    assert (x_test["days_employed"] == 365243).any()
    compiled = CompiledScorer(model)
    expected = model.assess(x_test, top_k=5)
    for (_, row), wanted in zip(x_test.iterrows(), expected, strict=True):
        got = compiled.assess(_request(row), top_k=5)
        assert got["probability_of_default"] == pytest.approx(
            wanted["probability_of_default"], abs=1e-9
        )
        assert got["decision"] == wanted["decision"]
        assert [r["field"] for r in got["reasons"]] == [
            r["field"] for r in wanted["reasons"]
        ]
        for mine, theirs in zip(got["reasons"], wanted["reasons"], strict=True):
            assert mine["value"] == theirs["value"]
            assert mine["contribution"] == pytest.approx(
                theirs["contribution"], abs=1e-9
            )
            assert mine["effect"] == theirs["effect"]


def test_unknown_fields_and_unseen_categories_do_not_break_it(split):
    x_train, x_test, y_train = split
    model = _model("logistic_regression", x_train, y_train)
    applicant = {**_request(x_test.iloc[0]), "grade": "Z", "unknown": 1}
    [wanted] = model.assess(pd.DataFrame([applicant]).drop(columns="unknown"))
    got = CompiledScorer(model).assess(applicant)
    assert got["probability_of_default"] == pytest.approx(
        wanted["probability_of_default"], abs=1e-9
    )
