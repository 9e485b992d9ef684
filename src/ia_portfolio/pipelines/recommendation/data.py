"""Canonical tables and the time split of the ``recommendation`` pipeline.

Whatever the source, a run works on two tables:

- ``interactions``: one row per click, ``user_id``, ``item_id`` (int64) and
  ``timestamp`` (epoch seconds, int64), sorted by time;
- ``items``: one row per item of the catalogue, ``item_id``, ``title`` and
  ``category`` (strings) and ``published_at`` (epoch seconds): the source's
  creation time when it has one, else the item's first click (0 when neither).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

INTERACTION_COLUMNS = ["user_id", "item_id", "timestamp"]
ITEM_COLUMNS = ["item_id", "title", "category", "published_at"]
SECONDS_PER = {"s": 1, "ms": 1_000}


def _require(raw: pd.DataFrame, columns: list[str], dataset: str) -> None:
    absent = [column for column in columns if column not in raw.columns]
    if absent:
        raise KeyError(
            f"Columns {absent} (parameters recommendation.data) are not in "
            f"recommendation.{dataset}."
        )


def prepare_interactions(raw: pd.DataFrame, data: dict[str, Any]) -> pd.DataFrame:
    """Clicks by the rule of ``data``: every row, or rows rated at least
    ``min_rating``; timestamps in seconds; one row per (user, item, time)."""
    columns = [data["user_column"], data["item_column"], data["timestamp_column"]]
    min_rating = data.get("min_rating")
    _require(
        raw,
        columns + ([data["rating_column"]] if min_rating else []),
        "raw_interactions",
    )
    kept = raw[raw[data["rating_column"]] >= min_rating] if min_rating else raw
    clicks = kept[columns].dropna().set_axis(INTERACTION_COLUMNS, axis=1)
    clicks = clicks.astype("int64")
    clicks["timestamp"] //= SECONDS_PER[data.get("timestamp_unit", "s")]
    clicks = (
        clicks.drop_duplicates()
        .sort_values(["timestamp", "user_id", "item_id"], kind="stable")
        .reset_index(drop=True)
    )
    logger.info(
        "%d clicks by %d users on %d items (from %d rows).",
        len(clicks),
        clicks["user_id"].nunique(),
        clicks["item_id"].nunique(),
        len(raw),
    )
    return clicks


def items_id_column(data: dict[str, Any]) -> str:
    """The item id column of the raw item table: ``items_id_column``, else the
    interactions' ``item_column``."""
    return data.get("items_id_column") or data["item_column"]


def prepare_items(
    raw: pd.DataFrame, interactions: pd.DataFrame, data: dict[str, Any]
) -> pd.DataFrame:
    """The catalogue: one row per item id with its title (empty when the source
    has none: ``title_column: null``) and category as text, and its publication
    time."""
    title, item_column = data.get("title_column"), items_id_column(data)
    names = [item_column, data["category_column"], *([title] if title else [])]
    _require(raw, names, "raw_items")
    items = pd.DataFrame(
        {
            "item_id": raw[item_column],
            "title": raw[title] if title else "",
            "category": raw[data["category_column"]],
        }
    )
    if column := data.get("published_column"):
        _require(raw, [column], "raw_items")
        created = raw[column] // SECONDS_PER[data.get("timestamp_unit", "s")]
    else:
        created = pd.Series(np.nan, index=raw.index)
    items = items.assign(created=created).dropna(subset=["item_id"])
    items = items.drop_duplicates("item_id")
    items["item_id"] = items["item_id"].astype("int64")
    for column in ("title", "category"):
        items[column] = items[column].fillna("").astype(str).str.strip()
    first_click = interactions.groupby("item_id")["timestamp"].min()
    published = items["created"].where(
        items["created"].notna(), items["item_id"].map(first_click)
    )
    items["published_at"] = published.fillna(0).astype("int64")
    return items[ITEM_COLUMNS].sort_values("item_id").reset_index(drop=True)


def split_by_time(
    interactions: pd.DataFrame, split: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Train (before the validation cutoff), validation (up to the test cutoff)
    and test (from it on), the cutoffs being quantiles of the click times: one
    global clock, so no click of a later period reaches an earlier one."""
    times = interactions["timestamp"]
    validation_start = int(np.quantile(times, split["validation_quantile"]))
    test_start = int(np.quantile(times, split["test_quantile"]))
    if not times.min() < validation_start < test_start <= times.max():
        raise ValueError(
            f"The cutoffs {validation_start} and {test_start} do not leave three "
            "non-empty periods: check recommendation.split."
        )
    train = interactions[times < validation_start].reset_index(drop=True)
    validation = interactions[
        (times >= validation_start) & (times < test_start)
    ].reset_index(drop=True)
    test = interactions[times >= test_start].reset_index(drop=True)
    summary = {
        "validation_start": pd.Timestamp(validation_start, unit="s").isoformat(),
        "test_start": pd.Timestamp(test_start, unit="s").isoformat(),
        "end": pd.Timestamp(int(times.max()), unit="s").isoformat(),
    }
    for name, period in (("train", train), ("validation", validation), ("test", test)):
        summary[name] = {
            "clicks": len(period),
            "users": int(period["user_id"].nunique()),
            "items": int(period["item_id"].nunique()),
        }
    logger.info("Time split: %s.", summary)
    return train, validation, test, summary
