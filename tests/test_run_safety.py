"""A failed or stopped run leaves the outputs of the previous run and an honest
MLflow record (``smart_city`` on a few thousand generated trees: seconds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
import yaml

from ia_portfolio.run_safety import BACKUP_ROOT, STOP_SIGNALS
from tests.support.project import copy_project, run_pipeline

pytestmark = pytest.mark.slow

ENV = "small"
VERSIONED = "smart_city.name_variants"
# A valid value that makes a late node (the interactive map) fail.
FAILING_PARAMS = {"smart_city": {"plots": {"interactive_sample_size": -1}}}


def _write_env(project: Path) -> None:
    """6,000 generated trees, and one output versioned."""
    base = yaml.safe_load((project / "conf/base/catalog_smart_city.yml").read_text())
    catalog = {
        "smart_city.raw_trees": {**base["smart_city.raw_trees"], "n_rows": 6000},
        VERSIONED: {**base[VERSIONED], "versioned": True},
    }
    (project / "conf" / ENV).mkdir()
    (project / "conf" / ENV / "catalog.yml").write_text(yaml.safe_dump(catalog))


def _outputs(project: Path) -> dict[Path, bytes]:
    """Every file a run wrote under ``data/``, with its content."""
    return {
        path: path.read_bytes()
        for path in (project / "data").rglob("*")
        if path.is_file() and "01_raw" not in path.parts
    }


def _mark_outputs(project: Path) -> dict[Path, bytes]:
    """Give every output a content no run writes; return the marked outputs."""
    for path in _outputs(project):
        path.write_bytes(f"previous run: {path.name}".encode())
    return _outputs(project)


def _content(path: Path) -> bytes | None:
    """The file's bytes; ``None`` while a run has moved it aside."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _versions(project: Path) -> list[Path]:
    (folder,) = [p for p in (project / "data").rglob("name_variants.csv") if p.is_dir()]
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def city_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project copy where ``smart_city`` ran once, then once more after every
    output was marked."""
    project = copy_project(tmp_path_factory.mktemp("run_safety"))
    _write_env(project)
    run_pipeline(project, "smart_city", env=ENV)
    _mark_outputs(project)
    run_pipeline(project, "smart_city", env=ENV)
    yield project


def test_successful_run_replaces_outputs_and_drops_backups(city_project: Path) -> None:
    outputs = _outputs(city_project)
    assert len(outputs) > 15
    first_version, _ = _versions(city_project)
    marked = [p for p, content in outputs.items() if content.startswith(b"previous")]
    assert marked == [first_version / "name_variants.csv"]  # versions are kept
    assert not (city_project / BACKUP_ROOT).exists()


def test_failed_run_leaves_outputs_as_they_were(city_project: Path) -> None:
    before = _mark_outputs(city_project)
    versions = _versions(city_project)
    handlers = [signal.getsignal(signum) for signum in STOP_SIGNALS]

    with pytest.raises(ValueError, match="negative number of rows"):
        run_pipeline(city_project, "smart_city", env=ENV, runtime_params=FAILING_PARAMS)

    assert _outputs(city_project) == before
    assert _versions(city_project) == versions  # the failed run's version is gone
    assert not (city_project / BACKUP_ROOT).exists()
    assert [signal.getsignal(signum) for signum in STOP_SIGNALS] == handlers


def test_stopped_run_is_recorded_killed_and_keeps_outputs(city_project: Path) -> None:
    before = _mark_outputs(city_project)
    (early_output,) = [p for p in before if p.name == "outlier_summary.csv"]
    log = city_project / "stopped_run.log"
    with log.open("w") as stream:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--pipeline=smart_city",
                "--env",
                ENV,
            ],
            cwd=city_project,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"},
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while _content(early_output) in (None, before[early_output]):
                assert run.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the run saved nothing in 120 s"
                time.sleep(0.1)
            run.send_signal(signal.SIGTERM)
            run.wait(timeout=60)
        finally:
            run.kill()

    assert run.returncode != 0
    assert _outputs(city_project) == before
    client = mlflow.MlflowClient(f"sqlite:///{city_project / 'mlflow.db'}")
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        order_by=["attributes.start_time DESC"],
    )
    assert runs[0].info.status == "KILLED"
    assert not [r.info.run_id for r in runs if r.info.status == "RUNNING"]
    assert "RunStoppedError" in log.read_text()
