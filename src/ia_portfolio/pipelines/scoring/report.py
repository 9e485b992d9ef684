"""``metrics.json``, MLflow metrics and the markdown report (model card) of the
``scoring`` pipeline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.pipelines.scoring.costs import DECISION_METRICS, trivial_policy_costs
from ia_portfolio.reporting import md_code, readable
from ia_portfolio.tracking import MlflowMetrics, mlflow_metrics

REPORT_TEMPLATE = """\
# Model card: credit default scoring

## Purpose
Estimate the probability that an applicant defaults, refuse when it reaches a
threshold that minimises the lender's cost (a granted defaulter costs
{false_negative_cost:g}, a refused good applicant {false_positive_cost:g}),
and explain each decision field by field.

## Data
Target column `{target}`, positive (default) label `{positive_label}`.
{n_train} applicants for training and validation, {n_test} held out for one final test.
Derived features: {derived_features}.

## Method
Candidates from a constant (dummy) baseline to logistic regression and LightGBM,
each tuned with Optuna on stratified cross-validated ROC AUC, with preprocessing
fitted inside the training folds and class weights searched for the imbalance.
Candidates are ranked by cross-validated business cost at the threshold that
minimises it on out-of-fold predictions (candidate costs are summed over all
{n_train} training applicants); the winner is refitted on the training split and
evaluated once on the held-out split with that threshold. Probabilities are
Platt-calibrated on the out-of-fold scores (class weights inflate raw scores), so
they match observed default rates; with calibrated probabilities the cost-optimal
threshold is close to {false_positive_cost:g} / ({false_positive_cost:g} + {false_negative_cost:g}) = {cost_optimal_threshold:.3f}.

## Chosen model: `{chosen_model}`
| held-out test | value |
| --- | --- |
| ROC AUC | {roc_auc:.4f} |
| PR AUC (default class) | {pr_auc:.4f} |
| F2 (default class) | {fbeta2:.4f} |
| business cost | {business_cost:.0f} ({business_cost_per_applicant:.4f} per applicant) |
| threshold | {threshold:.3f} |
| grant everyone | {grant_all:.0f} |
| refuse everyone | {refuse_all:.0f} |
| saving vs the better trivial policy | {saving:.1%} |

## Candidates (cross-validated on the training split)
{candidates_table}

## Most influential fields (mean |SHAP| on test applicants)
{importance_table}

## Limits
- Figures come from one held-out split; expect a few points of variation.
- The threshold is tuned for the cost ratio above; another ratio needs a rerun.
- Explanations are SHAP contributions in log-odds of the model, not causes.
- Past acceptance decisions shape the training data (no rejected applicants).
"""

CANDIDATE_COLUMNS = ["candidate", *DECISION_METRICS]
# Column headers of the model card's tables, as a reader says them.
HEADERS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "fbeta2": "F2",
    "business_cost": "business cost",
    "business_cost_per_applicant": "cost per applicant",
    "mean_abs_contribution": "mean absolute SHAP (log-odds)",
}


def build_metrics(
    chosen: str,
    test_metrics: dict[str, float],
    comparison: pd.DataFrame,
    y_test: pd.Series,
    cost: dict[str, float],
) -> tuple[dict[str, Any], MlflowMetrics]:
    """``metrics.json`` content, and the same figures flattened for MLflow."""
    metric_names = list(test_metrics)
    candidates = {
        row["candidate"]: {name: float(row[name]) for name in metric_names}
        for row in comparison.to_dict(orient="records")
    }
    metrics = {
        "chosen_model": chosen,
        "test": test_metrics,
        "candidates": candidates,
        "trivial_policies": trivial_policy_costs(
            y_test, cost["false_negative"], cost["false_positive"]
        ),
    }
    flat = {f"test_{k}": v for k, v in test_metrics.items()}
    # Every candidate's figures are in its own nested run; here the chosen one's.
    flat.update({f"cv_{k}": v for k, v in candidates[chosen].items()})
    flat.update({f"test_{k}_cost": v for k, v in metrics["trivial_policies"].items()})
    return metrics, mlflow_metrics(flat)


def write_report(
    metrics: dict[str, Any],
    comparison: pd.DataFrame,
    importance: pd.DataFrame,
    data: dict[str, Any],
    cost: dict[str, float],
    y_train: pd.Series,
    y_test: pd.Series,
) -> str:
    """The model card in markdown: purpose, data, method, figures, limits."""
    test = metrics["test"]
    trivial = metrics["trivial_policies"]
    better_trivial = min(trivial.values())
    false_negative, false_positive = cost["false_negative"], cost["false_positive"]
    fields = data.get("dictionary", {}).get("fields")
    derived = [
        f"{md_code(ratio['name'])} ({readable(ratio['name'], fields)})"
        if readable(ratio["name"], fields) != ratio["name"]
        else md_code(ratio["name"])
        for ratio in data.get("ratios", [])
    ]
    candidates = comparison[CANDIDATE_COLUMNS].assign(
        candidate=comparison["candidate"].map(md_code)
    )
    top_fields = importance.head(10)
    top_fields = pd.DataFrame(
        {
            "field": top_fields["field"].map(md_code),
            "meaning": [readable(field, fields) for field in top_fields["field"]],
            **{c: top_fields[c] for c in top_fields.columns if c != "field"},
        }
    )
    return REPORT_TEMPLATE.format(
        false_negative_cost=false_negative,
        false_positive_cost=false_positive,
        cost_optimal_threshold=false_positive / (false_positive + false_negative),
        target=data["target"],
        positive_label=data["positive_label"],
        n_train=len(y_train),
        n_test=len(y_test),
        derived_features=", ".join(derived) or "none",
        chosen_model=metrics["chosen_model"],
        roc_auc=test["roc_auc"],
        pr_auc=test["pr_auc"],
        fbeta2=test["fbeta2"],
        business_cost=test["business_cost"],
        business_cost_per_applicant=test["business_cost_per_applicant"],
        threshold=test["threshold"],
        grant_all=trivial["grant_all"],
        refuse_all=trivial["refuse_all"],
        saving=1 - test["business_cost"] / better_trivial if better_trivial else 0.0,
        candidates_table=candidates.rename(columns=HEADERS).to_markdown(
            index=False, floatfmt=".4f"
        ),
        importance_table=top_fields.rename(columns=HEADERS).to_markdown(
            index=False, floatfmt=".4f"
        ),
    )
