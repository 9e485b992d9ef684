"""Nodes of the ``scoring`` pipeline: prepare and split the applications, tune,
cross-validate and compare the candidates, refit and test the chosen model,
explain it and release it (figures in ``plots.py``, metrics and model card in
``report.py``)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mlflow
import numpy as np
import optuna
import pandas as pd
from matplotlib.figure import Figure
from mlflow.models import infer_signature
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)

from ia_portfolio import threads
from ia_portfolio.pipelines.scoring import plots
from ia_portfolio.pipelines.scoring.costs import best_threshold, decision_metrics
from ia_portfolio.pipelines.scoring.model import (
    CreditScoringModel,
    build_classifier,
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
    pip_requirements,
    predictions_frame,
)
from ia_portfolio.progress import OptunaProgress
from ia_portfolio.promotion import ModelRelease, quality_gate
from ia_portfolio.tracking import child_run, finite, log_search
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
    has_target = raw[target].notna()
    labelled = raw if has_target.all() else raw[has_target]  # no copy if all are
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
    features: pd.DataFrame, labels: pd.Series, split: dict[str, Any], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Stratified hold-out split; the test part is used once, at the very end."""
    x_train, x_test, y_train, y_test = train_test_split(
        features,
        labels,
        test_size=split["test_size"],
        stratify=labels,
        random_state=seed,
    )
    return x_train, x_test, y_train, y_test


def _folds(cv: dict[str, Any], seed: int) -> StratifiedKFold:
    return StratifiedKFold(n_splits=cv["n_splits"], shuffle=True, random_state=seed)


def fit_params(kind: str, params: dict[str, Any], n_rows: int) -> dict[str, Any]:
    """``params`` with the thread count of a fit on ``n_rows`` training rows
    (LightGBM's ``n_jobs``: a number, or ``auto`` for the rule of
    :mod:`ia_portfolio.threads`)."""
    if kind != "lightgbm":
        return params
    requested = params.get("n_jobs", threads.AUTO)
    return {**params, "n_jobs": threads.lightgbm_threads(n_rows, requested)}


def _fold_rows(n_rows: int, cv: dict[str, Any]) -> int:
    """Training rows of one cross-validation fold of ``n_rows`` rows."""
    return n_rows * (cv["n_splits"] - 1) // cv["n_splits"]


def preprocessed_folds(
    x: pd.DataFrame,
    y: pd.Series,
    kind: str,
    data: dict[str, Any],
    cv: dict[str, Any],
    seed: int,
) -> list[tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]]:
    """Each cross-validation fold as ``(x_fit, y_fit, x_val, y_val)``, the
    features and preprocessing of ``kind`` fitted on ``x_fit`` only. No searched
    hyperparameter touches the preprocessing, so the trials of a search share
    these instead of refitting it each time."""
    preprocessing = build_pipeline(kind, {}, data, seed)[:-1]
    folds = []
    for fit_rows, val_rows in _folds(cv, seed).split(x, y):
        fitted = clone(preprocessing)
        x_fit = fitted.fit_transform(x.iloc[fit_rows], y.iloc[fit_rows])
        folds.append(
            (
                x_fit,
                y.iloc[fit_rows],
                fitted.transform(x.iloc[val_rows]),
                y.iloc[val_rows],
            )
        )
    return folds


