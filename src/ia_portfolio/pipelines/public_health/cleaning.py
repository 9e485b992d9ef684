"""Cleaning stage of the ``public_health`` pipeline.

Every cleaning step is a pure function ``(frame, rule parameters) -> (frame,
step report)``: the report says what the rule removed, set missing or imputed,
with rows and columns before and after, and is logged. Column names, bounds and
labels all come from parameters, so the same rules run on another nutrition table.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.outliers import domain_violations
from ia_portfolio.pipelines.public_health.imputation import holdout_check, impute

logger = logging.getLogger(__name__)

StepReport = dict[str, Any]

REPORT_COLUMNS: tuple[str, ...] = (
    "step",
    "rule",
    "rows_before",
    "rows_after",
    "rows_removed",
    "columns_before",
    "columns_after",
    "values_set_missing",
    "values_imputed",
    "detail",
)


def _step(
    step: str,
    rule: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    values_set_missing: int = 0,
    values_imputed: int = 0,
    detail: str = "",
) -> StepReport:
    """The report of one cleaning step, logged."""
    report = {
        "step": step,
        "rule": rule,
        "rows_before": len(before),
        "rows_after": len(after),
        "rows_removed": len(before) - len(after),
        "columns_before": before.shape[1],
        "columns_after": after.shape[1],
        "values_set_missing": int(values_set_missing),
        "values_imputed": int(values_imputed),
        "detail": detail,
    }
    logger.info(
        "%s: %d -> %d rows, %d -> %d columns, %d values set missing, %d imputed. %s",
        step,
        len(before),
        len(after),
        before.shape[1],
        after.shape[1],
        values_set_missing,
        values_imputed,
        detail,
    )
    return report


def _counts(counts: dict[str, int]) -> str:
    found = "; ".join(f"{name}: {count}" for name, count in counts.items() if count)
    return found or "nothing found"


def select_columns(
    raw: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, StepReport]:
    """Keep the columns the application needs, in the given order."""
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise KeyError(
            f"The raw products table (public_health.raw_products) lacks column(s) "
            f"{missing} listed in parameter public_health.data.columns."
        )
    selected = raw[columns]
    dropped = raw.shape[1] - len(columns)
    return selected, _step(
        "select_columns",
        f"keep the {len(columns)} columns useful to the application",
        raw,
        selected,
        detail=f"{dropped} other columns dropped",
    )


def filter_country(
    products: pd.DataFrame, country: dict[str, Any]
) -> tuple[pd.DataFrame, StepReport]:
    """Keep products whose ``country.column`` contains ``country.contains``
    (plain text, case-sensitive unless ``case: false``); no filter when
    ``contains`` is null."""
    value = country.get("contains")
    if value is None:
        return products, _step(
            "filter_country", "no country filter", products, products
        )
    column = country["column"]
    sold = (
        products[column]
        .astype("str")
        .str.contains(value, case=country.get("case", True), regex=False, na=False)
    )
    kept = products[sold]
    return kept, _step(
        "filter_country",
        f"keep products whose {column} contains '{value}'",
        products,
        kept,
        detail=f"{int(products[column].isna().sum())} rows without a country",
    )


def normalise_label(label: str) -> str:
    """Case-folded label with hyphens, underscores and runs of spaces as one space."""
    return " ".join(re.split(r"[\s_\-]+", label.strip().casefold())).strip()


def normalise_groups(
    products: pd.DataFrame, groups: dict[str, Any]
) -> tuple[pd.DataFrame, StepReport]:
    """Merge spelling variants of the food group into its canonical labels
    ("fruits-and-vegetables" -> "Fruits and vegetables") and turn placeholder
    labels ("unknown") into missing values. Unrecognised labels are kept and
    reported."""
    column = groups["column"]
    canonical = {normalise_label(label): label for label in groups["canonical"]}
    placeholders = {
        normalise_label(label) for label in groups.get("missing_labels", [])
    }
    mapping: dict[str, Any] = {}
    unrecognised = []
    for label in products[column].dropna().unique():
        key = normalise_label(str(label))
        if key in placeholders:
            mapping[label] = np.nan
        elif key in canonical:
            mapping[label] = canonical[key]
        else:
            mapping[label] = label
            unrecognised.append(str(label))
    original = products[column]
    normalised = original.map(mapping).astype("str")
    set_missing = original.notna() & normalised.isna()
    respelled = original.notna() & normalised.notna() & (original != normalised)
    variants = original[respelled].value_counts()
    result = products.assign(**{column: normalised})
    detail = [f"{int(respelled.sum())} labels respelled"]
    detail += [f"'{label}' x{count}" for label, count in variants.items()]
    if unrecognised:
        detail.append(f"unrecognised labels kept: {sorted(unrecognised)}")
        logger.warning("Unrecognised %s labels: %s", column, sorted(unrecognised))
    return result, _step(
        "normalise_groups",
        f"merge {column} spellings into {len(canonical)} groups; placeholders -> missing",
        products,
        result,
        values_set_missing=int(set_missing.sum()),
        detail="; ".join(detail),
    )


def set_impossible_values_missing(
    products: pd.DataFrame, bounds: dict[str, dict[str, float]]
) -> tuple[pd.DataFrame, StepReport]:
    """Values outside physical bounds (e.g. 0-100 g per 100 g, at most 3,800 kJ
    per 100 g) become missing: they are typing or unit errors, and the rest of
    the row stays usable."""
    result = products.copy()
    counts = {}
    for column, column_bounds in bounds.items():
        if column not in result:
            raise KeyError(
                f"Bounds are set for column '{column}' (parameter "
                f"public_health.bounds) but the table has no such column."
            )
        impossible = domain_violations(result[column].astype(float), column_bounds)
        result.loc[impossible, column] = np.nan
        counts[column] = int(impossible.sum())
    return result, _step(
        "set_impossible_values_missing",
        "values outside physical bounds -> missing",
        products,
        result,
        values_set_missing=sum(counts.values()),
        detail=_counts(counts),
    )


def resolve_part_whole_conflicts(
    products: pd.DataFrame, parts: list[dict[str, str]]
) -> tuple[pd.DataFrame, StepReport]:
    """Where a part exceeds its whole (sugars > carbohydrates, saturated fat >
    fat), one of the two is wrong and nothing says which: both become missing."""
    result = products.copy()
    counts = {}
    for pair in parts:
        part, whole = pair["part"], pair["whole"]
        conflict = result[part] > result[whole]
        result.loc[conflict, [part, whole]] = np.nan
        counts[f"{part} > {whole}"] = int(conflict.sum())
    return result, _step(
        "resolve_part_whole_conflicts",
        "part above its whole -> both missing",
        products,
        result,
        values_set_missing=2 * sum(counts.values()),
        detail=_counts(counts),
    )


def drop_macro_sum_violations(
    products: pd.DataFrame, macro_sum: dict[str, Any]
) -> tuple[pd.DataFrame, StepReport]:
    """Drop rows declaring more than ``max`` grams of macronutrients per 100 g
    (missing values count as zero): no single value can be blamed, the row's
    figures are per serving or mistyped."""
    columns = macro_sum["columns"]
    total = products[columns].astype(float).sum(axis=1, min_count=1)
    violation = total > macro_sum["max"]
    kept = products[~violation]
    return kept, _step(
        "drop_macro_sum_violations",
        f"{' + '.join(columns)} > {macro_sum['max']:g} g -> row dropped",
        products,
        kept,
        detail=f"{int(violation.sum())} rows above the bound",
    )


def drop_unusable_rows(
    products: pd.DataFrame, usable: dict[str, Any], group_column: str | None
) -> tuple[pd.DataFrame, StepReport]:
    """Drop rows whose nutrients are all missing or all zero: nothing to suggest.
    All-zero rows of ``keep_all_zero_groups`` (e.g. waters) are genuine and kept."""
    values = products[usable["columns"]].astype(float)
    all_missing = values.isna().all(axis=1)
    all_zero = ~all_missing & values.fillna(0.0).eq(0.0).all(axis=1)
    genuine = pd.Series(False, index=products.index)
    keep_groups = usable.get("keep_all_zero_groups") or []
    if keep_groups and group_column:
        genuine = all_zero & products[group_column].isin(keep_groups)
    dropped = all_missing | (all_zero & ~genuine)
    kept = products[~dropped]
    return kept, _step(
        "drop_unusable_rows",
        "every nutrient missing or zero -> row dropped",
        products,
        kept,
        detail=_counts(
            {
                "all missing": int(all_missing.sum()),
                "all zero": int((all_zero & ~genuine).sum()),
                f"all zero kept ({', '.join(keep_groups)})": int(genuine.sum()),
            }
        ),
    )


def duplicate_keys(products: pd.DataFrame, duplicates: dict[str, Any]) -> pd.DataFrame:
    """The key columns that identify a product, trimmed and, unless
    ``ignore_case: false``, case-folded; rows with a missing key part get NaN."""
    keys = products[duplicates["keys"]].astype("str")
    for column in keys:
        text = keys[column].str.strip().str.replace(r"\s+", " ", regex=True)
        if duplicates.get("ignore_case", True):
            text = text.str.casefold()
        keys[column] = text.where(text != "")
    return keys


def drop_duplicate_products(
    products: pd.DataFrame, duplicates: dict[str, Any]
) -> tuple[pd.DataFrame, StepReport]:
    """Products entered several times (same key, e.g. name and brand) keep their
    most complete row (most non-missing values; the first on ties). Rows with an
    incomplete key are never duplicates."""
    keys = duplicate_keys(products, duplicates).reset_index(drop=True)
    key_columns = list(keys.columns)
    order = keys.assign(
        _position=np.arange(len(products)),
        _completeness=products.notna().sum(axis=1).to_numpy(),
    )
    ranked = order[keys.notna().all(axis=1)].sort_values(
        [*key_columns, "_completeness", "_position"],
        ascending=[True] * len(key_columns) + [False, True],
    )
    surplus = ranked.duplicated(subset=key_columns, keep="first")
    keep = np.ones(len(products), dtype=bool)
    keep[ranked.loc[surplus, "_position"].to_numpy()] = False
    kept = products[keep]
    involved = ranked[ranked.duplicated(subset=key_columns, keep=False)]
    return kept, _step(
        "drop_duplicate_products",
        f"same {' + '.join(key_columns)} -> keep the most complete row",
        products,
        kept,
        detail=_counts(
            {
                "products entered more than once": int(
                    len(involved.drop_duplicates(key_columns))
                ),
                "rows involved": len(involved),
                "surplus rows dropped": int(surplus.sum()),
                "rows identical in every column": int(products.duplicated().sum()),
            }
        ),
    )


def drop_sparse_columns(
    products: pd.DataFrame, sparse_columns: dict[str, Any]
) -> tuple[pd.DataFrame, StepReport]:
    """Drop columns missing in more than ``max_missing_share`` of the rows (except
    ``keep``): imputing nearly a whole column would invent it."""
    shares = products.isna().mean()
    keep = set(sparse_columns.get("keep") or [])
    sparse = [
        c
        for c in products.columns
        if shares[c] > sparse_columns["max_missing_share"] and c not in keep
    ]
    result = products.drop(columns=sparse)
    return result, _step(
        "drop_sparse_columns",
        f"more than {sparse_columns['max_missing_share']:.0%} missing -> column dropped",
        products,
        result,
        detail="; ".join(f"{c} ({shares[c]:.1%} missing)" for c in sparse)
        or "no column above the threshold",
    )


def _numeric_bounds(
    bounds: dict[str, dict[str, float]],
) -> dict[str, tuple[float, float]]:
    """``{column: (low, high)}`` from ``{column: {ge/gt: low, le/lt: high}}``."""
    result = {}
    for column, spec in bounds.items():
        low = spec.get("ge", spec.get("gt"))
        high = spec.get("le", spec.get("lt"))
        result[column] = (
            -np.inf if low is None else float(low),
            np.inf if high is None else float(high),
        )
    return result


def impute_missing_values(
    products: pd.DataFrame,
    imputation: dict[str, Any],
    group_column: str | None,
    bounds: dict[str, dict[str, float]],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, StepReport]:
    """Impute each column with its configured method and reason (see
    ``imputation.py``); columns configured with ``none`` stay missing.

    Returns the cleaned table, the mask of imputed cells, the per-column
    imputation report and the step report.
    """
    columns = imputation["columns"]
    cleaned, imputed, fixes = impute(
        products,
        columns,
        imputation,
        group_column,
        _numeric_bounds(bounds),
        seed,
    )
    rows = []
    for column, spec in columns.items():
        if column not in products:
            continue
        missing = int(products[column].isna().sum())
        filled = int(imputed[column].sum()) if column in imputed else 0
        rows.append(
            {
                "column": column,
                "method": spec["method"],
                "missing_before": missing,
                "missing_share_before": missing / len(products) if len(products) else 0,
                "imputed": filled,
                "still_missing": int(cleaned[column].isna().sum()),
                "reason": spec.get("reason", ""),
            }
        )
    report = pd.DataFrame(rows)
    step = _step(
        "impute_missing_values",
        "per-column methods (see imputation report)",
        products,
        cleaned,
        values_imputed=int(report["imputed"].sum()) if len(report) else 0,
        detail=_counts(fixes),
    )
    return (
        cleaned.reset_index(drop=True),
        imputed.reset_index(drop=True),
        report,
        step,
    )


def check_imputation(
    products: pd.DataFrame,
    imputation: dict[str, Any],
    group_column: str | None,
    bounds: dict[str, dict[str, float]],
    seed: int,
) -> pd.DataFrame:
    """Evidence for each column's method: its error on known values hidden on
    purpose, next to the group-median and overall-median baselines."""
    table = holdout_check(
        products,
        imputation["columns"],
        imputation,
        group_column,
        _numeric_bounds(bounds),
        seed,
    )
    for _, row in table.iterrows():
        logger.info(
            "Imputation check %s (%s): MAE %.3g vs %.3g for the group median.",
            row["column"],
            row["method"],
            row["mae_method"],
            row["mae_group_median"],
        )
    return table


def build_cleaning_report(*steps: StepReport) -> pd.DataFrame:
    """The steps' reports, in order, as one table."""
    return pd.DataFrame(list(steps), columns=list(REPORT_COLUMNS))
