"""``fixed_costs``: what every run pays before and around its real work.

- **Start-up of ``kedro`` commands**, in a fresh project copy, each a subprocess
  under GNU time: ``kedro registry list`` (every pipeline built),
  ``kedro registry describe smart_city`` and ``kedro run --pipeline=smart_city``
  cut to its first node (one pipeline). ``python -X importtime`` of the same
  commands names the pipeline packages each one imported.
- **MLflow parameters**: public_health's flattened parameters logged one
  ``log_param`` call at a time (what kedro-mlflow does) vs one ``log_params``
  batch (what the project's hook does), on a fresh sqlite store.
- **Silhouette**: customer_segmentation's 9 silhouettes (k = 2..10) on an
  8,000-row sample, each computing its own distances vs the distances computed
  once (what ``select_k`` does); both give the same scores.

Every figure is a median over ``repeats`` runs, with its range and the load.
"""

from __future__ import annotations

import logging
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PROJECT_ROOT,
    VENV_BIN,
    benchmark_env,
    copy_project,
    load_average,
    new_result,
    now_iso,
    run_measured,
    write_result,
)

logger = logging.getLogger(__name__)

NAME = "fixed_costs"
ONE_PIPELINE = "smart_city"
FIRST_NODE = "smart_city.harmonise_names"
_PIPELINE_IMPORT = re.compile(r"\|\s+ia_portfolio\.pipelines\.(\w+)[\w.]*\s*$")


@dataclass
class FixedCostsConfig:
    """Repeats of each measure and the silhouette's sample size."""

    repeats: int = 3
    silhouette_rows: int = 8_000
    seed: int = 0
    keep: bool = False


def commands() -> dict[str, list[str]]:
    """The timed ``kedro`` commands, by label."""
    kedro = str(VENV_BIN / "kedro")
    return {
        "kedro registry list": [kedro, "registry", "list"],
        f"kedro registry describe {ONE_PIPELINE}": [
            kedro,
            "registry",
            "describe",
            ONE_PIPELINE,
        ],
        f"kedro run --pipeline={ONE_PIPELINE} --to-nodes={FIRST_NODE}": [
            kedro,
            "run",
            f"--pipeline={ONE_PIPELINE}",
            f"--to-nodes={FIRST_NODE}",
        ],
    }


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "runs": [round(v, 3) for v in values],
    }


