"""The scoring pipeline run for real on the packaged Lending Club loans."""

import hashlib
import json
from pathlib import Path

import joblib
import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from ia_portfolio.datasets import RDatasetsDataset
from ia_portfolio.pipelines.scoring import nodes
from ia_portfolio.pipelines.scoring.costs import DECISION_METRICS
from ia_portfolio.validation import DataValidationError
from tests.support.project import (
    FAST_SCORING_PARAMS,
    champion_version,
    data_dir,
    run_pipeline,
)

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/scoring")
TEST_PREDICTIONS = Path("07_model_output/scoring/test_predictions.parquet")
REGISTERED_MODEL = "ia_portfolio_scoring"
METRIC_KEYS = set(DECISION_METRICS)


@pytest.fixture
def reports(trained_project: Path) -> Path:
    """The reports of the default scoring run."""
    return data_dir(trained_project) / REPORTS


def test_metrics_json_has_the_documented_shape(reports):
    metrics = json.loads((reports / "metrics.json").read_text())
    assert set(metrics) == {"chosen_model", "test", "candidates", "trivial_policies"}
    assert set(metrics["test"]) == METRIC_KEYS
    assert set(metrics["candidates"]) == {"dummy", "logistic_regression", "lightgbm"}
    assert all(set(m) == METRIC_KEYS for m in metrics["candidates"].values())
    assert metrics["chosen_model"] in metrics["candidates"]
    assert set(metrics["trivial_policies"]) == {"grant_all", "refuse_all"}


def test_chosen_model_learns_and_beats_trivial_policies(reports):
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["test"]["roc_auc"] > 0.68
    assert metrics["candidates"]["dummy"]["roc_auc"] < 0.55
    assert metrics["test"]["business_cost"] < min(metrics["trivial_policies"].values())


def test_reports_are_written(reports):
    for name in [
        "candidate_comparison.csv",
        "roc_pr_curves.png",
        "cost_vs_threshold.png",
        "global_importance.csv",
        "global_importance.png",
        "local_explanations.csv",
        "local_explanations.png",
        "report.md",
    ]:
        assert (reports / name).stat().st_size > 500, name
    comparison = pd.read_csv(reports / "candidate_comparison.csv")
    assert comparison["business_cost"].is_monotonic_increasing
    card = (reports / "report.md").read_text()
    assert "Model card" in card and "ROC AUC" in card


def test_optuna_studies_are_persisted(trained_project):
    import optuna  # noqa: PLC0415

    database = data_dir(trained_project) / "06_models/scoring/optuna.db"
    storage = f"sqlite:///{database}"
    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    assert {"scoring_dummy", "scoring_logistic_regression", "scoring_lightgbm"} <= names
    study = optuna.load_study(study_name="scoring_lightgbm", storage=storage)
    assert len(study.trials) == FAST_SCORING_PARAMS["scoring"]["tuning"]["n_trials"]


def _test_applicants(project: Path, applicants: pd.Series) -> pd.DataFrame:
    """The raw fields of ``applicants``, rebuilt from the packaged loans as the
    pipeline prepares them."""
    parameters = yaml.safe_load(
        (project / "conf/base/parameters_scoring.yml").read_text()
    )["scoring"]
    raw = RDatasetsDataset(package="modeldata", item="lending_club").load()
    features, _ = nodes.prepare_applications(raw, parameters["data"])
    return features.loc[applicants]


