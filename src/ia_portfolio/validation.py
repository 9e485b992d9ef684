"""Schema checks of raw inputs at pipeline boundaries.

A schema is declared next to the dataset it guards, in the catalog entry's
``metadata.schema``::

    metadata:
      schema:
        columns:
          Class: {kind: categorical, isin: [good, bad]}
          annual_inc: {kind: numeric}

Every listed column is required; columns not listed are allowed; a table without
rows is an error. ``kind`` is one of ``numeric``, ``integer``, ``categorical``,
``text`` or ``datetime``. Errors name the dataset and the column so a user knows
which file to fix.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

_KIND_CHECKS = {
    "numeric": (pd.api.types.is_numeric_dtype, "a numeric column"),
    "integer": (pd.api.types.is_integer_dtype, "an integer column"),
    "categorical": (
        lambda s: not pd.api.types.is_float_dtype(s),
        "a categorical column (strings or integer codes)",
    ),
    "text": (
        lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
        "a text column",
    ),
    "datetime": (pd.api.types.is_datetime64_any_dtype, "a datetime column"),
}


class DataValidationError(ValueError):
    """Raised when a raw dataset does not match its declared schema."""


def build_schema(spec: dict[str, Any]) -> pa.DataFrameSchema:
    """Compile a schema declaration (see module docstring) into a pandera schema."""
    columns = {}
    for name, column_spec in spec.get("columns", {}).items():
        kind = column_spec.get("kind", "numeric")
        if kind not in _KIND_CHECKS:
            raise ValueError(f"Unknown column kind '{kind}' for column '{name}'.")
        is_kind, description = _KIND_CHECKS[kind]
        checks = [
            pa.Check(is_kind, element_wise=False, error=f"expected {description}")
        ]
        if "isin" in column_spec:
            checks.append(pa.Check.isin(column_spec["isin"]))
        if "ge" in column_spec:
            checks.append(pa.Check.ge(column_spec["ge"]))
        if "le" in column_spec:
            checks.append(pa.Check.le(column_spec["le"]))
        columns[name] = pa.Column(
            checks=checks,
            nullable=column_spec.get("nullable", True),
            required=True,
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _describe_failure(row: pd.Series, data: pd.DataFrame) -> str:
    column = row.get("column")
    check = str(row.get("check"))
    if (
        row.get("schema_context") == "DataFrameSchema"
        and "column_in_dataframe" in check
    ):
        return f"column '{row['failure_case']}' is missing"
    if check == "not_nullable":
        return f"column '{column}' has missing values but must not"
    if check.startswith("expected "):
        return f"column '{column}' {check}, got dtype '{data[column].dtype}'"
    return f"column '{column}' fails check {check} (e.g. value {row['failure_case']!r})"


def validate_dataframe(
    data: pd.DataFrame, spec: dict[str, Any], dataset_name: str
) -> pd.DataFrame:
    """Check ``data`` against ``spec``; raise one error listing every problem."""
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"Dataset '{dataset_name}': expected a table, got {type(data).__name__}."
        )
    if len(data.index) == 0:
        raise DataValidationError(f"Dataset '{dataset_name}' is empty: it has no rows.")
    try:
        build_schema(spec).validate(data, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases.drop_duplicates(subset=["column", "check"])
        problems = sorted({_describe_failure(row, data) for _, row in cases.iterrows()})
        raise DataValidationError(
            f"Dataset '{dataset_name}' does not match its schema: "
            + "; ".join(problems)
        ) from None
    return data
