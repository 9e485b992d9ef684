"""``scale``: wall time and peak memory of ``kedro run --pipeline=scoring --env
original`` on Home-Credit-shaped synthetic data of growing size, against a plain
LightGBM on the same table in the same run.

Each size's CSV is generated once (not timed) and linked into a fresh project
copy per run, at the path the ``original`` catalog reads. Each run is timed as a
subprocess under GNU time, with the whole process tree's RSS sampled; its node
times are split into the tuning (Optuna on a stratified sample of at most
``tuning.max_rows`` rows: a fixed cost beyond that size) and the work on the whole
table (preparing, cross-validating, refitting, testing, explaining, reporting).
``repeats`` rounds go through every size in turn (so a change of load spreads
over all sizes); each (size, round) also times the plain-LightGBM baseline
(``python -m benchmarks.scale baseline``: read the CSV, prepare, 100 boosting
rounds with 2 threads, hold-out ROC AUC), and the pipeline's median is reported
as a multiple of the baseline's.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PROJECT_ROOT,
    VENV_BIN,
    benchmark_env,
    copy_project,
    git_commit,
    measure_kedro_run,
    new_result,
    now_iso,
    run_measured,
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
BASELINE_ROUNDS = 100
BASELINE_THREADS = 2
BASELINE_SEED = 42  # the pipeline's seed: the same share of rows held out


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
    repeats: int = 3
    baseline: bool = True

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


def split_node_times(node_times: dict[str, float]) -> dict[str, float]:
    """A run's node seconds split into the tuning (``tune_*`` nodes: bounded by
    the tuning sample) and the work on the whole table (every other node)."""
    tuning = sum(
        t for n, t in node_times.items() if n.split(".")[-1].startswith("tune_")
    )
    return {
        "tuning_s": round(tuning, 2),
        "full_table_s": round(sum(node_times.values()) - tuning, 2),
    }


def generate_inputs(sizes: list[int], seed: int, workdir: Path) -> dict[int, Path]:
    """Each size's CSV, generated once (not timed)."""
    paths = {}
    for n_rows in sizes:
        path = workdir / "inputs" / f"application_train_{n_rows}.csv"
        if not path.exists():
            write_generated_csv(path, n_rows, seed)
        paths[n_rows] = path
    return paths


