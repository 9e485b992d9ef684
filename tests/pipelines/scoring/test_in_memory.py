"""The whole scoring pipeline in memory on 400 packaged Lending Club loans."""

from __future__ import annotations

import pytest
from sklearn.model_selection import train_test_split

from ia_portfolio.pipelines.scoring.pipeline import CANDIDATES, create_pipeline
from ia_portfolio.promotion import ModelRelease
from tests.support.in_memory import (
    InMemoryRun,
    pipeline_parameters,
    raw_dataset,
    run_in_memory,
)

N_LOANS = 400
TINY = {
    "scoring": {
        "cv": {"n_splits": 3},
        "tuning": {"n_trials": 2, "timeout_s": 30},
        "candidates": {
            "lightgbm": {"search_space": {"n_estimators": {"low": 20, "high": 60}}}
        },
        "explainer_background_size": 50,
        "importance_sample_size": 100,
    }
}


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    loans = raw_dataset("scoring.raw_applications").load()
    sample, _ = train_test_split(
        loans, train_size=N_LOANS, stratify=loans["Class"], random_state=0
    )
    return run_in_memory(create_pipeline(), {"raw_applications": sample}, TINY)


def test_chosen_model_beats_the_dummy(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    assert set(metrics["candidates"]) == set(CANDIDATES)
    chosen = metrics["candidates"][metrics["chosen_model"]]
    assert metrics["chosen_model"] != "dummy"
    assert chosen["roc_auc"] > metrics["candidates"]["dummy"]["roc_auc"] + 0.1
    assert 0 < metrics["test"]["roc_auc"] <= 1
    assert metrics["test"]["business_cost"] >= 0


def test_release_carries_the_model_and_the_gate_verdict(run: InMemoryRun) -> None:
    release, metrics = run["registered_model"], run["metrics"]
    assert isinstance(release, ModelRelease)
    cheaper_policy = min(metrics["trivial_policies"].values())
    assert release.verdict.value == metrics["test"]["business_cost"]
    assert release.verdict.baseline_value == cheaper_policy
    assert release.verdict.passed == (release.verdict.value < cheaper_policy)
    predictions = release.python_model.predict(None, release.input_example)
    assert list(predictions.columns) == ["probability_of_default", "decision"]
    assert predictions["probability_of_default"].between(0, 1).all()


def test_reports_explain_the_test_applicants(run: InMemoryRun) -> None:
    x_test, metrics = run["x_test"], run["metrics"]
    importance = run["global_importance"]
    explanations = run["local_explanations"]
    ratios = pipeline_parameters("scoring")["scoring"]["data"]["ratios"]
    fields = set(x_test.columns) | {ratio["name"] for ratio in ratios}
    assert set(importance["field"]) <= fields
    assert (importance["mean_abs_contribution"] >= 0).all()
    assert set(explanations["applicant"]) <= set(x_test.index)
    assert set(explanations["field"]) <= fields
    assert f"## Chosen model: `{metrics['chosen_model']}`" in run["report"]


def test_model_card_names_fields_and_renders_identifiers_as_code(
    run: InMemoryRun,
) -> None:
    """Coded fields get their human names from the data dictionary, and the card
    renders identifiers as code, not as emphasis (``loan_to_income``)."""
    from ia_portfolio.datasets import MarkdownDataset  # noqa: PLC0415

    card = run["report"]
    assert "`loan_to_income` (Loan amount / annual income)" in card
    assert "| `int_rate`" in card and "Interest rate (%)" in card
    dataset = MarkdownDataset(filepath="unused.md")
    dataset.load = lambda: card  # the preview kedro-viz shows, without a file
    html = dataset.preview()
    assert "<em>" not in html
    assert "<code>loan_to_income</code>" in html
