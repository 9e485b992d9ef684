"""Outlier rules for numeric columns, each value tagged with the rules that flag it.

Three rules, configured per column with a plain dictionary (e.g. from a
parameters file)::

    domain: {gt: 0, le: 50}  # physically possible values
    iqr: {k: 1.5, log: true}  # Tukey fences, Q1 - k IQR .. Q3 + k IQR
    robust_z: {threshold: 3.5, log: true, tail: upper}  # 0.6745 (x - median) / MAD

* ``domain`` flags impossible values (bounds ``gt``/``ge``/``lt``/``le``).
* ``iqr`` and ``robust_z`` flag statistically unusual values. They are fitted on
  the values that pass the domain rule only (so that an absurd 881,818 does not
  widen the fences it should fall outside of), optionally on ``log`` values (for
  sizes and amounts, which vary multiplicatively), and optionally within groups
  (e.g. per species, then per species and age): a row uses the finest of its
  groups that has ``min_group_size`` values and some spread (IQR and MAD above
  zero), else the whole column. ``tail`` (``both``, the default, ``upper`` or
  ``lower``) says which side of the fences counts: e.g. ``upper`` for sizes where
  typing errors inflate values and small values are merely young.

``flag_outliers`` returns one row per flagged value with the rules that flagged
it, the fences in the column's own unit and the robust z-score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RULES: tuple[str, ...] = ("domain", "iqr", "robust_z")
MAD_TO_SIGMA = 0.6745
"""Consistency constant of the modified z-score (Iglewicz and Hoaglin, 1993)."""

_BOUND_OPERATORS = {
    "gt": np.greater,
    "ge": np.greater_equal,
    "lt": np.less,
    "le": np.less_equal,
}


def domain_violations(values: pd.Series, bounds: dict[str, float]) -> pd.Series:
    """True where a present value breaks one of the bounds (``gt``, ``ge``,
    ``lt``, ``le``); missing values are never violations."""
    unknown = set(bounds) - set(_BOUND_OPERATORS)
    if unknown:
        raise ValueError(f"Unknown bound(s) {sorted(unknown)}; use gt, ge, lt, le.")
    ok = pd.Series(True, index=values.index)
    for name, limit in bounds.items():
        if limit is not None:
            ok &= _BOUND_OPERATORS[name](values, limit)
    return values.notna() & ~ok


def _transform(values: pd.Series, log: bool) -> pd.Series:
    if not log:
        return values.astype(np.float64)
    positive = values.where(values > 0)
    return np.log(positive.astype(np.float64))


def _inverse(values: pd.Series | float, log: bool) -> pd.Series | float:
    return np.exp(values) if log else values


def _group_statistics(
    values: pd.Series, groups: pd.DataFrame | None, min_group_size: int
) -> pd.DataFrame:
    """Q1, median, Q3 and MAD of ``values`` for each row, and the group they
    come from: the finest group of ``groups`` (columns from coarse to fine) with
    at least ``min_group_size`` values and a non-zero IQR and MAD, else the whole
    column."""
    present = values.dropna()
    median = present.median()
    table = pd.DataFrame(
        {
            "q1": present.quantile(0.25),
            "median": median,
            "q3": present.quantile(0.75),
            "mad": (present - median).abs().median(),
            "group": "(all values)",
        },
        index=values.index,
    )
    if groups is None:
        return table
    names = list(groups.columns)
    label = pd.Series("", index=values.index, dtype=object)
    for depth, name in enumerate(names):
        part = groups[name].astype("object")
        label = part.astype(str) if depth == 0 else label + " / " + part.astype(str)
        keys = [groups[n].astype("object") for n in names[: depth + 1]]
        grouped = values.groupby(keys, dropna=True)
        level = pd.DataFrame(
            {
                "count": grouped.transform("count"),
                "q1": grouped.transform("quantile", 0.25),
                "median": grouped.transform("median"),
                "q3": grouped.transform("quantile", 0.75),
            }
        )
        deviation = (values - level["median"]).abs()
        level["mad"] = deviation.groupby(keys, dropna=True).transform("median")
        # A group needs enough values, and some spread: on rounded measures a
        # tight group can have Q1 == Q3 or MAD == 0, which would flag everything.
        enough = (
            level["count"].ge(min_group_size)
            & level["q3"].gt(level["q1"])
            & level["mad"].gt(0)
            & groups[names[: depth + 1]].notna().all(axis=1)
        )
        for column in ("q1", "median", "q3", "mad"):
            table.loc[enough, column] = level.loc[enough, column]
        table.loc[enough, "group"] = label[enough]
    return table


def flag_column(
    values: pd.Series,
    rules: dict[str, Any],
    groups: pd.DataFrame | None = None,
    min_group_size: int = 30,
) -> pd.DataFrame:
    """Every value of ``values`` with one boolean column per configured rule,
    the IQR fences (in the column's unit), the robust z-score and the group the
    statistics come from.

    ``rules`` holds any of ``domain``, ``iqr`` and ``robust_z`` (see the module
    docstring); ``groups`` has one column per grouping level, coarse to fine.
    Missing values are never flagged.
    """
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"Unknown rule(s) {sorted(unknown)}; use {list(RULES)}.")
    values = pd.to_numeric(values, errors="raise").astype(np.float64)
    out = pd.DataFrame({"value": values})
    domain = rules.get("domain")
    out["domain"] = (
        domain_violations(values, domain) if domain else pd.Series(False, values.index)
    )
    possible = values.where(~out["domain"])
    out["group"] = "(all values)"
    for rule in ("iqr", "robust_z"):
        config = rules.get(rule)
        if not config:
            out[rule] = False
            continue
        log = bool(config.get("log", False))
        tail = config.get("tail", "both")
        if tail not in ("both", "upper", "lower"):
            raise ValueError(f"Unknown tail '{tail}' for rule {rule}.")
        upper_side, lower_side = tail in ("both", "upper"), tail in ("both", "lower")
        scaled = _transform(possible, log)
        stats = _group_statistics(scaled, groups, min_group_size)
        out["group"] = stats["group"]
        if rule == "iqr":
            k = float(config.get("k", 1.5))
            spread = stats["q3"] - stats["q1"]
            lower, upper = stats["q1"] - k * spread, stats["q3"] + k * spread
            out["iqr_lower"] = _inverse(lower, log)
            out["iqr_upper"] = _inverse(upper, log)
            out["iqr"] = (lower_side & (scaled < lower)) | (
                upper_side & (scaled > upper)
            )
        else:
            mad = stats["mad"].where(stats["mad"] > 0)
            score = MAD_TO_SIGMA * (scaled - stats["median"]) / mad
            out["robust_z_score"] = score
            threshold = float(config.get("threshold", 3.5))
            out["robust_z"] = (upper_side & (score > threshold)) | (
                lower_side & (score < -threshold)
            )
        # A value the rule cannot score (e.g. a 0 on a log scale) is not flagged.
        out[rule] = out[rule].fillna(False).astype(bool) & scaled.notna()
    return out


def flag_outliers(
    frame: pd.DataFrame,
    rules: dict[str, dict[str, Any]],
    group_by: str | list[str] | None = None,
    min_group_size: int = 30,
    id_column: str | None = None,
) -> pd.DataFrame:
    """Flagged values of every configured column, one row per value.

    ``group_by`` is a column or a list of columns from coarse to fine (e.g.
    ``[genus, stage]``: per genus and stage, else per genus, else the column).
    Columns: the row id (``id_column``, else the frame's index as ``row``),
    ``column``, ``value``, ``group`` (the group the statistics come from), one
    boolean per rule, ``rules`` (the names of the rules that flagged the value,
    comma-separated), ``iqr_lower``/``iqr_upper`` and ``robust_z_score`` (NaN
    when the rule is not configured for the column).
    """
    if isinstance(group_by, str):
        group_by = [group_by]
    groups = frame[list(group_by)] if group_by else None
    ids = frame[id_column] if id_column else pd.Series(frame.index, frame.index)
    id_name = id_column or "row"
    parts = []
    for column, column_rules in rules.items():
        flags = flag_column(frame[column], column_rules, groups, min_group_size)
        flagged = flags[flags[list(RULES)].any(axis=1)].copy()
        if flagged.empty:
            continue
        flagged.insert(0, id_name, ids.loc[flagged.index].to_numpy())
        flagged.insert(1, "column", column)
        parts.append(flagged)
    columns = [id_name, "column", "value", "group"]
    columns += [*RULES, "rules", "iqr_lower", "iqr_upper", "robust_z_score"]
    if not parts:
        return pd.DataFrame(columns=columns)
    result = pd.concat(parts, ignore_index=True).reindex(columns=columns)
    flags = result[list(RULES)].astype(bool)
    result[list(RULES)] = flags
    names = pd.Series("", index=result.index, dtype=object)
    for rule in RULES:
        names = names + np.where(flags[rule], f", {rule}", "")
    result["rules"] = names.str.removeprefix(", ")
    return result