def _link(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def run_size(
    n_rows: int, csv: Path, config: ScaleConfig, workdir: Path, index: int
) -> dict[str, Any]:
    """Time and measure one run at ``n_rows`` (round ``index``)."""
    project = copy_project(workdir / f"rows_{n_rows}_run_{index}")
    _link(csv, project / RAW_CSV)
    # Others may change the code or configuration between runs: record both.
    code_state = {
        "git_commit": git_commit(),
        "scoring_parameters": effective_parameters(project),
    }
    figures, lines = measure_kedro_run(
        config.command(),
        project,
        workdir / f"rows_{n_rows}_run_{index}.log",
        timeout_s=config.timeout_s,
        sample_interval_s=config.sample_interval_s,
        max_load=config.max_load,
        max_wait_s=config.max_wait_s,
        budget=BUDGET,
    )
    result: dict[str, Any] = {
        "n_rows": n_rows,
        "run": index,
        "csv_bytes": csv.stat().st_size,
        **code_state,
        **figures,
        **split_node_times(figures["node_times_s"]),
        **_model_figures(project),
        "optuna": optuna_trials(lines),
    }
    if result["exit_code"] != 0:
        logger.error("Run at %d rows failed (exit %s).", n_rows, result["exit_code"])
    logger.info(
        "%d rows, run %d: %.1f s (tuning %.1f s, whole table %.1f s), peak RSS "
        "%.0f MiB, test ROC AUC %s (%s)",
        n_rows,
        index,
        result["wall_s"],
        result["tuning_s"],
        result["full_table_s"],
        result["peak_rss_bytes"] / 2**20,
        result.get("test_roc_auc"),
        result.get("chosen_model"),
    )
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return result


def baseline_command(csv: Path) -> list[str]:
    """The plain-LightGBM baseline on ``csv``, as a command."""
    return [str(VENV_BIN / "python"), "-m", "benchmarks.scale", "baseline", str(csv)]


def run_baseline(n_rows: int, csv: Path, workdir: Path, index: int) -> dict[str, Any]:
    """Time the plain-LightGBM baseline on the same CSV as the pipeline."""
    run = run_measured(
        baseline_command(csv),
        cwd=PROJECT_ROOT,
        env=benchmark_env(),
        log_file=workdir / f"baseline_{n_rows}_run_{index}.log",
        timeout_s=600,
    )
    lines = run.log_file.read_text().splitlines()
    answer = next((x for x in lines if x.startswith("BASELINE_JSON ")), None)
    result = {
        "n_rows": n_rows,
        "run": index,
        "exit_code": run.exit_code,
        "wall_s": run.wall_s,
        "user_cpu_s": run.user_cpu_s,
        "system_cpu_s": run.system_cpu_s,
        "peak_rss_bytes": run.max_rss_process_bytes,
        "cpu_percent": run.cpu_percent,
        "load_1min_during": run.load_1min_during,
        **(json.loads(answer.removeprefix("BASELINE_JSON ")) if answer else {}),
    }
    logger.info(
        "Baseline at %d rows, run %d: %.1f s, hold-out ROC AUC %s",
        n_rows,
        index,
        run.wall_s,
        result.get("roc_auc"),
    )
    return result


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def cpu_seconds(run: dict[str, Any]) -> float | None:
    """User + system CPU seconds of a measured run (GNU time): less sensitive to
    the machine's load than the wall time."""
    if run.get("user_cpu_s") is not None and run.get("system_cpu_s") is not None:
        return run["user_cpu_s"] + run["system_cpu_s"]
    if run.get("cpu_percent") is not None:
        return run["cpu_percent"] / 100 * run["wall_s"]
    return None


def summarise(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per size: spread of the wall time, tuning, whole-table work and peak
    memory over the successful runs, the baseline's, and their ratio."""
    rows = []
    for n_rows in sorted({run["n_rows"] for run in result["runs"]}):
        runs = [r for r in result["runs"] if r["n_rows"] == n_rows]
        ok = [r for r in runs if r["exit_code"] == 0]
        baselines = [
            b
            for b in result.get("baselines", [])
            if b["n_rows"] == n_rows and b["exit_code"] == 0
        ]
        wall = _spread([r["wall_s"] for r in ok])
        base = _spread([b["wall_s"] for b in baselines])
        cpu = _spread([c for r in ok if (c := cpu_seconds(r)) is not None])
        base_cpu = _spread([c for b in baselines if (c := cpu_seconds(b)) is not None])
        rows.append(
            {
                "n_rows": n_rows,
                "runs": len(runs),
                "runs_ok": len(ok),
                "wall_s": wall,
                "tuning_s": _spread([r["tuning_s"] for r in ok]),
                "full_table_s": _spread([r["full_table_s"] for r in ok]),
                "startup_and_teardown_s": _spread(
                    [r["startup_and_teardown_s"] for r in ok]
                ),
                "peak_rss_bytes_max": max(
                    (r["peak_rss_bytes"] for r in ok), default=None
                ),
                "test_roc_auc": sorted({r.get("test_roc_auc") for r in ok} - {None}),
                "chosen_model": sorted({r.get("chosen_model") for r in ok} - {None}),
                "load_1min_during_mean": _spread(
                    [
                        r["load_1min_during"]["mean"]
                        for r in ok
                        if r["load_1min_during"]["mean"]
                    ]
                ),
                "baseline_wall_s": base,
                "baseline_roc_auc": sorted(
                    {b.get("roc_auc") for b in baselines} - {None}
                ),
                "ratio_of_medians": (
                    round(wall["median"] / base["median"], 1) if wall and base else None
                ),
                "cpu_s": cpu,
                "baseline_cpu_s": base_cpu,
                "ratio_of_cpu_medians": (
                    round(cpu["median"] / base_cpu["median"], 1)
                    if cpu and base_cpu
                    else None
                ),
            }
        )
    return rows


def run(config: ScaleConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """The ``scale`` benchmark at every configured size; writes ``scale.json``."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = new_result(
        NAME,
        {
            **asdict(config),
            "command": " ".join(["kedro", *config.command()[1:]]),
            "command_argv": config.command(),
            "cwd": "a fresh project copy per run (pyproject.toml + conf/)",
            "data": (
                "ia_portfolio.generators.home_credit.generate_applications"
                f"(n_rows, seed={config.seed}) written once per size (not timed), "
                f"linked to {RAW_CSV} in each copy"
            ),
            "order": "rounds of every size in turn; in each, the baseline then "
            "the pipeline",
            "baseline": {
                "command": "python -m benchmarks.scale baseline <csv>",
                "what": "pandas.read_csv, target and id out, text columns as "
                "categories, stratified 80/20 split (seed 42), lightgbm.train "
                f"{BASELINE_ROUNDS} rounds with {BASELINE_THREADS} threads, "
                "hold-out ROC AUC",
            },
            "split": "tuning_s: the tune_* nodes (Optuna on the tuning sample); "
            "full_table_s: every other node; startup_and_teardown_s: the rest "
            "of the wall time",
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
        runs=[],
    )
    inputs = generate_inputs(config.sizes, config.seed, workdir)
    result["inputs"] = {str(n): path.stat().st_size for n, path in inputs.items()}
    result["baselines"] = []
    for index in range(1, config.repeats + 1):
        for n_rows in config.sizes:
            if config.baseline:
                result["baselines"].append(
                    run_baseline(n_rows, inputs[n_rows], workdir, index)
                )
            result["runs"].append(
                run_size(n_rows, inputs[n_rows], config, workdir, index)
            )
            result["summary"] = summarise(result)
            write_result(NAME, result, results_dir)  # partial results survive a crash
    result["finished_at"] = now_iso()
    write_result(NAME, result, results_dir)
    if not config.keep:
        shutil.rmtree(workdir / "inputs", ignore_errors=True)
    return result


def baseline(csv: Path) -> dict[str, Any]:
    """Plain LightGBM on the raw CSV: read it, prepare it (target out, id out,
    text columns as categories), hold out 20 % (stratified), train
    ``BASELINE_ROUNDS`` rounds with ``BASELINE_THREADS`` threads, ROC AUC on the
    held-out rows. Seconds per step."""
    import lightgbm as lgb  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    times = {}
    start = time.perf_counter()
    frame = pd.read_csv(csv)
    times["read_s"] = time.perf_counter() - start
    start = time.perf_counter()
    labels = frame.pop("TARGET")
    frame = frame.drop(columns=["SK_ID_CURR"])
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("category")
    x_train, x_test, y_train, y_test = train_test_split(
        frame, labels, test_size=0.2, stratify=labels, random_state=BASELINE_SEED
    )
    times["prepare_s"] = time.perf_counter() - start
    start = time.perf_counter()
    booster = lgb.train(
        {
            "objective": "binary",
            "num_threads": BASELINE_THREADS,
            "verbose": -1,
            "seed": BASELINE_SEED,
        },
        lgb.Dataset(x_train, y_train),
        num_boost_round=BASELINE_ROUNDS,
    )
    times["train_s"] = time.perf_counter() - start
    start = time.perf_counter()
    auc = roc_auc_score(y_test, booster.predict(x_test))
    times["predict_s"] = time.perf_counter() - start
    return {
        "rows": len(frame),
        "rounds": BASELINE_ROUNDS,
        "threads": BASELINE_THREADS,
        "roc_auc": round(float(auc), 4),
        **{key: round(value, 3) for key, value in times.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.scale baseline <csv>``: the baseline's figures as
    one ``BASELINE_JSON {...}`` line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale")
    parser.add_argument("what", choices=["baseline"])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write("BASELINE_JSON " + json.dumps(baseline(args.csv)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
