"""Nodes of the ``scoring`` pipeline."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import optuna
import pandas as pd
from matplotlib.figure import Figure
from mlflow.models import infer_signature
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)

from ia_portfolio.pipelines.scoring.costs import (
    best_threshold,
    cost_by_threshold,
    decision_metrics,
    trivial_policy_costs,
)
from ia_portfolio.pipelines.scoring.model import (
    CreditScoringModel,
    build_pipeline,
    calibrate,
    coerce_fields,
    field_constraints_of,
    field_kinds_of,
    fit_sigmoid_calibration,
    ratio_constraints_of,
)
from ia_portfolio.pipelines.scoring.serving_model import (
    ScoringModel,
    predictions_frame,
)
from ia_portfolio.promotion import ModelRelease, quality_gate
from ia_portfolio.reporting import new_figure
from ia_portfolio.tuning import suggest_params

logger = logging.getLogger(__name__)

TARGET = "default"


def prepare_applications(
    raw: pd.DataFrame, data: dict[str, Any]
) -> tuple[pd.DataFrame, pd.Series]:
    """Split a raw applications table into model fields and a 0/1 default label.

    The configured target column and positive label define ``default = 1``; the id
    column (if any) becomes the index; ``drop_columns`` are removed.
    """
    target = data["target"]
    if target not in raw.columns:
        raise KeyError(
            f"Target column '{target}' (parameter scoring.data.target) is not in the "
            f"raw applications table (scoring.raw_applications); columns are {list(raw.columns)[:10]}..."
        )
    labelled = raw[raw[target].notna()]
    if len(labelled) < len(raw):
        logger.warning("Dropped %d rows without a target.", len(raw) - len(labelled))
    labels = (labelled[target].astype(str) == str(data["positive_label"])).astype(int)
    if labels.sum() == 0:
        raise ValueError(
            f"Positive label {data['positive_label']!r} (parameter "
            f"scoring.data.positive_label) never occurs in column '{target}'; values "
            f"are {sorted(labelled[target].astype(str).unique())[:10]}."
        )
    id_column = data.get("id_column")
    excluded = {target, id_column, *data.get("drop_columns", [])}
    features = labelled.drop(columns=[c for c in excluded if c in labelled.columns])
    features = coerce_fields(features, field_kinds_of(features))
    if id_column:
        features.index = pd.Index(labelled[id_column], name=id_column)
    labels.index = features.index
    logger.info(
        "%d applicants, %d fields, %.2f %% defaults.",
        len(features),
        features.shape[1],
        100 * labels.mean(),
    )
    return features, labels.rename(TARGET)


def split_train_test(
    features: pd.DataFrame, labels: pd.Series, split: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Stratified hold-out split; the test part is used once, at the very end."""
    x_train, x_test, y_train, y_test = train_test_split(
        features,
        labels,
        test_size=split["test_size"],
        stratify=labels,
        random_state=split["seed"],
    )
    return x_train, x_test, y_train, y_test


def _folds(cv: dict[str, Any]) -> StratifiedKFold:
    return StratifiedKFold(
        n_splits=cv["n_splits"], shuffle=True, random_state=cv["seed"]
    )


