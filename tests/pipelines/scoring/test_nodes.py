import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.scoring import nodes, report
from ia_portfolio.pipelines.scoring.model import DerivedFeatures, raw_field_of

DATA = {
    "target": "Class",
    "positive_label": "bad",
    "id_column": "loan_id",
    "drop_columns": ["noise"],
    "sentinels": [{"column": "days_employed", "value": 365243}],
    "ratios": [
        {"name": "loan_to_income", "numerator": "amount", "denominator": "income"}
    ],
}
CV = {"n_splits": 3}
COST = {"false_negative": 10, "false_positive": 1}
PROMOTION = {
    "gate": {
        "metric": "test.business_cost",
        "baselines": ["trivial_policies.grant_all", "trivial_policies.refuse_all"],
        "greater_is_better": False,
        "min_improvement": 0,
    },
    "n_example_rows": 3,
}


def synthetic_applications(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Applicants whose default risk rises with the loan-to-income ratio."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10.5, 0.4, n_rows)
    amount = income * rng.uniform(0.05, 1.0, n_rows)
    risk = 1 / (1 + np.exp(-(-3.5 + 4 * amount / income)))
    return pd.DataFrame(
        {
            "loan_id": np.arange(n_rows) + 1000,
            "amount": amount,
            "income": income,
            "days_employed": np.where(
                rng.random(n_rows) < 0.2, 365243, -rng.integers(100, 5000, n_rows)
            ),
            "grade": rng.choice(["A", "B", "C"], n_rows),
            "noise": rng.random(n_rows),
            "Class": np.where(rng.random(n_rows) < risk, "bad", "good"),
        }
    )


def test_prepare_maps_target_index_and_drops():
    features, labels = nodes.prepare_applications(synthetic_applications(), DATA)
    raw = synthetic_applications()
    assert list(features.columns) == ["amount", "income", "days_employed", "grade"]
    assert features.index.name == "loan_id"
    assert labels.sum() == (raw["Class"] == "bad").sum()
    assert features["grade"].dtype == object
    assert features["amount"].dtype == float


def test_prepare_names_a_missing_target_column():
    raw = synthetic_applications().drop(columns="Class")
    with pytest.raises(KeyError, match="Target column 'Class'"):
        nodes.prepare_applications(raw, DATA)


def test_prepare_rejects_an_absent_positive_label():
    with pytest.raises(ValueError, match="Positive label 'default'"):
        nodes.prepare_applications(
            synthetic_applications(), {**DATA, "positive_label": "default"}
        )


def test_derived_features_replace_sentinels_and_add_ratios():
    raw = synthetic_applications(20)
    derived = DerivedFeatures(DATA["ratios"], DATA["sentinels"]).fit(raw).transform(raw)
    sentinel_rows = raw["days_employed"] == 365243
    assert derived.loc[sentinel_rows, "days_employed"].isna().all()
    assert (derived["days_employed_IS_SENTINEL"] == sentinel_rows.astype(float)).all()
    np.testing.assert_allclose(derived["loan_to_income"], raw["amount"] / raw["income"])


def test_raw_field_of_maps_encoded_columns_back():
    fields = ["grade", "grade_letter", "income"]
    assert raw_field_of("grade_B", fields) == "grade"
    assert raw_field_of("grade_letter_x", fields) == "grade_letter"
    assert raw_field_of("missingindicator_income", fields) == "income"


@pytest.fixture(scope="module")
def split():
    features, labels = nodes.prepare_applications(synthetic_applications(), DATA)
    return nodes.split_train_test(features, labels, {"test_size": 0.25}, seed=0)


@pytest.fixture(scope="module")
def cv_results(split):
    x_train, _, y_train, _ = split
    candidates = {
        "dummy": {"kind": "dummy", "search_space": {}},
        "logistic_regression": {
            "kind": "logistic_regression",
            "search_space": {
                "C": {"type": "float", "low": 0.01, "high": 10, "log": True}
            },
        },
    }
    tuning = {"n_trials": 3, "timeout_s": 30}
    results = {}
    for name, candidate in candidates.items():
        study = nodes.tune_candidate(
            x_train, y_train, candidate, DATA, CV, tuning, seed=0
        )
        results[name] = nodes.cross_validate_candidate(
            x_train, y_train, study, candidate, DATA, CV, COST, seed=0
        )
    return results


def test_tuned_model_beats_the_dummy_and_is_chosen(cv_results):
    table, chosen = nodes.compare_candidates(**cv_results)
    assert chosen == "logistic_regression"
    metrics = table.set_index("candidate")
    assert metrics.loc["logistic_regression", "roc_auc"] > 0.7
    assert abs(metrics.loc["dummy", "roc_auc"] - 0.5) < 0.05
    assert (
        metrics.loc["logistic_regression", "business_cost"]
        < metrics.loc["dummy", "business_cost"]
    )


def test_out_of_fold_probabilities_are_calibrated(cv_results):
    # Class weights inflate raw scores; after Platt scaling the mean probability
    # matches the observed default rate and the cost-optimal threshold sits near
    # the Bayes threshold FP / (FP + FN) = 1/11.
    result = cv_results["logistic_regression"]
    assert result["oof_proba"].mean() == pytest.approx(
        result["labels"].mean(), abs=0.02
    )
    assert 0.03 < result["metrics"]["threshold"] < 0.3


def test_refit_model_predicts_explains_and_tests(split, cv_results):
    x_train, x_test, y_train, y_test = split
    model = nodes.refit_model(
        x_train, y_train, "logistic_regression", DATA, 0, 50, **cv_results
    )
    metrics, predictions = nodes.evaluate_on_test(model, x_test, y_test, COST)
    assert metrics["roc_auc"] > 0.7
    assert set(predictions["decision"]) <= {"grant", "refuse"}
    # Contributions are per raw field, derived features included.
    contributions = model.contributions(x_test.head(3))
    assert "loan_to_income" in contributions.columns
    assert "grade" in contributions.columns
    # The riskiest applicant's top reason raises risk.
    riskiest = x_test.iloc[[int(np.argmax(predictions["probability"]))]]
    top_reason = model.reasons(riskiest, top_k=1)[0][0]
    assert top_reason["effect"] == "raises risk"


def test_release_serves_the_calibrated_model_and_carries_the_gate_verdict(
    split, cv_results
):
    x_train, x_test, y_train, y_test = split
    table, chosen = nodes.compare_candidates(**cv_results)
    model = nodes.refit_model(x_train, y_train, chosen, DATA, 0, 50, **cv_results)
    test_metrics, predictions = nodes.evaluate_on_test(model, x_test, y_test, COST)
    metrics, _ = report.build_metrics(chosen, test_metrics, table, y_test, COST)

    release = nodes.register_model(model, x_test, metrics, PROMOTION)

    # The pyfunc answers what the API and the test predictions answer.
    served = release.python_model.predict(None, x_test)
    np.testing.assert_allclose(
        served["probability_of_default"], model.predict_proba(x_test)
    )
    assert served["decision"].tolist() == predictions["decision"].tolist()
    assert release.signature.outputs.input_names() == [
        "probability_of_default",
        "decision",
    ]
    assert len(release.input_example) == PROMOTION["n_example_rows"]
    assert release.tags["candidate"] == chosen
    assert release.verdict.passed  # cheaper than granting or refusing everyone

    # A policy that costs nothing cannot be beaten: the release is refused.
    free_policy = {"grant_all": 0.0, "refuse_all": 0.0}
    unbeatable = {**metrics, "trivial_policies": free_policy}
    refused = nodes.register_model(model, x_test, unbeatable, PROMOTION)
    assert not refused.verdict.passed
    assert "does not beat" in refused.verdict.reason


def test_build_metrics_shape(split, cv_results):
    x_train, x_test, y_train, y_test = split
    table, chosen = nodes.compare_candidates(**cv_results)
    model = nodes.refit_model(x_train, y_train, chosen, DATA, 0, 50, **cv_results)
    test_metrics, _ = nodes.evaluate_on_test(model, x_test, y_test, COST)
    metrics, mlflow_metrics = report.build_metrics(
        chosen, test_metrics, table, y_test, COST
    )
    assert metrics["chosen_model"] == chosen
    assert set(metrics["candidates"]) == {"dummy", "logistic_regression"}
    assert metrics["trivial_policies"]["grant_all"] == 10 * y_test.sum()
    assert mlflow_metrics["test_roc_auc"]["value"] == test_metrics["roc_auc"]


def test_tuning_can_run_on_a_stratified_sample(split, caplog):
    x_train, _, y_train, _ = split
    candidate = {
        "kind": "logistic_regression",
        "search_space": {"C": {"type": "float", "low": 0.1, "high": 1.0}},
    }
    tuning = {"n_trials": 2, "timeout_s": 30, "max_rows": 150}
    with caplog.at_level("INFO"):
        study = nodes.tune_candidate(
            x_train, y_train, candidate, DATA, CV, tuning, seed=0
        )
    assert "stratified sample of 150 applicants" in caplog.text
    assert len(study.trials) == 2
    assert 0.5 < study.best_value <= 1
