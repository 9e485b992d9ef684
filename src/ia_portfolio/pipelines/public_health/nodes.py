"""Nodes of the ``public_health`` pipeline: cleaning rules, then analysis.

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
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from ia_portfolio.outliers import domain_violations, flag_outliers
from ia_portfolio.pipelines.public_health.imputation import holdout_check, impute
from ia_portfolio.profiling import column_statistics

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


# --- cleaning ---------------------------------------------------------------------


def select_columns(
    raw: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, StepReport]:
    """Keep the columns the application needs, in the given order."""
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise KeyError(
            f"The raw products table (public_health.raw_products) lacks column(s) "
            f"{missing} listed in parameter public_health.columns."
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


# --- analysis ---------------------------------------------------------------------


def describe_columns(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Per-column statistics of the cleaned table."""
    return column_statistics(cleaned)


def summarise_outliers(
    cleaned: pd.DataFrame,
    outlier_rules: dict[str, dict[str, Any]],
    group_column: str | None,
) -> pd.DataFrame:
    """How many values the statistical rules (IQR fences, robust z-score, within
    each food group) flag per nutrient. They are reported, not removed: after the
    physical rules, an unusual value (100 g of fat in an oil) is a real product."""
    usable = {c: r for c, r in outlier_rules.items() if c in cleaned}
    flagged = flag_outliers(cleaned, usable, group_by=group_column)
    rows = []
    for column, rules in usable.items():
        values = cleaned[column]
        mine = flagged[flagged["column"] == column]
        row = {"column": column, "values": int(values.notna().sum())}
        for rule in rules:
            count = int(mine[rule].sum()) if len(mine) else 0
            row[f"{rule}_flagged"] = count
            row[f"{rule}_share"] = count / row["values"] if row["values"] else 0.0
        row["treatment"] = "kept (plausible after the physical rules)"
        rows.append(row)
    return pd.DataFrame(rows)


def _group_rows(
    cleaned: pd.DataFrame, group_column: str, columns: list[str]
) -> pd.DataFrame:
    return cleaned.loc[cleaned[group_column].notna(), [group_column, *columns]]