def tune_candidate(
    x_train: pd.DataFrame,
    y_train: pd.Series,
    candidate: dict[str, Any],
    data: dict[str, Any],
    cv: dict[str, Any],
    tuning: dict[str, Any],
) -> optuna.Study:
    """Optuna search of a candidate's hyperparameters, maximising CV ROC AUC.

    Preprocessing is part of the evaluated pipeline, so it is fitted inside each
    training fold only. On large tables the search may run on a stratified sample
    of ``tuning.max_rows`` applicants; the chosen values are then cross-validated
    and refitted on the whole training split.
    """
    search_space = candidate.get("search_space") or {}
    max_rows = tuning.get("max_rows")
    if max_rows and len(x_train) > max_rows:
        x_train, _, y_train, _ = train_test_split(
            x_train,
            y_train,
            train_size=max_rows,
            stratify=y_train,
            random_state=tuning["seed"],
        )
        logger.info("Tuning on a stratified sample of %d applicants.", max_rows)

    def objective(trial: optuna.Trial) -> float:
        params = {**candidate.get("fixed", {}), **suggest_params(trial, search_space)}
        pipeline = build_pipeline(candidate["kind"], params, data, tuning["seed"])
        scores = cross_val_score(
            pipeline, x_train, y_train, cv=_folds(cv), scoring="roc_auc"
        )
        return float(scores.mean())

    study = optuna.create_study(
        direction="maximize",
        study_name=f"scoring_{candidate['kind']}",
        sampler=optuna.samplers.TPESampler(seed=tuning["seed"]),
    )
    study.optimize(
        objective,
        n_trials=tuning["n_trials"] if search_space else 1,
        timeout=tuning["timeout_s"],
        show_progress_bar=False,
    )
    logger.info(
        "%s: best CV ROC AUC %.4f after %d trials with %s",
        candidate["kind"],
        study.best_value,
        len(study.trials),
        study.best_params,
    )
    return study


def cross_validate_candidate(
    x_train: pd.DataFrame,
    y_train: pd.Series,
    study: optuna.Study,
    candidate: dict[str, Any],
    data: dict[str, Any],
    cv: dict[str, Any],
    cost: dict[str, float],
    seed: int,
) -> dict[str, Any]:
    """Out-of-fold probabilities of the tuned candidate (Platt-calibrated on those
    same out-of-fold scores), the threshold that minimises their business cost, and
    the cross-validated metrics at it."""
    params = {**candidate.get("fixed", {}), **study.best_params}
    pipeline = build_pipeline(candidate["kind"], params, data, seed)
    proba = cross_val_predict(
        pipeline, x_train, y_train, cv=_folds(cv), method="predict_proba"
    )[:, 1]
    calibration = fit_sigmoid_calibration(y_train.to_numpy(), proba)
    proba = calibrate(proba, calibration)
    threshold = best_threshold(
        y_train, proba, cost["false_negative"], cost["false_positive"]
    )
    metrics = decision_metrics(
        y_train, proba, threshold, cost["false_negative"], cost["false_positive"]
    )
    logger.info("%s cross-validated: %s", candidate["kind"], metrics)
    return {
        "kind": candidate["kind"],
        "params": params,
        "calibration": calibration,
        "metrics": metrics,
        "oof_proba": proba,
        "labels": y_train.to_numpy(),
    }


