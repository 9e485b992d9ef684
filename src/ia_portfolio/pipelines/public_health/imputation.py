"""Imputation methods of the ``public_health`` pipeline, one per kind of column.

Each function fills the missing values of the columns it is given and returns the
completed frame; :func:`impute` runs them in a fixed order (multivariate models
first, then group medians, then rules that follow from the others) and records
which cells it filled.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer
from sklearn.linear_model import Ridge
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger(__name__)

METHODS: tuple[str, ...] = (
    "iterative",
    "knn",
    "median_by_group",
    "energy_from_macros",
    "none",
)
"""Imputation methods, in the order they run."""


def _group_dummies(frame: pd.DataFrame, group_column: str | None) -> pd.DataFrame:
    if not group_column or group_column not in frame:
        return pd.DataFrame(index=frame.index)
    return pd.get_dummies(frame[group_column], prefix="group", dtype=float)


def impute_iterative(
    frame: pd.DataFrame,
    targets: list[str],
    features: list[str],
    group_column: str | None,
    bounds: dict[str, tuple[float, float]],
    max_iter: int,
    seed: int,
) -> pd.DataFrame:
    """Fill ``targets`` with an iterative imputer (ridge regressions on the other
    nutrients and one-hot groups, in turn until stable), clipped to each column's
    bounds.

    ``features`` help the models but are written back unchanged.
    """
    if not targets:
        return frame
    columns = list(dict.fromkeys([*targets, *features]))
    design = pd.concat(
        [frame[columns].astype(float), _group_dummies(frame, group_column)], axis=1
    )
    low = [bounds.get(c, (-np.inf, np.inf))[0] for c in columns]
    high = [bounds.get(c, (-np.inf, np.inf))[1] for c in columns]
    low += [0.0] * (design.shape[1] - len(columns))
    high += [1.0] * (design.shape[1] - len(columns))
    imputer = IterativeImputer(
        estimator=Ridge(alpha=1.0),
        max_iter=max_iter,
        random_state=seed,
        min_value=np.array(low),
        max_value=np.array(high),
        keep_empty_features=True,
        skip_complete=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        completed = pd.DataFrame(
            imputer.fit_transform(design.to_numpy()),
            index=frame.index,
            columns=design.columns,
        )
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        logger.info(
            "Iterative imputer stopped after %d rounds, changes still above its "
            "tolerance (bounded values oscillate slightly).",
            max_iter,
        )
    result = frame.copy()
    for column in targets:
        result[column] = frame[column].fillna(completed[column])
    return result


def impute_knn(
    frame: pd.DataFrame,
    targets: list[str],
    features: list[str],
    n_neighbors: int,
) -> pd.DataFrame:
    """Fill each target with the mean of the ``n_neighbors`` nearest products
    that know it, on the standardised ``features`` (a missing feature counts as
    the column's median for the distance only)."""
    result = frame.copy()
    scaled = result[features].astype(float)
    scaled = scaled.fillna(scaled.median())
    for target in targets:
        missing = result[target].isna().to_numpy()
        if not missing.any() or missing.all():
            continue
        scaler = StandardScaler().fit(scaled[~missing])
        donors = scaler.transform(scaled[~missing])
        index = NearestNeighbors(n_neighbors=min(n_neighbors, len(donors))).fit(donors)
        _, neighbours = index.kneighbors(scaler.transform(scaled[missing]))
        known = result[target].to_numpy()[~missing]
        result.loc[missing, target] = known[neighbours].mean(axis=1)
    return result


def impute_median_by_group(
    frame: pd.DataFrame,
    targets: list[str],
    group_column: str | None,
    min_group_size: int,
) -> pd.DataFrame:
    """Fill each target with the median of its group's known values; rows with no
    group, or a group with fewer than ``min_group_size`` known values, get the
    median of the whole column."""
    result = frame.copy()
    for target in targets:
        overall = result[target].median()
        fill = pd.Series(overall, index=result.index)
        if group_column and group_column in result:
            grouped = result.groupby(group_column, dropna=True)[target]
            medians = grouped.median()[grouped.count() >= min_group_size]
            by_row = result[group_column].map(medians)
            fill = by_row.where(by_row.notna(), overall)
        result[target] = result[target].fillna(fill)
    return result


def energy_from_macros(frame: pd.DataFrame, factors: dict[str, float]) -> pd.Series:
    """Energy (kJ) from macronutrients with conversion factors, e.g. the EU's
    37 kJ/g fat, 17 kJ/g carbohydrates and proteins, 8 kJ/g fiber. A missing
    macronutrient counts as zero; NaN when all are missing."""
    present = [c for c in factors if c in frame]
    parts = frame[present].astype(float).mul(pd.Series(factors)[present], axis=1)
    return parts.sum(axis=1, min_count=1)


def impute_energy(
    frame: pd.DataFrame, target: str, factors: dict[str, float]
) -> pd.DataFrame:
    """Fill a missing energy with the energy its macronutrients carry."""
    result = frame.copy()
    result[target] = result[target].fillna(energy_from_macros(result, factors).round())
    return result


def _scale_imputed_macros(
    frame: pd.DataFrame, imputed: pd.DataFrame, macros: list[str], macro_max: float
) -> tuple[pd.DataFrame, int]:
    """Scale down the imputed macronutrients of rows whose total exceeds
    ``macro_max`` so that it fits (floored to 0.01 g)."""
    result = frame.copy()
    values = result[macros].fillna(0.0)
    was_imputed = imputed.reindex(columns=macros, fill_value=False)
    observed_sum = values.where(~was_imputed, 0.0).sum(axis=1)
    imputed_sum = values.where(was_imputed, 0.0).sum(axis=1)
    over = (observed_sum + imputed_sum > macro_max) & (imputed_sum > 0)
    room = (macro_max - observed_sum).clip(lower=0.0)
    scale = room / imputed_sum.where(imputed_sum > 0)
    for column in macros:
        rows = over & was_imputed[column]
        result.loc[rows, column] = (
            np.floor(result.loc[rows, column] * scale[rows] * 100) / 100
        )
    return result, int(over.sum())


def enforce_rules(
    frame: pd.DataFrame,
    imputed: pd.DataFrame,
    parts: list[dict[str, str]],
    macro_columns: list[str],
    macro_max: float,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Make imputed values obey the rules the observed ones were cleaned with.

    A row whose macronutrients exceed ``macro_max`` has its imputed
    macronutrients scaled down until they fit; then a part above its whole
    (sugars above carbohydrates) is lowered to the whole when the part was
    imputed, else the imputed whole is raised to the part. Observed values are
    never changed.
    """
    result, fixes = frame, {}
    macros = [c for c in macro_columns if c in result]
    if macros:
        result, scaled = _scale_imputed_macros(result, imputed, macros, macro_max)
        fixes[f"rows with imputed macronutrients scaled to {macro_max:g} g"] = scaled
    result = result.copy()
    for pair in parts:
        part, whole = pair["part"], pair["whole"]
        if part not in result or whole not in result:
            continue
        above = result[part] > result[whole]
        part_imputed = imputed[part] if part in imputed else False
        whole_imputed = imputed[whole] if whole in imputed else False
        lower_part = above & part_imputed
        raise_whole = above & ~lower_part & whole_imputed
        result.loc[lower_part, part] = result.loc[lower_part, whole]
        result.loc[raise_whole, whole] = result.loc[raise_whole, part]
        fixes[f"imputed {part} lowered to {whole}"] = int(lower_part.sum())
        fixes[f"imputed {whole} raised to {part}"] = int(raise_whole.sum())
    return result, fixes


def impute(
    frame: pd.DataFrame,
    columns: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    group_column: str | None,
    bounds: dict[str, tuple[float, float]],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Run every column's method (``columns``: ``{column: {method, reason}}``)
    in the order of :data:`METHODS`, then :func:`enforce_rules`.

    Returns the completed frame, a boolean frame of the cells that were filled
    (one column per imputed column) and the counts of rule fixes.
    """
    by_method: dict[str, list[str]] = {method: [] for method in METHODS}
    for column, spec in columns.items():
        if spec["method"] not in by_method:
            raise ValueError(
                f"Unknown imputation method '{spec['method']}' for column '{column}'; "
                f"use one of {list(METHODS)}."
            )
        if column in frame:
            by_method[spec["method"]].append(column)
        else:
            logger.info("Imputation of '%s' skipped: the column is gone.", column)
    missing_before = frame.isna()
    result = frame
    iterative = settings.get("iterative", {})
    result = impute_iterative(
        result,
        by_method["iterative"],
        [c for c in iterative.get("features", []) if c in result],
        group_column,
        bounds,
        iterative.get("max_iter", 10),
        seed,
    )
    knn = settings.get("knn", {})
    result = impute_knn(
        result,
        by_method["knn"],
        [c for c in knn.get("features", []) if c in result],
        knn.get("n_neighbors", 5),
    )
    result = impute_median_by_group(
        result,
        by_method["median_by_group"],
        group_column,
        settings.get("median_by_group", {}).get("min_group_size", 30),
    )
    imputed_so_far = missing_before & result.notna()
    rules = settings.get("rules", {})
    result, fixes = enforce_rules(
        result,
        imputed_so_far,
        rules.get("parts", []),
        rules.get("macro_columns", []),
        rules.get("macro_max", 100.0),
    )
    factors = settings.get("energy", {}).get("factors", {})
    for column in by_method["energy_from_macros"]:
        result = impute_energy(result, column, factors)
    filled = missing_before & result.notna()
    imputed_columns = [c for c in columns if c in result and filled[c].any()]
    return result, filled[imputed_columns], fixes


def holdout_check(
    frame: pd.DataFrame,
    columns: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    group_column: str | None,
    bounds: dict[str, tuple[float, float]],
    seed: int,
) -> pd.DataFrame:
    """How well each column's method recovers values that are known.

    On up to ``check.max_rows`` rows, hide ``check.holdout_share`` of each imputed
    column's known values (at most ``check.max_per_column``), impute them with the
    configured methods, and compare the mean absolute error with two baselines:
    the group median and the overall median.
    """
    check = settings.get("check", {})
    rng = np.random.default_rng(seed)
    if len(frame) > check.get("max_rows", len(frame)):
        frame = frame.iloc[np.sort(rng.choice(len(frame), check["max_rows"], False))]
    frame = frame.reset_index(drop=True)
    masked = frame.copy()
    hidden: dict[str, np.ndarray] = {}
    for column, spec in columns.items():
        if spec["method"] == "none" or column not in frame:
            continue
        known = np.flatnonzero(frame[column].notna().to_numpy())
        count = min(
            check.get("max_per_column", 2_000),
            int(check.get("holdout_share", 0.05) * len(known)),
        )
        if count == 0:
            continue
        hidden[column] = rng.choice(known, count, replace=False)
        masked.loc[hidden[column], column] = np.nan
    completed, _, _ = impute(masked, columns, settings, group_column, bounds, seed)
    by_group = impute_median_by_group(
        masked,
        list(hidden),
        group_column,
        settings.get("median_by_group", {}).get("min_group_size", 30),
    )
    rows = []
    for column, positions in hidden.items():
        truth = frame.loc[positions, column].to_numpy(dtype=float)

        def error(values: pd.Series, positions: np.ndarray = positions) -> float:
            return float(np.mean(np.abs(values.loc[positions].to_numpy() - truth)))

        method_error = error(completed[column])
        group_error = error(by_group[column])
        overall_error = float(np.mean(np.abs(masked[column].median() - truth)))
        rows.append(
            {
                "column": column,
                "method": columns[column]["method"],
                "values_hidden": len(positions),
                "mae_method": method_error,
                "mae_group_median": group_error,
                "mae_overall_median": overall_error,
                "error_vs_group_median": method_error / group_error
                if group_error
                else np.nan,
            }
        )
    return pd.DataFrame(rows)