def imported_pipelines(arguments: list[str], project: Path) -> dict[str, float]:
    """Pipeline packages ``kedro <arguments>`` imports, with their cumulative
    import time (seconds, ``python -X importtime``)."""
    python = str(VENV_BIN / "python")
    completed = subprocess.run(
        [python, "-X", "importtime", "-m", "kedro", *arguments],
        cwd=project,
        env=benchmark_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    found = {}
    for line in completed.stderr.splitlines():
        if match := _PIPELINE_IMPORT.search(line):
            # A package's slowest module holds the others it imported.
            seconds = int(line.split("|")[1]) / 1e6
            found[match.group(1)] = round(max(seconds, found.get(match.group(1), 0)), 3)
    return found


def measure_commands(config: FixedCostsConfig, workdir: Path) -> dict[str, Any]:
    """Wall and CPU seconds of each command (interleaved repeats) and the
    pipelines each one imports."""
    project = copy_project(workdir / "project")
    labelled = commands()
    runs: dict[str, list[Any]] = {label: [] for label in labelled}
    for index in range(config.repeats):
        for label, command in labelled.items():
            run = run_measured(
                command,
                cwd=project,
                env=benchmark_env(),
                log_file=workdir / f"{label.split()[2]}_{index}.log",
                timeout_s=900,
            )
            if run.exit_code != 0:
                raise RuntimeError(f"{label} failed ({run.exit_code}): {run.log_file}")
            runs[label].append(run)
    figures = {}
    for label, command in labelled.items():
        measured = runs[label]
        pipelines = imported_pipelines(command[1:], project)
        figures[label] = {
            "wall_s": _spread([r.wall_s for r in measured]),
            "cpu_s": _spread(
                [(r.user_cpu_s or 0) + (r.system_cpu_s or 0) for r in measured]
            ),
            "peak_rss_bytes": max(r.max_rss_process_bytes or 0 for r in measured),
            "load_1min_during": [r.load_1min_during["mean"] for r in measured],
            "pipelines_imported": sorted(pipelines),
            "pipeline_import_s": round(sum(pipelines.values()), 3),
        }
        logger.info("%s: %s", label, figures[label])
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return figures


def _timed(function: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return times, value


def measure_mlflow_params(config: FixedCostsConfig, workdir: Path) -> dict[str, Any]:
    """public_health's parameters logged one by one vs in one batch."""
    import mlflow  # noqa: PLC0415
    import yaml  # noqa: PLC0415
    from kedro_mlflow.framework.hooks.utils import _flatten_dict  # noqa: PLC0415

    conf = PROJECT_ROOT / "conf/base/parameters_public_health.yml"
    params = _flatten_dict(yaml.safe_load(conf.read_text()), recursive=True, sep=".")
    params = {key: value for key, value in params.items() if len(str(value)) <= 6000}
    store = workdir / "mlflow_params"
    store.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    mlflow.set_experiment("fixed_costs")

    def one_by_one() -> None:
        with mlflow.start_run():
            for key, value in params.items():
                mlflow.log_param(key, value)

    def batched() -> None:
        with mlflow.start_run():
            mlflow.log_params(params)

    batched()  # creates the store's tables: not timed
    load_before = load_average()
    single, batch = [], []
    for _ in range(config.repeats):
        single += _timed(one_by_one, 1)[0]
        batch += _timed(batched, 1)[0]
    mlflow.set_tracking_uri(None)
    return {
        "parameters": len(params),
        "one_by_one_s": _spread(single),
        "batched_s": _spread(batch),
        "load_1min_before": load_before["1min"],
    }


def measure_silhouette(config: FixedCostsConfig) -> dict[str, Any]:
    """9 silhouettes with their own distances vs distances computed once."""
    import numpy as np  # noqa: PLC0415
    from sklearn.cluster import KMeans  # noqa: PLC0415
    from sklearn.metrics import pairwise_distances, silhouette_score  # noqa: PLC0415

    rng = np.random.default_rng(config.seed)
    centres = rng.normal(scale=3.0, size=(6, 5))
    x = centres[rng.integers(0, 6, config.silhouette_rows)] + rng.normal(
        size=(config.silhouette_rows, 5)
    )
    labellings = [
        KMeans(n_clusters=k, n_init=1, random_state=config.seed).fit_predict(x)
        for k in range(2, 11)
    ]

    def each() -> list[float]:
        return [float(silhouette_score(x, labels)) for labels in labellings]

    def once() -> list[float]:
        distances = pairwise_distances(x)
        return [
            float(silhouette_score(distances, labels, metric="precomputed"))
            for labels in labellings
        ]

    load_before = load_average()
    each_s, once_s = [], []
    each_scores = once_scores = []
    for _ in range(config.repeats):
        times, each_scores = _timed(each, 1)
        each_s += times
        times, once_scores = _timed(once, 1)
        once_s += times
    return {
        "rows": config.silhouette_rows,
        "silhouettes": len(labellings),
        "each_own_distances_s": _spread(each_s),
        "distances_once_s": _spread(once_s),
        "largest_score_difference": max(
            abs(a - b) for a, b in zip(each_scores, once_scores, strict=True)
        ),
        "load_1min_before": load_before["1min"],
    }


def run(config: FixedCostsConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """The ``fixed_costs`` benchmark; writes ``fixed_costs.json``."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = new_result(
        NAME,
        {
            **asdict(config),
            "commands": {
                label: " ".join(["kedro", *c[1:]]) for label, c in commands().items()
            },
            "cwd": "a fresh project copy (pyproject.toml + conf/)",
        },
    )
    result["silhouette"] = measure_silhouette(config)
    result["mlflow_params"] = measure_mlflow_params(config, workdir)
    write_result(NAME, result, results_dir)
    result["commands"] = measure_commands(config, workdir)
    result["finished_at"] = now_iso()
    write_result(NAME, result, results_dir)
    return result
