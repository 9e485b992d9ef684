"""Tables with the dtypes ``read_csv`` gives the original files, for the generators
of original-schema data."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd


def frame_with_original_dtypes(
    columns: Mapping[str, np.ndarray],
    order: Sequence[str],
    string_columns: Collection[str],
    integer_columns: Collection[str],
) -> pd.DataFrame:
    """The columns in the original order with the dtypes ``read_csv`` gives the
    original file: strings, int64 where it has no missing value, float64 otherwise."""
    data = {}
    for name in order:
        if name in string_columns:
            data[name] = pd.array(columns[name], dtype="str")
        elif name in integer_columns:
            data[name] = columns[name].astype(np.int64, copy=False)
        else:
            data[name] = columns[name].astype(np.float64, copy=False)
    return pd.DataFrame(data, columns=list(order))
