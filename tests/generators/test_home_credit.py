"""Tests of the synthetic Home Credit application generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from ia_portfolio.generators.home_credit import (
    COLUMNS,
    DAYS_EMPLOYED_SENTINEL,
    INTEGER_COLUMNS,
    STRING_COLUMNS,
    generate_applications,
)

# A few anchors of the original column list, position by position.
_ANCHORS = {
    0: "SK_ID_CURR",
    1: "TARGET",
    2: "NAME_CONTRACT_TYPE",
    21: "OWN_CAR_AGE",
    22: "FLAG_MOBIL",
    40: "ORGANIZATION_TYPE",
    44: "APARTMENTS_AVG",
    58: "APARTMENTS_MODE",
    72: "APARTMENTS_MEDI",
    86: "FONDKAPREMONT_MODE",
    95: "DAYS_LAST_PHONE_CHANGE",
    96: "FLAG_DOCUMENT_2",
    115: "FLAG_DOCUMENT_21",
    121: "AMT_REQ_CREDIT_BUREAU_YEAR",
}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """2,000 rows, seed 0."""
    return generate_applications(2000, seed=0)


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    """50,000 rows, seed 0, for share checks."""
    return generate_applications(50_000, seed=0)


def test_shape_and_column_order(small: pd.DataFrame) -> None:
    assert small.shape == (2000, 122)
    assert list(small.columns) == list(COLUMNS)
    assert len(set(COLUMNS)) == 122
    for position, name in _ANCHORS.items():
        assert COLUMNS[position] == name


def test_dtypes(small: pd.DataFrame) -> None:
    strings = [
        name for name in small.columns if pd.api.types.is_string_dtype(small[name])
    ]
    assert sorted(strings) == sorted(STRING_COLUMNS)
    assert len(strings) == 16
    assert all(small[name].dtype.kind == "O" for name in STRING_COLUMNS)
    integers = small.select_dtypes("int64").columns
    assert sorted(integers) == sorted(INTEGER_COLUMNS)
    assert len(integers) == 41
    assert not small[list(INTEGER_COLUMNS)].isna().any().any()
    assert (small.select_dtypes("float64").shape[1]) == 65


def test_ids_are_unique_and_ascending(small: pd.DataFrame) -> None:
    ids = small["SK_ID_CURR"]
    assert ids.iloc[0] == 100002
    assert ids.is_unique
    assert ids.is_monotonic_increasing


def test_categories_look_like_the_original(large: pd.DataFrame) -> None:
    assert set(large["NAME_CONTRACT_TYPE"]) == {"Cash loans", "Revolving loans"}
    assert set(large["CODE_GENDER"]) <= {"F", "M", "XNA"}
    assert large["CODE_GENDER"].eq("F").mean() == pytest.approx(0.658, abs=0.01)
    assert large["ORGANIZATION_TYPE"].nunique() > 50
    assert large["OCCUPATION_TYPE"].isna().mean() == pytest.approx(0.3135, abs=0.01)


def test_sentinel_matches_income_type(large: pd.DataFrame) -> None:
    sentinel = large["DAYS_EMPLOYED"].eq(DAYS_EMPLOYED_SENTINEL)
    assert sentinel.mean() == pytest.approx(0.18, abs=0.01)
    no_job = large["NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"])
    assert (sentinel == no_job).all()
    assert (large.loc[sentinel, "ORGANIZATION_TYPE"] == "XNA").all()
    assert (large.loc[~sentinel, "DAYS_EMPLOYED"] <= 0).all()


def test_ranges(large: pd.DataFrame) -> None:
    assert large["DAYS_BIRTH"].between(-25229, -7489).all()
    for name in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"):
        assert large[name].dropna().between(0.0, 1.0).all()
    assert large["AMT_INCOME_TOTAL"].median() == pytest.approx(147_000, rel=0.05)
    assert large["AMT_CREDIT"].min() > 0


def test_missingness(large: pd.DataFrame) -> None:
    missing = large.isna().mean()
    assert missing["EXT_SOURCE_1"] == pytest.approx(0.564, abs=0.02)
    assert missing["EXT_SOURCE_2"] < 0.01
    assert missing["EXT_SOURCE_3"] == pytest.approx(0.198, abs=0.02)
    assert missing["AMT_REQ_CREDIT_BUREAU_YEAR"] == pytest.approx(0.135, abs=0.01)
    assert 0.45 < missing["TOTALAREA_MODE"] < missing["COMMONAREA_AVG"] < 0.72
    no_car = large["FLAG_OWN_CAR"].eq("N")
    assert large.loc[no_car, "OWN_CAR_AGE"].isna().all()


def test_positive_rate(large: pd.DataFrame) -> None:
    assert large["TARGET"].mean() == pytest.approx(0.0807, abs=0.005)


def test_deterministic_and_seed_sensitive() -> None:
    first = generate_applications(500, seed=7)
    pd.testing.assert_frame_equal(first, generate_applications(500, seed=7))
    other = generate_applications(500, seed=8)
    assert not first.equals(other)
    assert not np.allclose(first["AMT_CREDIT"], other["AMT_CREDIT"])


def test_rejects_empty_request() -> None:
    with pytest.raises(ValueError, match="n_rows"):
        generate_applications(0)


def test_target_has_signal() -> None:
    frame = generate_applications(20_000, seed=1)
    features = pd.DataFrame(
        {
            "ext_mean": frame[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]]
            .mean(axis=1)
            .fillna(0.5),
            "age": frame["DAYS_BIRTH"] / -365.25,
            "male": frame["CODE_GENDER"].eq("M").astype(float),
            "higher": frame["NAME_EDUCATION_TYPE"].eq("Higher education").astype(float),
            "rating": frame["REGION_RATING_CLIENT_W_CITY"].astype(float),
        }
    )
    x_train, x_test, y_train, y_test = train_test_split(
        features, frame["TARGET"], test_size=0.3, random_state=0
    )
    model = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
    assert auc > 0.65
