"""``metrics.json``, MLflow metrics and the markdown report of the
``public_health`` pipeline."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

REPORT_TEMPLATE = """\
# Open Food Facts: cleaning and analysis for a nutrition auto-completion app

**Data:** {description}.

## What was done
The raw table had {rows_raw:,} products and {columns_raw}
columns; the cleaned table (`cleaned_products.parquet`) has {rows_cleaned:,}
products and {columns_cleaned} columns. Every rule is a tested function; each
step's counts are in `cleaning_report.csv`.

{steps_table}

### Missing values, column by column
{imputation_table}

How well each method does, on known values hidden on purpose and imputed again
(mean absolute error, in the column's unit; `imputation_check.csv`):

{imputation_check_table}

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

{outlier_table}

## What the nutrients say
Plots: `distributions.png` and `group_counts.png` (one variable at a
time), `nutrients_by_group.png`, `correlation.png` and `hexbin.png`
(two at a time), `pca_*.png`, `anova_effect_sizes.png`, and the interactive
`nutrient_explorer.json`.

### Principal components
{kaiser} components have an eigenvalue above 1 (Kaiser rule); the first two carry
{first_two:.0%} of the variance of the standardised nutrients (`pca_scree.png`,
`pca_correlation_circle.png`, `pca_projection.png`).

{component_lines}

### Nutrients by food group (one-way ANOVA)
{strongest_effects} Effect sizes: eta² ≥ 0.14 large, ≥ 0.06 medium, ≥ 0.01 small.
Welch's F (unequal variances) and the Kruskal-Wallis epsilon² (ranks, for skewed
nutrients) check that the conclusion does not hang on the ANOVA's assumptions.

{anova_table}

{group_leaders}

## Limits
- Nutrition facts are what contributors typed; the rules catch impossible values,
  not plausible mistakes.
- Imputed values are estimates (method per column above); the application should
  show them as such.
- Products without a food group stay in the table but are left out of the group
  comparisons.
"""

STEP_COLUMNS = [
    "step",
    "rows_before",
    "rows_after",
    "columns_after",
    "values_set_missing",
    "values_imputed",
    "detail",
]
IMPUTATION_COLUMNS = [
    "column",
    "method",
    "missing_before",
    "imputed",
    "still_missing",
    "reason",
]
ANOVA_COLUMNS = [
    "nutrient",
    "n",
    "groups",
    "f_statistic",
    "p_value",
    "welch_f",
    "eta_squared",
    "omega_squared",
    "effect",
    "epsilon_squared",
]


def build_metrics(
    cleaning_report: pd.DataFrame,
    pca_variance: pd.DataFrame,
    anova_table: pd.DataFrame,
) -> tuple[dict[str, float | None], MlflowMetrics]:
    """Headline figures (``metrics.json``, non-finite ones as null) and the same
    for MLflow: rows after each step, variance explained by the first two
    components, eta² per nutrient."""
    figures = {
        f"rows_after_{row['step']}": float(row["rows_after"])
        for _, row in cleaning_report.iterrows()
    }
    figures["rows_raw"] = float(cleaning_report["rows_before"].iloc[0])
    figures["values_imputed"] = float(cleaning_report["values_imputed"].sum())
    for i in range(min(2, len(pca_variance))):
        figures[f"pca_explained_pc{i + 1}"] = float(
            pca_variance["explained_variance"].iloc[i]
        )
    for _, row in anova_table.iterrows():
        name = re.sub(r"[^0-9a-zA-Z_]", "_", row["nutrient"])
        figures[f"eta_squared_{name}"] = float(row["eta_squared"])
    metrics = {k: v if math.isfinite(v) else None for k, v in figures.items()}
    return metrics, mlflow_metrics(metrics)


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


def _strongest_effects(anova_table: pd.DataFrame, analysis: dict[str, Any]) -> str:
    """The largest and smallest share of a nutrient's variance the food group
    explains."""
    if not len(anova_table):
        return "No nutrient had two food groups to compare."
    first, last = anova_table.iloc[0], anova_table.iloc[-1]
    return (
        f"The food group explains {first['eta_squared']:.0%} of the variance of "
        f"{_name(analysis, first['nutrient'])} and {last['eta_squared']:.0%} of "
        f"that of {_name(analysis, last['nutrient'])} (eta²)."
    )


def _group_leaders(
    anova_table: pd.DataFrame, group_means: pd.DataFrame, analysis: dict[str, Any]
) -> list[str]:
    """For the four nutrients the food group explains best: the groups with the
    highest and lowest median."""
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
    return leaders


def write_report(
    cleaning_report: pd.DataFrame,
    imputation_report: pd.DataFrame,
    imputation_check: pd.DataFrame,
    outlier_summary: pd.DataFrame,
    pca_variance: pd.DataFrame,
    pca_loadings: pd.DataFrame,
    pca_projection: pd.DataFrame,
    anova_table: pd.DataFrame,
    group_means: pd.DataFrame,
    data: dict[str, Any],
    analysis: dict[str, Any],
) -> str:
    """The report in markdown, for a non-specialist: the data, what cleaning did,
    and what the nutrients say about food groups."""
    first, last = cleaning_report.iloc[0], cleaning_report.iloc[-1]
    components = describe_components(
        pca_variance, pca_loadings, pca_projection, data["groups"]["column"], analysis
    )
    return REPORT_TEMPLATE.format(
        description=data["description"],
        rows_raw=first["rows_before"],
        columns_raw=first["columns_before"],
        rows_cleaned=last["rows_after"],
        columns_cleaned=last["columns_after"],
        steps_table=_table(cleaning_report[STEP_COLUMNS]),
        imputation_table=_table(imputation_report[IMPUTATION_COLUMNS]),
        imputation_check_table=_table(imputation_check),
        outlier_table=_table(outlier_summary),
        kaiser=int((pca_variance["eigenvalue"] >= 1).sum()),
        first_two=pca_variance["cumulative_variance"].iloc[
            min(1, len(pca_variance) - 1)
        ],
        component_lines="\n".join(components),
        strongest_effects=_strongest_effects(anova_table, analysis),
        anova_table=_table(anova_table[ANOVA_COLUMNS]),
        group_leaders="\n".join(_group_leaders(anova_table, group_means, analysis)),
    )
