"""Schemathesis fuzzes every route of the real API, served by uvicorn on 127.0.0.1:
no generated request may get a server error, an undocumented status or an answer
off its documented schema; data valid per the schema must be accepted and invalid
data refused (``--checks all``).

Schemathesis lives in its own virtual environment (its many dependencies must not
move the project's pins), made by ``scripts/setup_fuzz_env.sh`` and found through
``IA_PORTFOLIO_FUZZ_VENV`` (default: ``.venv-fuzz`` at the project root). It only
talks to the API over HTTP.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.serving.container import STARTUP_TIMEOUT_S, free_port
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

logger = logging.getLogger(__name__)

FUZZ_VENV_VAR = "IA_PORTFOLIO_FUZZ_VENV"
MAX_EXAMPLES = 100  # per operation in the fuzzing phase: seconds per run
SEED = 4242  # the same cases on every run
FUZZ_TIMEOUT_S = 240
REQUEST_TIMEOUT_S = 60  # the first sentiment request loads the model
SENTIMENT_OPERATIONS = 2  # POST /sentiment/predict, GET /sentiment/model


def untrained_models_config(paths: dict[str, dict]) -> str:
    """Only the scoring model is trained: the other models' routes answer their
    documented 503, allowed where the OpenAPI document states it."""
    return "".join(
        f"""
[[operations]]
include-path = "{path}"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]
"""
        for path, operations in paths.items()
        if not path.startswith("/scoring/")
        and any("503" in op.get("responses", {}) for op in operations.values())
    )


# The configured ratios (loan_to_income = funded_amnt / annual_inc, ...) have their
# own training range: a rule across fields that JSON Schema cannot state (the route
# description does). A schema-valid applicant may get its documented 422 for it.
SCORING_RATIOS_CONFIG = """
[[operations]]
include-path = "/scoring/predict"
checks.positive_data_acceptance.expected-statuses = ["2xx", "422"]
"""
# An upload is schema-valid whatever its bytes: that they make a readable PNG or
# JPEG of the accepted size is stated in the route description, not expressible in
# JSON Schema. A schema-valid upload may get its documented 415 or 422.
IMAGE_UPLOAD_CONFIG = """
[[operations]]
include-path = "/scene_segmentation/predict"
checks.positive_data_acceptance.expected-statuses = ["2xx", "415", "422", "503"]
"""


@pytest.fixture(scope="module")
def schemathesis() -> Path:
    """The ``st`` command of the fuzzing venv."""
    venv = Path(os.environ.get(FUZZ_VENV_VAR) or PROJECT_ROOT / ".venv-fuzz")
    command = venv / "bin" / "st"
    if not command.is_file():
        pytest.fail(
            f"No Schemathesis venv at {venv}: create it with scripts/setup_fuzz_env.sh "
            f"(or point {FUZZ_VENV_VAR} at one). CI creates it, so this is an error.",
            pytrace=False,
        )
    return command


@contextmanager
def serving(project: Path, log_file: Path) -> Iterator[str]:
    """``python -m ia_portfolio.serving`` on 127.0.0.1 serving ``project``; yields
    its base URL once ``/health`` answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IA_PORTFOLIO_")}
    env.update(IA_PORTFOLIO_PROJECT_PATH=str(project), HF_HUB_OFFLINE="1")
    command = [sys.executable, "-m", "ia_portfolio.serving", "--host", "127.0.0.1"]
    with log_file.open("w") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=project,
            env=env,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _answers(f"{base}/health"):
            assert server.poll() is None, log_file.read_text()[-3000:]
            assert time.monotonic() < deadline, log_file.read_text()[-3000:]
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def fuzz(
    schemathesis: Path, base: str, workdir: Path, *options: str, config: str = ""
) -> tuple[subprocess.CompletedProcess, dict]:
    """``st run`` over the API's OpenAPI document with ``options`` and the TOML
    ``config``; the run and its JSON report."""
    report = workdir / "schemathesis.json"
    config_file = workdir / "schemathesis.toml"
    config_file.write_text(config)
    command = [
        str(schemathesis),
        "--no-color",
        f"--config-file={config_file}",
        "run",
        f"{base}/openapi.json",
        "--checks=all",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        f"--request-timeout={REQUEST_TIMEOUT_S}",
        "--report=json",
        f"--report-json-path={report}",
        *options,
    ]
    result = subprocess.run(
        command,
        cwd=workdir,  # Schemathesis keeps its example database in the working folder
        capture_output=True,
        text=True,
        timeout=FUZZ_TIMEOUT_S,
        check=False,
    )
    assert report.is_file(), result.stdout[-6000:] + result.stderr[-2000:]
    return result, json.loads(report.read_text())


def assert_clean(
    result: subprocess.CompletedProcess, report: dict, n_operations: int
) -> None:
    """No failure, every selected operation tested, and a real number of cases."""
    cases = report["test_cases"]["generated"]
    logger.info("Schemathesis ran %d cases over %d operations.", cases, n_operations)
    summary = f"{cases} cases:\n{result.stdout[-6000:]}{result.stderr[-2000:]}"
    assert result.returncode == 0, summary
    operations = report["operations"]
    assert operations["tested"] == operations["selected"] == n_operations, summary
    assert cases >= MAX_EXAMPLES, summary


@pytest.fixture(scope="module")
def api(trained_project, tmp_path_factory):
    """The API on a project where only the scoring model is trained."""
    with serving(trained_project, tmp_path_factory.mktemp("fuzz") / "api.log") as base:
        yield base


def test_fuzzing_every_route_finds_nothing(api, schemathesis, tmp_path):
    paths = httpx.get(f"{api}/openapi.json").json()["paths"]
    result, report = fuzz(
        schemathesis,
        api,
        tmp_path,
        config=untrained_models_config(paths)
        + SCORING_RATIOS_CONFIG
        + IMAGE_UPLOAD_CONFIG,
    )
    assert_clean(result, report, sum(len(methods) for methods in paths.values()))


def test_fuzzing_the_trained_sentiment_model_finds_nothing(
    trained_sentiment_project, schemathesis, tmp_path
):
    with serving(trained_sentiment_project, tmp_path / "api.log") as base:
        result, report = fuzz(
            schemathesis, base, tmp_path, "--include-path-regex=^/sentiment/"
        )
    assert_clean(result, report, SENTIMENT_OPERATIONS)


@pytest.mark.parametrize("path", ["/scoring/predict", "/sentiment/predict"])
def test_a_refused_body_keeps_the_connection_open(api, path):
    """A body the API refuses (here with ``NaN`` and a lone surrogate) gets its 422
    on a connection that stays usable for the next request."""
    connection = http.client.HTTPConnection(api.removeprefix("http://"), timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=b'{"x": NaN, "y": "\\ud800"}',
            headers={"Content-Type": "application/json"},
        )
        refused = connection.getresponse()
        assert refused.status == 422
        json.loads(refused.read().decode("utf-8"))
        socket = connection.sock
        connection.request("GET", "/health")
        assert connection.getresponse().status == 200
        assert connection.sock is socket
    finally:
        connection.close()
