"""The scoring pipeline run for real on the packaged Lending Club loans."""

import json
from pathlib import Path

import joblib
import mlflow
import pandas as pd
import pytest
import yaml

from ia_portfolio.validation import DataValidationError
from tests.conftest import FAST_SCORING_PARAMS, run_pipeline

pytestmark = pytest.mark.slow

REPORTS = Path("data/08_reporting/scoring")
METRIC_KEYS = {
    "roc_auc",
    "pr_auc",
    "fbeta2",
    "business_cost",
    "business_cost_per_applicant",
    "threshold",
}


def test_metrics_json_has_the_documented_shape(trained_project):
    metrics = json.loads((trained_project / REPORTS / "metrics.json").read_text())
    assert set(metrics) == {"chosen_model", "test", "candidates", "trivial_policies"}
    assert set(metrics["test"]) == METRIC_KEYS
    assert set(metrics["candidates"]) == {"dummy", "logistic_regression", "lightgbm"}
    assert all(set(m) == METRIC_KEYS for m in metrics["candidates"].values())
    assert metrics["chosen_model"] in metrics["candidates"]
    assert set(metrics["trivial_policies"]) == {"grant_all", "refuse_all"}


def test_chosen_model_learns_and_beats_trivial_policies(trained_project):
    metrics = json.loads((trained_project / REPORTS / "metrics.json").read_text())
    assert metrics["test"]["roc_auc"] > 0.68
    assert metrics["candidates"]["dummy"]["roc_auc"] < 0.55
    assert metrics["test"]["business_cost"] < min(metrics["trivial_policies"].values())


def test_reports_are_written(trained_project):
    for name in [
        "candidate_comparison.csv",
        "roc_pr_curves.png",
        "cost_vs_threshold.png",
        "global_importance.csv",
        "global_importance_plot.png",
        "local_explanations.csv",
        "local_explanations_plot.png",
        "model_card.md",
    ]:
        assert (trained_project / REPORTS / name).stat().st_size > 500, name
    comparison = pd.read_csv(trained_project / REPORTS / "candidate_comparison.csv")
    assert comparison["business_cost"].is_monotonic_increasing
    card = (trained_project / REPORTS / "model_card.md").read_text()
    assert "Model card" in card and "ROC AUC" in card


def test_optuna_studies_are_persisted(trained_project):
    import optuna  # noqa: PLC0415

    storage = f"sqlite:///{trained_project / 'data/06_models/scoring/optuna.db'}"
    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    assert {"scoring_dummy", "scoring_logistic_regression", "scoring_lightgbm"} <= names
    study = optuna.load_study(study_name="scoring_lightgbm", storage=storage)
    assert len(study.trials) == FAST_SCORING_PARAMS["scoring"]["tuning"]["n_trials"]


def test_mlflow_run_logs_params_metrics_and_registers_model(trained_project):
    mlflow.set_tracking_uri(f"sqlite:///{trained_project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    run = client.search_runs([experiment.experiment_id], max_results=1)[0]
    assert run.data.params["scoring.cost.false_negative"] == "10"
    metrics = json.loads((trained_project / REPORTS / "metrics.json").read_text())
    assert run.data.metrics["scoring.test_roc_auc"] == pytest.approx(
        metrics["test"]["roc_auc"]
    )
    versions = client.search_model_versions("name='ia_portfolio_scoring'")
    assert versions and versions[0].run_id == run.info.run_id
    model = mlflow.pyfunc.load_model(
        f"models:/ia_portfolio_scoring/{versions[0].version}"
    )
    loans = pd.read_parquet(
        trained_project / "data/07_model_output/scoring/test_predictions.parquet"
    )
    assert len(loans) > 0
    assert model.metadata.flavors["python_function"]["predict_fn"] == "predict_proba"


def test_model_artifact_scores_raw_fields(trained_project):
    [path] = (trained_project / "data/06_models/scoring/model.pkl").glob("*/model.pkl")
    model = joblib.load(path)
    predictions = pd.read_parquet(
        trained_project / "data/07_model_output/scoring/test_predictions.parquet"
    )
    assert model.threshold == pytest.approx(
        json.loads((trained_project / REPORTS / "metrics.json").read_text())["test"][
            "threshold"
        ]
    )
    assert set(predictions["decision"]) == {"grant", "refuse"}


@pytest.mark.parametrize(
    ("breakage", "column"),
    [
        (lambda raw: raw.drop(columns="Class"), "Class"),
        (
            lambda raw: raw.assign(annual_inc=raw["annual_inc"].astype(str) + " USD"),
            "annual_inc",
        ),
    ],
    ids=["missing-target", "text-in-numeric-column"],
)
def test_bad_raw_table_fails_before_training_and_keeps_outputs(
    trained_project, breakage, column
):
    from ia_portfolio.datasets import RDatasetsDataset  # noqa: PLC0415

    broken = breakage(RDatasetsDataset(package="modeldata", item="lending_club").load())
    (trained_project / "data/01_raw").mkdir(exist_ok=True)
    broken.to_csv(trained_project / "data/01_raw/broken_loans.csv", index=False)
    env = trained_project / "conf/broken"
    env.mkdir(exist_ok=True)
    base = yaml.safe_load(
        (trained_project / "conf/base/catalog_scoring.yml").read_text()
    )
    entry = {
        "type": "pandas.CSVDataset",
        "filepath": "data/01_raw/broken_loans.csv",
        "metadata": base["scoring.raw_applications"]["metadata"],  # same contract
    }
    (env / "catalog.yml").write_text(
        yaml.safe_dump({"scoring.raw_applications": entry})
    )
    outputs = [
        p
        for p in (trained_project / "data").rglob("*")
        if p.is_file() and "01_raw" not in str(p)
    ]
    before = {p: p.stat().st_mtime_ns for p in outputs}

    with pytest.raises(DataValidationError) as error:
        run_pipeline(
            trained_project, "scoring", env="broken", runtime_params=FAST_SCORING_PARAMS
        )

    message = str(error.value)
    assert "scoring.raw_applications" in message
    assert f"'{column}'" in message
    after = [
        p
        for p in (trained_project / "data").rglob("*")
        if p.is_file() and "01_raw" not in str(p)
    ]
    assert sorted(after) == sorted(outputs)
    assert {p: p.stat().st_mtime_ns for p in outputs} == before
