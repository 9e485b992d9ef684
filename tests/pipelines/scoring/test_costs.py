"""Business cost, threshold choice and trivial policies of credit decisions."""

import numpy as np
import pytest

from ia_portfolio.pipelines.scoring.costs import (
    DECISION_METRICS,
    best_threshold,
    business_cost,
    cost_by_threshold,
    decision_metrics,
    trivial_policy_costs,
)


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    y_true = (rng.random(500) < 0.1).astype(int)
    proba = np.clip(0.1 + 0.3 * y_true + rng.normal(0, 0.15, 500), 0, 1)
    return y_true, proba


def test_business_cost_counts_false_negatives_ten_times():
    y_true = np.array([1, 1, 0, 0, 0])
    y_pred = np.array([0, 1, 1, 0, 0])
    assert business_cost(y_true, y_pred, 10, 1) == 11.0


def test_cost_curve_matches_brute_force(scores):
    y_true, proba = scores
    thresholds, costs = cost_by_threshold(y_true, proba, 10, 1)
    for t, cost in zip(thresholds[::50], costs[::50], strict=True):
        assert cost == business_cost(y_true, (proba >= t).astype(int), 10, 1)


def test_best_threshold_beats_trivial_policies(scores):
    y_true, proba = scores
    threshold = best_threshold(y_true, proba, 10, 1)
    cost = business_cost(y_true, (proba >= threshold).astype(int), 10, 1)
    assert cost < min(trivial_policy_costs(y_true, 10, 1).values())


def test_trivial_policies_are_the_curve_ends(scores):
    y_true, proba = scores
    _, costs = cost_by_threshold(y_true, proba, 10, 1)
    trivial = trivial_policy_costs(y_true, 10, 1)
    assert costs[0] == trivial["refuse_all"]
    assert costs[-1] == trivial["grant_all"]


def test_decision_metrics_keys_and_ranges(scores):
    y_true, proba = scores
    metrics = decision_metrics(y_true, proba, 0.3, 10, 1)
    assert list(metrics) == list(DECISION_METRICS)
    assert 0.8 < metrics["roc_auc"] <= 1
    assert metrics["business_cost_per_applicant"] == pytest.approx(
        metrics["business_cost"] / len(y_true)
    )
