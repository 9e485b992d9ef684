"""``scale``: wall time and peak memory of ``kedro run --pipeline=scoring --env
original`` on Home-Credit-shaped synthetic data of growing size.

For each size, a fresh project copy gets the generator's CSV at the path the
``original`` catalog reads (generating and writing it is not timed), then the run
is timed as a subprocess under GNU time, with the whole process tree's RSS sampled.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PROJECT_ROOT,
    VENV_BIN,
    copy_project,
    git_commit,
    machine_info,
    measure_kedro_run,
    now_iso,
    run_outputs,
    write_result,
)

logger = logging.getLogger(__name__)

NAME = "scale"
DEFAULT_SIZES = (30_000, 100_000, 307_511)
FULL_SIZE = 307_511
RAW_CSV = Path("data/01_raw/home-credit-default-risk/application_train.csv")
METRICS_JSON = Path("08_reporting/scoring/metrics.json")  # under the run's outputs
KEDRO_ENV = "original"
BUDGET = {"wall_s": 600.0, "peak_rss_bytes": 8_000_000_000}

_TRIALS = re.compile(r"(\w+): best CV ROC AUC ([\d.]+) after (\d+) trials")


@dataclass
class ScaleConfig:
    """What the ``scale`` benchmark runs."""

    sizes: list[int] = field(default_factory=lambda: list(DEFAULT_SIZES))
    seed: int = 0
    timeout_s: float = 1200.0
    sample_interval_s: float = 0.2
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False

    def command(self) -> list[str]:
        """The timed command, run in each project copy."""
        return [
            str(VENV_BIN / "kedro"),
            "run",
            "--pipeline=scoring",
            "--env",
            KEDRO_ENV,
        ]


def effective_parameters(project: Path) -> dict[str, Any]:
    """The ``scoring`` parameters a run in ``project`` with the ``original``
    environment sees (base merged with the environment)."""
    from ia_portfolio.config import ProjectConfigLoader  # noqa: PLC0415
    from ia_portfolio.settings import CONFIG_LOADER_ARGS  # noqa: PLC0415

    loader = ProjectConfigLoader(
        conf_source=str(project / "conf"), env=KEDRO_ENV, **CONFIG_LOADER_ARGS
    )
    return loader["parameters"]["scoring"]


def write_generated_csv(path: Path, n_rows: int, seed: int) -> dict[str, float]:
    """Write the generator's ``n_rows`` to ``path``; returns the (untimed-in-the-
    benchmark) generation and writing times and the file size."""
    from ia_portfolio.generators.home_credit import (  # noqa: PLC0415
        generate_applications,
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    frame = generate_applications(n_rows, seed=seed)
    generated = time.perf_counter()
    frame.to_csv(path, index=False)
    written = time.perf_counter()
    shape = frame.shape
    del frame
    gc.collect()
    logger.info("Wrote %s rows x %s columns to %s", *shape, path)
    return {
        "generation_s": round(generated - start, 2),
        "csv_write_s": round(written - generated, 2),
        "csv_bytes": path.stat().st_size,
        "columns": shape[1],
    }


def optuna_trials(log_lines: list[str]) -> dict[str, dict[str, float]]:
    """Best CV ROC AUC and number of Optuna trials per candidate, from the log."""
    found = {}
    for line in log_lines:
        if match := _TRIALS.search(line):
            found[match.group(1)] = {
                "best_cv_roc_auc": float(match.group(2)),
                "trials": int(match.group(3)),
            }
    return found


def _model_figures(project: Path) -> dict[str, Any]:
    path = run_outputs(project, KEDRO_ENV) / METRICS_JSON
    if not path.exists():
        return {}
    metrics = json.loads(path.read_text())
    return {
        "chosen_model": metrics["chosen_model"],
        "test_roc_auc": metrics["test"]["roc_auc"],
        "test_metrics": metrics["test"],
        "cv_roc_auc": {
            name: values["roc_auc"] for name, values in metrics["candidates"].items()
        },
    }


def run_size(n_rows: int, config: ScaleConfig, workdir: Path) -> dict[str, Any]:
    """Generate, then time and measure one run at ``n_rows``."""
    project = copy_project(workdir / f"rows_{n_rows}")
    data = write_generated_csv(project / RAW_CSV, n_rows, config.seed)
    # Others may change the code or configuration between sizes: record both.
    code_state = {
        "git_commit": git_commit(),
        "scoring_parameters": effective_parameters(project),
    }
    figures, lines = measure_kedro_run(
        config.command(),
        project,
        workdir / f"rows_{n_rows}.log",
        timeout_s=config.timeout_s,
        sample_interval_s=config.sample_interval_s,
        max_load=config.max_load,
        max_wait_s=config.max_wait_s,
        budget=BUDGET,
    )
    result: dict[str, Any] = {
        "n_rows": n_rows,
        **data,
        **code_state,
        **figures,
        **_model_figures(project),
        "optuna": optuna_trials(lines),
    }
    if result["exit_code"] != 0:
        logger.error("Run at %d rows failed (exit %s).", n_rows, result["exit_code"])
    logger.info(
        "%d rows: %.1f s, peak RSS %.0f MiB, test ROC AUC %s (%s)",
        n_rows,
        result["wall_s"],
        result["peak_rss_bytes"] / 2**20,
        result.get("test_roc_auc"),
        result.get("chosen_model"),
    )
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return result


def run(config: ScaleConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """The ``scale`` benchmark at every configured size; writes ``scale.json``."""
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "started_at": now_iso(),
        "machine": machine_info(),
        "config": {
            **asdict(config),
            "command": " ".join(["kedro", *config.command()[1:]]),
            "command_argv": config.command(),
            "cwd": "a fresh project copy per size (pyproject.toml + conf/)",
            "data": (
                "ia_portfolio.generators.home_credit.generate_applications"
                f"(n_rows, seed={config.seed}) written to {RAW_CSV} (not timed)"
            ),
            "memory": (
                "max_rss_process_bytes: largest RSS of any single process of the "
                "run (GNU time -v); peak_rss_tree_sampled_bytes: summed RSS of the "
                f"whole process tree sampled every {config.sample_interval_s} s; "
                "peak_rss_bytes: the larger of the two"
            ),
            "scoring_parameters": effective_parameters(PROJECT_ROOT),
            "budget_at_full_size": BUDGET,
            "workdir": str(workdir),
        },
        "runs": [],
    }
    for n_rows in config.sizes:
        result["runs"].append(run_size(n_rows, config, workdir))
        write_result(NAME, result, results_dir)  # partial results survive a crash
    result["finished_at"] = now_iso()
    write_result(NAME, result, results_dir)
    return result
