"""Nodes of the ``{{ cookiecutter.pipeline_name }}`` pipeline: the raw table reduced
to the rows and columns the analysis needs, and a summary per group."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


def prepare_table(raw: pd.DataFrame, data: dict[str, Any], seed: int) -> pd.DataFrame:
    """The group and value columns named in ``data``, rows with both present, and a
    seeded sample of ``data.sample_size`` of them (all when it is null)."""
    columns = [data["group_column"], data["value_column"]]
    absent = [column for column in columns if column not in raw.columns]
    if absent:
        raise KeyError(
            f"Columns {absent} (parameters {{ cookiecutter.pipeline_name }}.data) are "
            "not in the raw table ({{ cookiecutter.pipeline_name }}.raw_table)."
        )
    table = raw[columns].dropna()
    sample_size = data.get("sample_size")
    if sample_size is not None and sample_size < len(table):
        table = table.sample(n=sample_size, random_state=seed).sort_index()
    logger.info("Kept %d of %d rows.", len(table), len(raw))
    return table.reset_index(drop=True)


def summarise_groups(table: pd.DataFrame, data: dict[str, Any]) -> pd.DataFrame:
    """Per group: rows, mean, standard deviation, minimum and maximum of the value."""
    values = table.groupby(data["group_column"], observed=True)[data["value_column"]]
    summary = values.agg(["count", "mean", "std", "min", "max"])
    return summary.rename(columns={"count": "rows"}).reset_index()