def tune_candidate(
    x_train: pd.DataFrame,
    y_train: pd.Series,
    candidate: dict[str, Any],
    data: dict[str, Any],
    cv: dict[str, Any],
    tuning: dict[str, Any],
    seed: int,
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
            random_state=seed,
        )
        logger.info("Tuning on a stratified sample of %d applicants.", max_rows)

    kind = candidate["kind"]
    folds = preprocessed_folds(x_train, y_train, kind, data, cv, seed)
    scorer = get_scorer("roc_auc")

    def objective(trial: optuna.Trial) -> float:
        params = {**candidate.get("fixed", {}), **suggest_params(trial, search_space)}
        params = fit_params(kind, params, len(folds[0][0]))

        def score_fold(fold: tuple[Any, ...]) -> float:
            x_fit, y_fit, x_val, y_val = fold
            classifier = build_classifier(kind, params, seed).fit(x_fit, y_fit)
            return scorer(classifier, x_val, y_val)

        workers = threads.fold_workers(params.get("n_jobs", 1), len(folds))
        # Small linear fits: one BLAS thread; single-threaded fits of the folds
        # side by side (see ia_portfolio.threads).
        with threads.small_linear_fits(), ThreadPoolExecutor(workers) as pool:
            scores = list(pool.map(score_fold, folds))
        return float(np.mean(scores))

    study = optuna.create_study(
        direction="maximize",
        study_name=f"scoring_{candidate['kind']}",
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    n_trials = tuning["n_trials"] if search_space else 1
    study.optimize(
        objective,
        n_trials=n_trials,
        timeout=tuning["timeout_s"],
        callbacks=[
            OptunaProgress(
                f"scoring {kind} search", n_trials, tuning["timeout_s"], logger
            )
        ],
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
    pipeline = build_pipeline(
        candidate["kind"],
        fit_params(candidate["kind"], params, _fold_rows(len(x_train), cv)),
        data,
        seed,
    )
    with threads.small_linear_fits():
        proba = cross_val_predict(
            pipeline, x_train, y_train, cv=_folds(cv, seed), method="predict_proba"
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
    result = {
        "kind": candidate["kind"],
        "params": params,
        "calibration": calibration,
        "metrics": metrics,
        "oof_proba": proba,
        "labels": y_train.to_numpy(),
    }
    _track_candidate(study, result)
    return result


def _track_candidate(study: optuna.Study, result: dict[str, Any]) -> None:
    """One nested MLflow run per candidate (``scoring.<candidate>``, only inside a
    tracked run): its chosen hyperparameters, cross-validated metrics at its
    threshold, calibration and every Optuna trial."""
    # The catalog names each candidate's study `scoring_<candidate>`.
    name = study.study_name.replace("_", ".", 1)
    with child_run(name, tags={"kind": result["kind"]}) as run_id:
        if run_id is None:
            return
        mlflow.log_params(result["params"])
        slope, intercept = result["calibration"]
        mlflow.log_metrics(
            finite({f"cv_{key}": value for key, value in result["metrics"].items()})
            | {"calibration_slope": slope, "calibration_intercept": intercept}
        )
        log_search(study, "cv_roc_auc")


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
    params = fit_params(result["kind"], result["params"], len(x_train))
    pipeline = build_pipeline(result["kind"], params, data, seed)
    with threads.small_linear_fits():
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
        field_constraints=field_constraints_of(
            x_train, data.get("dictionary", {}).get("fields")
        ),
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


def global_importance(
    model: CreditScoringModel,
    x_test: pd.DataFrame,
    sample_size: int,
    seed: int,
    dictionary: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, Figure]:
    """Mean absolute SHAP contribution of each raw field on a test sample, as a
    table and a bar chart (fields by their names in ``dictionary``)."""
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
    return importance, plots.plot_global_importance(
        importance, model.name, len(sample), dictionary
    )


def explain_applicants(
    model: CreditScoringModel,
    test_predictions: pd.DataFrame,
    x_test: pd.DataFrame,
    n_applicants: int,
    top_k: int,
    dictionary: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, Figure]:
    """Reasons behind the decisions for a few test applicants, from the riskiest
    to the safest, as a table and one bar chart per applicant (fields and values
    by their names in ``dictionary``)."""
    order = np.argsort(-test_predictions["probability"].to_numpy(), kind="stable")
    positions = order[np.linspace(0, len(order) - 1, n_applicants).astype(int)]
    picks = test_predictions.iloc[positions]
    reasons = model.reasons(x_test.iloc[positions], top_k=top_k)
    rows = [
        {
            "applicant": pick["applicant"],
            "probability": pick["probability"],
            "decision": pick["decision"],
            **reason,
        }
        for (_, pick), applicant_reasons in zip(picks.iterrows(), reasons, strict=True)
        for reason in applicant_reasons
    ]
    return pd.DataFrame(rows), plots.plot_applicant_reasons(picks, reasons, dictionary)


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
        pip_requirements=pip_requirements(),
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