def compare_candidates(**cv_results: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Rank candidates by cross-validated business cost, then ROC AUC."""
    rows = [
        {"candidate": name, **result["metrics"], "params": str(result["params"])}
        for name, result in cv_results.items()
    ]
    table = pd.DataFrame(rows).sort_values(
        ["business_cost", "roc_auc"], ascending=[True, False], ignore_index=True
    )
    chosen = str(table.loc[0, "candidate"])
    logger.info("Chosen candidate: %s", chosen)
    return table, chosen


def refit_model(
    x_train: pd.DataFrame,
    y_train: pd.Series,
    chosen: str,
    data: dict[str, Any],
    seed: int,
    explainer_background_size: int,
    **cv_results: dict[str, Any],
) -> CreditScoringModel:
    """Fit the chosen candidate on the whole training split, keeping the threshold
    chosen on its validation folds, and record what that split showed of each
    field: the values the model can judge."""
    result = cv_results[chosen]
    pipeline = build_pipeline(result["kind"], result["params"], data, seed)
    pipeline.fit(x_train, y_train)
    background = pipeline[:-1].transform(
        x_train.sample(min(explainer_background_size, len(x_train)), random_state=seed)
    )
    return CreditScoringModel(
        name=chosen,
        pipeline=pipeline,
        calibration=result["calibration"],
        threshold=result["metrics"]["threshold"],
        field_kinds=field_kinds_of(x_train),
        background=background,
        field_constraints=field_constraints_of(x_train),
        ratio_constraints=ratio_constraints_of(pipeline, x_train),
    )


def evaluate_on_test(
    model: CreditScoringModel, x_test: pd.DataFrame, y_test: pd.Series, cost: dict
) -> tuple[dict[str, float], pd.DataFrame]:
    """Metrics of the refitted model on the held-out split, and its predictions."""
    proba = model.predict_proba(x_test)
    metrics = decision_metrics(
        y_test, proba, model.threshold, cost["false_negative"], cost["false_positive"]
    )
    logger.info("Held-out test: %s", metrics)
    predictions = pd.DataFrame(
        {
            "applicant": x_test.index,
            "default": y_test.to_numpy(),
            "probability": proba,
            "decision": model.decide(proba),
        }
    )
    return metrics, predictions


def build_metrics(
    chosen: str,
    test_metrics: dict[str, float],
    comparison: pd.DataFrame,
    y_test: pd.Series,
    cost: dict[str, float],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``metrics.json`` content, and the same figures flattened for MLflow."""
    metric_names = list(test_metrics)
    candidates = {
        row["candidate"]: {name: float(row[name]) for name in metric_names}
        for row in comparison.to_dict(orient="records")
    }
    report = {
        "chosen_model": chosen,
        "test": test_metrics,
        "candidates": candidates,
        "trivial_policies": trivial_policy_costs(
            y_test, cost["false_negative"], cost["false_positive"]
        ),
    }
    flat = {f"test_{k}": v for k, v in test_metrics.items()}
    for name, values in candidates.items():
        flat.update({f"cv_{name}_{k}": v for k, v in values.items()})
    flat.update({f"test_{k}_cost": v for k, v in report["trivial_policies"].items()})
    mlflow_metrics = {
        k: {"value": v, "step": 0} for k, v in flat.items() if np.isfinite(v)
    }
    return report, mlflow_metrics


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


def global_importance(
    model: CreditScoringModel, x_test: pd.DataFrame, sample_size: int, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """Mean absolute SHAP contribution of each raw field on a test sample."""
    sample = x_test.sample(min(sample_size, len(x_test)), random_state=seed)
    contributions = model.contributions(sample)
    importance = (
        contributions.abs()
        .mean()
        .sort_values(ascending=False)
        .rename("mean_abs_contribution")
        .rename_axis("field")
        .reset_index()
    )
    top = importance.head(15).iloc[::-1]
    figure, axes = new_figure(
        f"Which fields drive the {model.name} score (SHAP, {len(sample)} test applicants)",
        "Mean |contribution| to the default score (log-odds)",
        "Applicant field",
        size=(9, 6),
    )
    axes.barh(
        top["field"],
        top["mean_abs_contribution"],
        color="tab:blue",
        label="mean |SHAP value|",
    )
    axes.legend(loc="lower right")
    return importance, figure


def explain_applicants(
    model: CreditScoringModel,
    test_predictions: pd.DataFrame,
    x_test: pd.DataFrame,
    n_applicants: int,
    top_k: int,
) -> tuple[pd.DataFrame, Figure]:
    """Reasons behind the decisions for a few test applicants, from the riskiest
    to the safest, as a table and one bar chart per applicant."""
    order = np.argsort(-test_predictions["probability"].to_numpy(), kind="stable")
    positions = order[np.linspace(0, len(order) - 1, n_applicants).astype(int)]
    picks = test_predictions.iloc[positions]
    applicants = x_test.iloc[positions]
    reasons = model.reasons(applicants, top_k=top_k)
    rows = []
    figure = Figure(figsize=(9, 2.6 * n_applicants), layout="constrained")
    for axes, (_, pick), applicant_reasons in zip(
        figure.subplots(n_applicants, 1, squeeze=False)[:, 0],
        picks.iterrows(),
        reasons,
        strict=True,
    ):
        for reason in applicant_reasons:
            rows.append(
                {
                    "applicant": pick["applicant"],
                    "probability": pick["probability"],
                    "decision": pick["decision"],
                    **reason,
                }
            )
        labels = [f"{r['field']} = {_short(r['value'])}" for r in applicant_reasons]
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
    return pd.DataFrame(rows), figure


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_model_card(
    metrics: dict[str, Any],
    comparison: pd.DataFrame,
    importance: pd.DataFrame,
    data: dict[str, Any],
    cost: dict[str, float],
    y_train: pd.Series,
    y_test: pd.Series,
) -> str:
    """A markdown model card: purpose, data, method, figures, limits."""
    n_train, n_test = len(y_train), len(y_test)
    test = metrics["test"]
    trivial = metrics["trivial_policies"]
    better_trivial = min(trivial.values())
    saving = 1 - test["business_cost"] / better_trivial if better_trivial else 0.0
    columns = [
        "candidate",
        "roc_auc",
        "pr_auc",
        "fbeta2",
        "business_cost",
        "business_cost_per_applicant",
        "threshold",
    ]
    return f"""# Model card: credit default scoring

## Purpose
Estimate the probability that an applicant defaults, refuse when it reaches a
threshold that minimises the lender's cost (a granted defaulter costs
{cost["false_negative"]:g}, a refused good applicant {cost["false_positive"]:g}),
and explain each decision field by field.

## Data
Target column `{data["target"]}`, positive (default) label `{data["positive_label"]}`.
{n_train} applicants for training and validation, {n_test} held out for one final test.
Derived features: {", ".join(r["name"] for r in data.get("ratios", [])) or "none"}.

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
threshold is close to {cost["false_positive"]:g} / ({cost["false_positive"]:g} + {cost["false_negative"]:g}) = {cost["false_positive"] / (cost["false_positive"] + cost["false_negative"]):.3f}.

## Chosen model: `{metrics["chosen_model"]}`
| held-out test | value |
| --- | --- |
| ROC AUC | {test["roc_auc"]:.4f} |
| PR AUC (default class) | {test["pr_auc"]:.4f} |
| F2 (default class) | {test["fbeta2"]:.4f} |
| business cost | {test["business_cost"]:.0f} ({test["business_cost_per_applicant"]:.4f} per applicant) |
| threshold | {test["threshold"]:.3f} |
| grant everyone | {trivial["grant_all"]:.0f} |
| refuse everyone | {trivial["refuse_all"]:.0f} |
| saving vs the better trivial policy | {saving:.1%} |

## Candidates (cross-validated on the training split)
{comparison[columns].to_markdown(index=False, floatfmt=".4f")}

## Most influential fields (mean |SHAP| on test applicants)
{importance.head(10).to_markdown(index=False, floatfmt=".4f")}

## Limits
- Figures come from one held-out split; expect a few points of variation.
- The threshold is tuned for the cost ratio above; another ratio needs a rerun.
- Explanations are SHAP contributions in log-odds of the model, not causes.
- Past acceptance decisions shape the training data (no rejected applicants).
"""


def register_model(
    model: CreditScoringModel,
    x_test: pd.DataFrame,
    metrics: dict[str, Any],
    promotion: dict[str, Any],
) -> ModelRelease:
    """The model as an MLflow pyfunc release (raw fields in, calibrated probability
    and decision out, exactly as the API computes them), with the verdict of its
    quality gate: it is served only if it beats the trivial policies' cost."""
    verdict = quality_gate(metrics, promotion["gate"])
    example = x_test.head(promotion["n_example_rows"])
    test = metrics["test"]
    return ModelRelease(
        python_model=ScoringModel(model),
        signature=infer_signature(example, predictions_frame(model, example)),
        input_example=example,
        verdict=verdict,
        description=(
            f"Credit scoring: {model.name}, refuses at probability of default >= "
            f"{model.threshold:.3f}. Held-out test: ROC AUC {test['roc_auc']:.3f}, "
            f"business cost {test['business_cost']:g}. {verdict.reason}."
        ),
        tags={"candidate": model.name, "threshold": f"{model.threshold:.6f}"},
    )