def test_mlflow_run_logs_params_metrics_and_serves_the_registered_model(
    trained_project, reports
):
    mlflow.set_tracking_uri(f"sqlite:///{trained_project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    runs = client.search_runs([experiment.experiment_id])
    # One run for the pipeline, one nested run per candidate.
    [run] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert run.info.run_name == "scoring"
    assert run.data.params["scoring.cost.false_negative"] == "10"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert run.data.metrics["scoring.test_roc_auc"] == pytest.approx(
        metrics["test"]["roc_auc"]
    )
    chosen = metrics["candidates"][metrics["chosen_model"]]
    assert run.data.metrics["scoring.cv_business_cost"] == chosen["business_cost"]
    assert not [m for m in run.data.metrics if m.startswith("scoring.cv_dummy")]
    [raw] = run.inputs.dataset_inputs
    assert raw.dataset.name == "scoring.raw_applications" and raw.dataset.digest
    candidates = {r.info.run_name: r for r in runs if r is not run}
    assert set(candidates) == {f"scoring.{name}" for name in metrics["candidates"]}
    lightgbm = candidates["scoring.lightgbm"]
    assert lightgbm.data.tags["mlflow.parentRunId"] == run.info.run_id
    assert {"num_leaves", "learning_rate"} <= set(lightgbm.data.params)
    assert lightgbm.data.metrics["cv_roc_auc"] == pytest.approx(
        metrics["candidates"]["lightgbm"]["roc_auc"]
    )
    trials = client.get_metric_history(lightgbm.info.run_id, "trial_cv_roc_auc")
    n_trials = FAST_SCORING_PARAMS["scoring"]["tuning"]["n_trials"]
    assert [trial.step for trial in trials] == list(range(n_trials))
    # The run registered one version, passed its gate and was promoted.
    [version] = client.search_model_versions(
        f"name='{REGISTERED_MODEL}' and run_id='{run.info.run_id}'"
    )
    champion = champion_version(trained_project, REGISTERED_MODEL)
    assert champion.version == version.version
    assert champion.tags["candidate"] == metrics["chosen_model"]
    assert champion.tags["quality_gate"] == "passed"
    assert champion.tags["promotion"] == "promoted"
    assert champion.description.startswith("Credit scoring:")
    assert client.get_registered_model(REGISTERED_MODEL).description.startswith(
        f"Served: version {champion.version} (@champion)."
    )
    signature = mlflow.models.get_model_info(
        f"models:/{REGISTERED_MODEL}@champion"
    ).signature
    assert "annual_inc" in signature.inputs.input_names()
    # Served from the registry, it scores raw fields as the pipeline did.
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL}@champion")
    expected = pd.read_parquet(data_dir(trained_project) / TEST_PREDICTIONS).head(20)
    served = model.predict(_test_applicants(trained_project, expected["applicant"]))
    assert list(served.columns) == ["probability_of_default", "decision"]
    np.testing.assert_allclose(
        served["probability_of_default"], expected["probability"], rtol=1e-6
    )
    assert served["decision"].tolist() == expected["decision"].tolist()


def test_model_artifact_scores_raw_fields(trained_project, reports):
    models = data_dir(trained_project) / "06_models/scoring"
    [path] = (models / "model.pkl").glob("*/model.pkl")
    model = joblib.load(path)
    predictions = pd.read_parquet(data_dir(trained_project) / TEST_PREDICTIONS)
    assert model.threshold == pytest.approx(
        json.loads((reports / "metrics.json").read_text())["test"]["threshold"]
    )
    assert set(predictions["decision"]) == {"grant", "refuse"}


def _outputs(project: Path) -> dict[Path, tuple[int, str]]:
    """Every file written under ``project``'s data folder, whatever the environment
    (raw inputs excluded), with its modification time and content digest."""
    data = project / "data"
    return {
        path: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(data.rglob("*"))
        if path.is_file() and path.relative_to(data).parts[0] != "01_raw"
    }


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
    trained_project, reports, breakage, column
):
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
    before = _outputs(trained_project)
    # The default run's outputs are among those checked.
    assert reports / "metrics.json" in before
    served = champion_version(trained_project, REGISTERED_MODEL).version

    with pytest.raises(DataValidationError) as error:
        run_pipeline(
            trained_project, "scoring", env="broken", runtime_params=FAST_SCORING_PARAMS
        )

    message = str(error.value)
    assert "scoring.raw_applications" in message
    assert f"'{column}'" in message
    # Nothing written, in the default environment's folders or in broken's own,
    # and the served model is the same.
    assert _outputs(trained_project) == before
    assert champion_version(trained_project, REGISTERED_MODEL).version == served
