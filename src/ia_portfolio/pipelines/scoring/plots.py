"""Figures of the ``scoring`` pipeline: candidates' curves, the cost of each
decision threshold, and the SHAP explanations, each with a title and labelled
axes."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

from ia_portfolio.pipelines.scoring.costs import cost_by_threshold, trivial_policy_costs
from ia_portfolio.pipelines.scoring.model import CreditScoringModel
from ia_portfolio.reporting import new_figure, readable


def plot_roc_pr_curves(
    test_predictions: pd.DataFrame, chosen: str, **cv_results: dict[str, Any]
) -> Figure:
    """ROC and precision-recall curves: every candidate on validation folds, and the
    chosen model on the held-out test split."""
    figure = Figure(figsize=(13, 5.5), layout="constrained")
    roc_axes, pr_axes = figure.subplots(1, 2)
    for name, result in cv_results.items():
        label = f"{name} (cross-validated)"
        RocCurveDisplay.from_predictions(
            result["labels"], result["oof_proba"], name=label, ax=roc_axes
        )
        PrecisionRecallDisplay.from_predictions(
            result["labels"], result["oof_proba"], name=label, ax=pr_axes
        )
    test_label = f"{chosen} (held-out test)"
    test_style = {"linestyle": "--", "color": "black"}
    y_test, proba = test_predictions["default"], test_predictions["probability"]
    RocCurveDisplay.from_predictions(
        y_test, proba, name=test_label, ax=roc_axes, curve_kwargs=test_style
    )
    PrecisionRecallDisplay.from_predictions(
        y_test, proba, name=test_label, ax=pr_axes, curve_kwargs=test_style
    )
    roc_axes.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="chance")
    pr_axes.axhline(y_test.mean(), color="grey", linewidth=0.8, label="default rate")
    roc_axes.set(
        title="ROC curve: ranking of defaulters",
        xlabel="False positive rate (good applicants refused)",
        ylabel="True positive rate (defaulters caught)",
    )
    pr_axes.set(
        title="Precision-recall curve of the default class",
        xlabel="Recall (share of defaulters caught)",
        ylabel="Precision (share of refusals that are defaulters)",
    )
    for axes in (roc_axes, pr_axes):
        axes.legend(loc="best", fontsize="small")
        axes.grid(alpha=0.3)
    return figure


def plot_cost_vs_threshold(
    test_predictions: pd.DataFrame,
    chosen: str,
    model: CreditScoringModel,
    cost: dict[str, float],
    **cv_results: dict[str, Any],
) -> Figure:
    """Business cost per applicant against the decision threshold, on validation
    folds and on the test split, with the two trivial policies for reference."""
    figure, axes = new_figure(
        f"Business cost of the {chosen} decision rule "
        f"(missed default = {cost['false_negative']:g}, refused good = "
        f"{cost['false_positive']:g})",
        "Decision threshold (refuse when probability of default ≥ threshold)",
        "Cost per applicant (units of one refused good applicant)",
    )
    curves = {
        "validation folds": (
            cv_results[chosen]["labels"],
            cv_results[chosen]["oof_proba"],
        ),
        "held-out test": (test_predictions["default"], test_predictions["probability"]),
    }
    for label, (y_true, proba) in curves.items():
        thresholds, costs = cost_by_threshold(
            y_true, proba, cost["false_negative"], cost["false_positive"]
        )
        axes.plot(thresholds, costs / len(y_true), label=label)
    trivial = trivial_policy_costs(
        test_predictions["default"], cost["false_negative"], cost["false_positive"]
    )
    n_test = len(test_predictions)
    axes.axhline(
        trivial["grant_all"] / n_test,
        color="tab:red",
        linestyle=":",
        label="grant everyone (test)",
    )
    axes.axhline(
        trivial["refuse_all"] / n_test,
        color="tab:purple",
        linestyle=":",
        label="refuse everyone (test)",
    )
    threshold = model.threshold
    axes.axvline(
        threshold,
        color="black",
        linestyle="--",
        label=f"chosen threshold {threshold:.3f}",
    )
    axes.set_xlim(0, min(1.0, max(0.5, 3 * threshold)))
    axes.legend(loc="best")
    return figure


def _field_label(field: str, dictionary: dict[str, Any] | None) -> str:
    """The human name, then the code: 'Personal finance inquiries (inq_fi)'."""
    name = readable(field, (dictionary or {}).get("fields"))
    return field if name == field else f"{name} ({field})"


def plot_global_importance(
    importance: pd.DataFrame,
    model_name: str,
    n_applicants: int,
    dictionary: dict[str, Any] | None = None,
) -> Figure:
    """The 15 fields with the largest mean absolute SHAP contribution, by their
    names in ``dictionary``."""
    top = importance.head(15).iloc[::-1]
    figure, axes = new_figure(
        f"Which fields drive the {model_name} score (SHAP, {n_applicants} test applicants)",
        "Mean |contribution| to the default score (log-odds)",
        "Applicant field",
        size=(11, 6),
    )
    axes.barh(
        [_field_label(field, dictionary) for field in top["field"]],
        top["mean_abs_contribution"],
        color="tab:blue",
        label="mean |SHAP value|",
    )
    axes.legend(loc="lower right")
    return figure


def plot_applicant_reasons(
    picks: pd.DataFrame,
    reasons: list[list[dict[str, Any]]],
    dictionary: dict[str, Any] | None = None,
) -> Figure:
    """One bar chart per picked applicant (``picks``: rows of the test
    predictions): the contribution of each of its top reasons, fields and values
    by their names in ``dictionary``."""
    fields = (dictionary or {}).get("fields")
    values_names = (dictionary or {}).get("values")
    figure = Figure(figsize=(11, 2.6 * len(picks)), layout="constrained")
    for axes, (_, pick), applicant_reasons in zip(
        figure.subplots(len(picks), 1, squeeze=False)[:, 0],
        picks.iterrows(),
        reasons,
        strict=True,
    ):
        labels = [
            f"{readable(r['field'], fields)} = "
            f"{readable(_short(r['value']), values_names)}"
            for r in applicant_reasons
        ]
        values = [r["contribution"] for r in applicant_reasons]
        colors = ["tab:red" if v > 0 else "tab:green" for v in values]
        axes.barh(labels[::-1], values[::-1], color=colors[::-1])
        axes.axvline(0, color="black", linewidth=0.8)
        axes.set_title(
            f"Applicant {pick['applicant']}: {pick['probability']:.1%} risk of "
            f"default -> {pick['decision']}",
            loc="left",
        )
        axes.set_xlabel("Contribution to the default score (log-odds)")
    figure.suptitle(
        "Why these decisions? Top reasons per applicant "
        "(red raises the risk of default, green lowers it)"
    )
    return figure


def _short(value: Any) -> str:
    """A field's value as a reader writes it: 42,000 and 0.2711, not 4.2e+04."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)
