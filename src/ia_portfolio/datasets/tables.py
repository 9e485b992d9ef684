"""pandas tables whose kedro-viz preview reads like a report table: the file keeps
every digit, the preview shows floats to 4 significant digits (``0.7235``, not
``0.7234567891234567``)."""

from __future__ import annotations

import math
from typing import Any

from kedro_datasets._typing import TablePreview
from kedro_datasets.pandas import CSVDataset, ParquetDataset

PREVIEW_SIGNIFICANT_DIGITS = 4


def round_preview(preview: TablePreview) -> TablePreview:
    """The same preview with each finite float rounded to
    ``PREVIEW_SIGNIFICANT_DIGITS`` significant digits."""

    def rounded(value: Any) -> Any:
        if isinstance(value, float) and math.isfinite(value):
            return float(f"{value:.{PREVIEW_SIGNIFICANT_DIGITS}g}")
        return value

    data = [[rounded(value) for value in row] for row in preview.get("data", [])]
    return TablePreview({**preview, "data": data})


class CSVTableDataset(CSVDataset):
    """``pandas.CSVDataset`` previewed with rounded floats."""

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows, floats rounded."""
        return round_preview(super().preview(nrows))


class ParquetTableDataset(ParquetDataset):
    """``pandas.ParquetDataset`` previewed with rounded floats."""

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows, floats rounded."""
        return round_preview(super().preview(nrows))
