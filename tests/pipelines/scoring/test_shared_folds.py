"""Trials scored on folds preprocessed once give the scores of a full
cross-validation of the pipeline, and LightGBM's threads follow the fit's size."""

from __future__ import annotations

import pytest
from sklearn.model_selection import cross_val_score
from threadpoolctl import threadpool_info

from ia_portfolio import threads
from ia_portfolio.pipelines.scoring import nodes
from ia_portfolio.pipelines.scoring.model import build_classifier, build_pipeline
from tests.pipelines.scoring.test_nodes import CV, DATA, synthetic_applications

PARAMS = {
    "logistic_regression": {"C": 0.3, "class_weight": "balanced"},
    "lightgbm": {"n_estimators": 30, "num_leaves": 7, "n_jobs": 1},
}


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_shared_folds_score_like_a_cross_validation_of_the_pipeline(kind):
    x, y = nodes.prepare_applications(synthetic_applications(), DATA)
    folds = nodes.preprocessed_folds(x, y, kind, DATA, CV, seed=3)
    shared = []
    for x_fit, y_fit, x_val, y_val in folds:
        classifier = build_classifier(kind, PARAMS[kind], 3).fit(x_fit, y_fit)
        shared.append(nodes.get_scorer("roc_auc")(classifier, x_val, y_val))
    pipeline = build_pipeline(kind, PARAMS[kind], DATA, 3)
    expected = cross_val_score(
        pipeline, x, y, cv=nodes._folds(CV, 3), scoring="roc_auc"
    )
    assert shared == pytest.approx(list(expected), abs=1e-12)


def test_tuning_keeps_blas_to_one_thread_during_the_fits(monkeypatch):
    seen = []
    original = build_classifier

    def spying(kind, params, seed):
        classifier = original(kind, params, seed)
        fit = classifier.fit

        def fit_and_look(*args, **kwargs):
            seen.extend(
                p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"
            )
            return fit(*args, **kwargs)

        classifier.fit = fit_and_look
        return classifier

    monkeypatch.setattr(nodes, "build_classifier", spying)
    x, y = nodes.prepare_applications(synthetic_applications(), DATA)
    candidate = {
        "kind": "logistic_regression",
        "search_space": {"C": {"type": "float", "low": 0.1, "high": 1.0}},
    }
    tuning = {"n_trials": 2, "timeout_s": 60}
    nodes.tune_candidate(x, y, candidate, DATA, CV, tuning, seed=3)
    assert seen
    assert set(seen) == {1}


@pytest.mark.parametrize(
    ("n_rows", "expected"),
    [
        (threads.LIGHTGBM_PARALLEL_MIN_ROWS - 1, 1),
        (threads.LIGHTGBM_PARALLEL_MIN_ROWS, threads.usable_cores()),
    ],
)
def test_lightgbm_threads_follow_the_size_of_the_fit(n_rows, expected):
    params = nodes.fit_params("lightgbm", {"n_jobs": "auto", "num_leaves": 7}, n_rows)
    assert params == {"n_jobs": expected, "num_leaves": 7}
    assert nodes.fit_params("lightgbm", {"n_jobs": 2}, 10) == {"n_jobs": 2}
    assert nodes.fit_params("logistic_regression", {"C": 1.0}, n_rows) == {"C": 1.0}