def compute_pca(
    cleaned: pd.DataFrame, analysis: dict[str, Any], group_column: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PCA of the standardised nutrients of every cleaned product.

    Returns the variance table (eigenvalue, explained and cumulative share per
    component), the variable-component correlations (for the correlation circle)
    and the coordinates of a stratified sample of products (for the projection).
    """
    columns = [c for c in analysis["pca_columns"] if c in cleaned]
    complete = cleaned.dropna(subset=columns)
    scaled = StandardScaler().fit_transform(complete[columns])
    pca = PCA(random_state=seed).fit(scaled)
    components = [f"PC{i + 1}" for i in range(pca.n_components_)]
    # Eigenvalues of the correlation matrix (sklearn divides by n - 1, the
    # standardisation by n); they sum to the number of variables.
    eigenvalues = pca.explained_variance_ * (len(scaled) - 1) / len(scaled)
    variance = pd.DataFrame(
        {
            "component": components,
            "eigenvalue": eigenvalues,
            "explained_variance": pca.explained_variance_ratio_,
            "cumulative_variance": np.cumsum(pca.explained_variance_ratio_),
        }
    )
    correlations = pca.components_.T * np.sqrt(eigenvalues)
    loadings = pd.DataFrame(correlations, columns=components).assign(variable=columns)[
        ["variable", *components]
    ]
    scores = pd.DataFrame(
        pca.transform(scaled)[:, :4], index=complete.index, columns=components[:4]
    )
    sample = _stratified_sample(
        complete, group_column, analysis["projection_sample_size"], seed
    )
    keep = [c for c in ("product_name", "brands", group_column) if c in complete]
    projection = scores.loc[sample.index].join(complete.loc[sample.index, keep])
    logger.info(
        "PCA on %d products: PC1 %.1f %%, PC2 %.1f %% of the variance.",
        len(complete),
        100 * variance["explained_variance"].iloc[0],
        100 * variance["explained_variance"].iloc[1],
    )
    return variance, loadings, projection.reset_index(drop=True)


def _stratified_sample(
    frame: pd.DataFrame, group_column: str, size: int, seed: int
) -> pd.DataFrame:
    """About ``size`` rows with the groups in their proportions (rows without a
    group included)."""
    if len(frame) <= size:
        return frame
    share = size / len(frame)
    keys = frame[group_column].fillna("(no group)")
    parts = [
        rows.sample(max(1, round(share * len(rows))), random_state=seed)
        for _, rows in frame.groupby(keys, sort=True)
    ]
    return pd.concat(parts)


def anova_by_group(
    cleaned: pd.DataFrame,
    imputed_cells: pd.DataFrame,
    analysis: dict[str, Any],
    group_column: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-way ANOVA of each nutrient by food group, on observed values only
    (imputed values, drawn towards group centres, would inflate the effect).

    Per nutrient: classic F and p, Welch's F and p (unequal variances), eta² and
    omega² (share of variance explained by the group), Kruskal-Wallis H, p and
    epsilon² (rank-based, for skewed nutrients). Also the mean and median of each
    nutrient per group.
    """
    min_size = analysis.get("min_group_size", 30)
    imputed = imputed_cells.set_axis(cleaned.index)
    rows, profiles = [], []
    for column in [c for c in analysis["anova_columns"] if c in cleaned]:
        observed = cleaned[column]
        if column in imputed:
            observed = observed.mask(imputed[column])
        data = pd.DataFrame(
            {"group": cleaned[group_column], "value": observed}
        ).dropna()
        sizes = data["group"].value_counts()
        data = data[data["group"].isin(sizes[sizes >= min_size].index)]
        samples = [g["value"].to_numpy() for _, g in data.groupby("group")]
        if len(samples) < 2:
            logger.warning("ANOVA of %s skipped: fewer than 2 groups.", column)
            continue
        rows.append({"nutrient": column, **_anova(samples)})
        summary = data.groupby("group")["value"].agg(["count", "mean", "median"])
        profiles.append(summary.reset_index().assign(nutrient=column))
    table = pd.DataFrame(rows).sort_values("eta_squared", ascending=False)
    means = pd.concat(profiles, ignore_index=True)[
        ["nutrient", "group", "count", "mean", "median"]
    ]
    return table.reset_index(drop=True), means


def effect_size_label(eta_squared: float) -> str:
    """Cohen's conventional reading of eta²: 0.01 small, 0.06 medium, 0.14 large."""
    if eta_squared >= 0.14:
        return "large"
    if eta_squared >= 0.06:
        return "medium"
    if eta_squared >= 0.01:
        return "small"
    return "negligible"


def _anova(samples: list[np.ndarray]) -> dict[str, float]:
    """F tests and effect sizes of one-way ANOVA over ``samples``."""
    values = np.concatenate(samples)
    n, k = len(values), len(samples)
    grand = values.mean()
    ss_between = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ss_total = ((values - grand) ** 2).sum()
    ss_within = ss_total - ss_between
    ms_within = ss_within / (n - k)
    eta = ss_between / ss_total if ss_total > 0 else np.nan
    omega = (ss_between - (k - 1) * ms_within) / (ss_total + ms_within)
    classic = stats.f_oneway(*samples)
    welch = stats.f_oneway(*samples, equal_var=False)
    kruskal = stats.kruskal(*samples)
    return {
        "n": n,
        "groups": k,
        "f_statistic": float(classic.statistic),
        "p_value": float(classic.pvalue),
        "welch_f": float(welch.statistic),
        "welch_p_value": float(welch.pvalue),
        "eta_squared": float(eta),
        "omega_squared": float(omega),
        "effect": effect_size_label(eta),
        "kruskal_h": float(kruskal.statistic),
        "kruskal_p_value": float(kruskal.pvalue),
        "epsilon_squared": float((kruskal.statistic - k + 1) / (n - k)),
    }


def build_metrics(
    cleaning_report: pd.DataFrame,
    pca_variance: pd.DataFrame,
    anova_table: pd.DataFrame,
) -> dict[str, dict[str, float]]:
    """Headline figures for MLflow: rows after each step, variance explained by
    the first two components, eta² per nutrient."""
    metrics = {
        f"rows_after_{row['step']}": float(row["rows_after"])
        for _, row in cleaning_report.iterrows()
    }
    metrics["rows_raw"] = float(cleaning_report["rows_before"].iloc[0])
    metrics["values_imputed"] = float(cleaning_report["values_imputed"].sum())
    for i in range(min(2, len(pca_variance))):
        metrics[f"pca_explained_pc{i + 1}"] = float(
            pca_variance["explained_variance"].iloc[i]
        )
    for _, row in anova_table.iterrows():
        name = re.sub(r"[^0-9a-zA-Z_]", "_", row["nutrient"])
        metrics[f"eta_squared_{name}"] = float(row["eta_squared"])
    return {k: {"value": v, "step": 0} for k, v in metrics.items() if np.isfinite(v)}


def _table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    return frame.fillna("").to_markdown(index=False, floatfmt=floatfmt)


def _name(analysis: dict[str, Any], column: str) -> str:
    return analysis.get("variables", {}).get(column, {}).get("label", column)


def describe_components(
    pca_variance: pd.DataFrame,
    pca_loadings: pd.DataFrame,
    pca_projection: pd.DataFrame,
    group_column: str,
    analysis: dict[str, Any],
    components: tuple[str, ...] = ("PC1", "PC2"),
) -> list[str]:
    """One sentence per component: its share of the variance, the nutrients most
    correlated with it, and the food groups at each end (group medians)."""
    explained = pca_variance.set_index("component")["explained_variance"]
    loadings = pca_loadings.set_index("variable")
    groups = pca_projection.dropna(subset=[group_column]).groupby(group_column)
    lines = []
    for component in [c for c in components if c in loadings]:
        strongest = loadings[component].abs().sort_values(ascending=False).index[:3]
        drivers = ", ".join(
            f"{_name(analysis, v)} ({loadings.loc[v, component]:+.2f})"
            for v in strongest
        )
        ends = groups[component].median().sort_values()
        placed = (
            f" Food groups from low to high: {', '.join(ends.index)}."
            if len(ends)
            else ""
        )
        lines.append(
            f"- **{component}** ({explained[component]:.0%} of the variance) is "
            f"driven by {drivers}.{placed}"
        )
    return lines


def write_synthesis(
    cleaning_report: pd.DataFrame,
    imputation_report: pd.DataFrame,
    imputation_check: pd.DataFrame,
    outlier_summary: pd.DataFrame,
    pca_variance: pd.DataFrame,
    pca_loadings: pd.DataFrame,
    pca_projection: pd.DataFrame,
    anova_table: pd.DataFrame,
    group_means: pd.DataFrame,
    group_column: str,
    analysis: dict[str, Any],
) -> str:
    """A markdown synthesis for a non-specialist: the data, what cleaning did,
    and what the nutrients say about food groups."""
    first, last = cleaning_report.iloc[0], cleaning_report.iloc[-1]
    steps = cleaning_report[
        ["step", "rows_before", "rows_after", "columns_after", "values_set_missing"]
        + ["values_imputed", "detail"]
    ]
    kaiser = int((pca_variance["eigenvalue"] >= 1).sum())
    two = pca_variance["cumulative_variance"].iloc[min(1, len(pca_variance) - 1)]
    components = describe_components(
        pca_variance, pca_loadings, pca_projection, group_column, analysis
    )
    leaders = []
    for nutrient in anova_table["nutrient"].head(4):
        medians = group_means[group_means["nutrient"] == nutrient].sort_values(
            "median", ascending=False
        )
        leaders.append(
            f"- {_name(analysis, nutrient)}: highest median in "
            f"*{medians['group'].iloc[0]}* ({medians['median'].iloc[0]:.3g}), lowest "
            f"in *{medians['group'].iloc[-1]}* ({medians['median'].iloc[-1]:.3g})."
        )
    strongest = (
        f"The food group explains {anova_table['eta_squared'].iloc[0]:.0%} of the "
        f"variance of {_name(analysis, anova_table['nutrient'].iloc[0])} and "
        f"{anova_table['eta_squared'].iloc[-1]:.0%} of that of "
        f"{_name(analysis, anova_table['nutrient'].iloc[-1])} (eta²)."
        if len(anova_table)
        else "No nutrient had two food groups to compare."
    )
    anova_columns = ["nutrient", "n", "groups", "f_statistic", "p_value", "welch_f"]
    anova_columns += ["eta_squared", "omega_squared", "effect", "epsilon_squared"]
    imputation_columns = ["column", "method", "missing_before", "imputed"]
    imputation_columns += ["still_missing", "reason"]
    return f"""# Open Food Facts: cleaning and analysis for a nutrition auto-completion app

**Data:** {analysis["data_label"]}.

## What was done
The raw table had {first["rows_before"]:,} products and {first["columns_before"]}
columns; the cleaned table (`cleaned_products.parquet`) has {last["rows_after"]:,}
products and {last["columns_after"]} columns. Every rule is a tested function; each
step's counts are in `cleaning_report.csv`.

{_table(steps)}

### Missing values, column by column
{_table(imputation_report[imputation_columns])}

How well each method does, on known values hidden on purpose and imputed again
(mean absolute error, in the column's unit; `imputation_check.csv`):

{_table(imputation_check)}

Imputed cells are flagged in `imputed_cells.parquet`. The ANOVA uses observed
values only (imputed ones lean towards group centres and would inflate the
effects); the PCA uses the completed table.

### Outliers
Physically impossible values (negative masses, more than 100 g per 100 g, energy
above the bound, a part above its whole, more than 100 g of macronutrients) were
treated by the rules above. Statistical rules (IQR fences and robust z-score,
within each food group) still flag the values below; they are kept, since after
the physical rules an extreme value is a real product (an oil with 100 g of fat,
a stock cube full of salt).

{_table(outlier_summary)}

## What the nutrients say
Plots: `distributions_plot.png` and `group_counts_plot.png` (one variable at a
time), `nutrients_by_group_plot.png`, `correlation_plot.png` and `hexbin_plot.png`
(two at a time), `pca_*.png`, `anova_effect_sizes_plot.png`, and the interactive
`nutrient_explorer.json`.

### Principal components
{kaiser} components have an eigenvalue above 1 (Kaiser rule); the first two carry
{two:.0%} of the variance of the standardised nutrients (`pca_scree_plot.png`,
`pca_correlation_circle.png`, `pca_projection_plot.png`).

{chr(10).join(components)}

### Nutrients by food group (one-way ANOVA)
{strongest} Effect sizes: eta² ≥ 0.14 large, ≥ 0.06 medium, ≥ 0.01 small.
Welch's F (unequal variances) and the Kruskal-Wallis epsilon² (ranks, for skewed
nutrients) check that the conclusion does not hang on the ANOVA's assumptions.

{_table(anova_table[anova_columns])}

{chr(10).join(leaders)}

## Limits
- Nutrition facts are what contributors typed; the rules catch impossible values,
  not plausible mistakes.
- Imputed values are estimates (method per column above); the application should
  show them as such.
- Products without a food group stay in the table but are left out of the group
  comparisons.
"""
