import pandas as pd
import pytest

from ia_portfolio.validation import DataValidationError, validate_dataframe

SPEC = {
    "columns": {
        "Class": {"kind": "categorical", "isin": ["good", "bad"], "nullable": False},
        "annual_inc": {"kind": "numeric"},
        "term": {"kind": "categorical"},
    }
}


def _frame(**overrides):
    data = {
        "Class": ["good", "bad"],
        "annual_inc": [35000.0, 72000.0],
        "term": ["term_36", "term_60"],
        "extra": [1, 2],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_valid_frame_passes_unchanged():
    frame = _frame()
    assert validate_dataframe(frame, SPEC, "loans") is frame


def test_missing_column_names_dataset_and_column():
    with pytest.raises(
        DataValidationError, match=r"Dataset 'loans'.*'Class' is missing"
    ):
        validate_dataframe(_frame().drop(columns="Class"), SPEC, "loans")


def test_wrong_type_names_column_and_dtype():
    frame = _frame(annual_inc=["35k", "72k"])
    with pytest.raises(
        DataValidationError, match=r"'loans'.*column 'annual_inc' expected a numeric"
    ):
        validate_dataframe(frame, SPEC, "loans")


def test_every_problem_is_reported_at_once():
    frame = _frame(annual_inc=["a", "b"], Class=["good", "ugly"])
    with pytest.raises(DataValidationError) as error:
        validate_dataframe(frame.drop(columns="term"), SPEC, "loans")
    message = str(error.value)
    assert "'annual_inc'" in message
    assert "'term' is missing" in message
    assert "'Class' fails check isin" in message


def test_non_nullable_column_with_missing_values():
    frame = _frame(Class=["good", None])
    with pytest.raises(DataValidationError, match="'Class' has missing values"):
        validate_dataframe(frame, SPEC, "loans")


def test_not_a_table():
    with pytest.raises(DataValidationError, match="expected a table"):
        validate_dataframe([1, 2], SPEC, "loans")


def test_empty_table_names_dataset_and_says_so():
    with pytest.raises(DataValidationError, match=r"Dataset 'loans' is empty"):
        validate_dataframe(_frame().iloc[0:0], SPEC, "loans")
