"""Describe a table column by column: counts, missing values and statistics.

Shared by the exploratory pipelines (outlier rules live in
:mod:`ia_portfolio.outliers`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _order_of_magnitude(value: float) -> float:
    """Power of ten of ``value`` (NaN for zero or missing)."""
    if not np.isfinite(value) or value == 0:
        return np.nan
    return float(math.floor(math.log10(abs(value))))


def column_statistics(
    frame: pd.DataFrame, columns: list[str] | None = None
) -> pd.DataFrame:
    """One row per column (all of ``frame``'s, or ``columns`` in that order):
    dtype, count, missing values (number and share), distinct values; numeric
    columns add mean, standard deviation, min, quartiles, max and the order of
    magnitude (power of ten) of the median and of the max; other columns add their
    most frequent value and its count."""
    rows = []
    for name in columns if columns is not None else list(frame.columns):
        values = frame[name]
        row: dict[str, object] = {
            "column": name,
            "dtype": str(values.dtype),
            "count": int(values.notna().sum()),
            "missing": int(values.isna().sum()),
            "missing_share": float(values.isna().mean()) if len(values) else np.nan,
            "distinct": int(values.nunique()),
        }
        numeric = pd.api.types.is_numeric_dtype(
            values
        ) and not pd.api.types.is_bool_dtype(values)
        if numeric and row["count"]:
            numbers = values.astype(float)
            q1, median, q3 = numbers.quantile([0.25, 0.5, 0.75])
            row |= {
                "mean": numbers.mean(),
                "std": numbers.std(),
                "min": numbers.min(),
                "q1": q1,
                "median": median,
                "q3": q3,
                "max": numbers.max(),
                "magnitude_median": _order_of_magnitude(median),
                "magnitude_max": _order_of_magnitude(numbers.max()),
            }
        elif row["count"]:
            counts = values.value_counts()
            row |= {"top": str(counts.index[0]), "top_count": int(counts.iloc[0])}
        rows.append(row)
    return pd.DataFrame(rows)
