"""``threads``: how many threads pay for the scoring pipeline's fits, by size.

On Home-Credit-shaped generated applications prepared as the pipeline prepares
them, the time of one fit at growing numbers of training rows:

- LightGBM (the tree preprocessing, 200 trees of 31 leaves) with 1 and 2
  threads (``n_jobs``);
- logistic regression (the linear preprocessing, one-hot and scaled) with 1
  and 2 BLAS threads.

Runs are interleaved (1 thread, 2 threads, 1 thread, ...) so that a change of
load hits both settings alike; medians and ranges are reported, with the load.
The crossover is the smallest size at which 2 threads are faster: the rule of
``ia_portfolio.threads``.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import load_average, new_result, now_iso, write_result

logger = logging.getLogger(__name__)

NAME = "threads"
LIGHTGBM_PARAMS = {
    "n_estimators": 200,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
}


@dataclass
class ThreadsConfig:
    """Sizes (training rows) and repeats of the ``threads`` benchmark."""

    lightgbm_rows: list[int] = field(
        default_factory=lambda: [10_000, 30_000, 100_000, 200_000]
    )
    logistic_rows: list[int] = field(default_factory=lambda: [5_000, 20_000])
    repeats: int = 3
    seed: int = 0


def _prepared(n_rows: int, seed: int) -> tuple[Any, Any, dict[str, Any]]:
    """Generated applications prepared by the scoring pipeline's own node, with
    the ``original`` environment's data parameters."""
    import yaml  # noqa: PLC0415

    from benchmarks.common import PROJECT_ROOT  # noqa: PLC0415
    from ia_portfolio.generators.home_credit import (  # noqa: PLC0415
        generate_applications,
    )
    from ia_portfolio.pipelines.scoring.nodes import (  # noqa: PLC0415
        prepare_applications,
    )

    conf = PROJECT_ROOT / "conf/original/parameters_scoring.yml"
    data = yaml.safe_load(conf.read_text())["scoring"]["data"]
    features, labels = prepare_applications(generate_applications(n_rows, seed), data)
    return features, labels, data


def _timed_fits(
    fit: Any, settings: list[int], repeats: int
) -> dict[int, list[tuple[float, float]]]:
    """Wall and CPU seconds of ``fit(setting)`` per setting, interleaved
    ``repeats`` times."""
    times: dict[int, list[tuple[float, float]]] = {s: [] for s in settings}
    for _ in range(repeats):
        for setting in settings:
            start, cpu_start = time.perf_counter(), time.process_time()
            fit(setting)
            wall = time.perf_counter() - start
            times[setting].append(
                (round(wall, 3), round(time.process_time() - cpu_start, 3))
            )
    return times


def _summary(times: dict[int, list[tuple[float, float]]]) -> dict[str, Any]:
    """Wall seconds (median, range, runs) and CPU seconds of the process per
    setting. On a busy machine the wall time favours more threads (they get a
    larger share of the cores); the CPU time shows the work each setting did."""
    summary = {}
    for setting, runs in times.items():
        walls = [wall for wall, _ in runs]
        cpus = [cpu for _, cpu in runs]
        summary[str(setting)] = {
            "median_s": round(statistics.median(walls), 3),
            "min_s": min(walls),
            "max_s": max(walls),
            "runs_s": walls,
            "cpu_median_s": round(statistics.median(cpus), 3),
            "cpu_runs_s": cpus,
        }
    return summary


def measure_lightgbm(features: Any, labels: Any, data: dict, config: ThreadsConfig):
    """LightGBM fit times with 1 and 2 threads at each size."""
    from ia_portfolio.pipelines.scoring.model import (  # noqa: PLC0415
        build_classifier,
        build_pipeline,
    )

    rows = []
    for n_rows in config.lightgbm_rows:
        x, y = features.iloc[:n_rows], labels.iloc[:n_rows]
        transformed = build_pipeline("lightgbm", {}, data, config.seed)[:-1]
        x_fit = transformed.fit_transform(x, y)
        load_before = load_average()

        def fit(threads: int, x_fit: Any = x_fit, y: Any = y) -> None:
            params = {**LIGHTGBM_PARAMS, "n_jobs": threads}
            build_classifier("lightgbm", params, config.seed).fit(x_fit, y)

        times = _timed_fits(fit, [1, 2], config.repeats)
        rows.append(
            {
                "rows": n_rows,
                "columns": x_fit.shape[1],
                "threads": _summary(times),
                "load_1min_before": load_before["1min"],
                "load_1min_after": load_average()["1min"],
            }
        )
        logger.info("LightGBM %d rows: %s", n_rows, rows[-1]["threads"])
    return rows


def measure_logistic(features: Any, labels: Any, data: dict, config: ThreadsConfig):
    """Logistic-regression fit times with 1 and 2 BLAS threads at each size."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    from ia_portfolio.pipelines.scoring.model import (  # noqa: PLC0415
        build_classifier,
        build_pipeline,
    )

    rows = []
    for n_rows in config.logistic_rows:
        x, y = features.iloc[:n_rows], labels.iloc[:n_rows]
        transformed = build_pipeline("logistic_regression", {}, data, config.seed)[:-1]
        x_fit = transformed.fit_transform(x, y)
        load_before = load_average()

        def fit(threads: int, x_fit: Any = x_fit, y: Any = y) -> None:
            with threadpool_limits(limits=threads, user_api="blas"):
                build_classifier("logistic_regression", {"C": 0.1}, config.seed).fit(
                    x_fit, y
                )

        times = _timed_fits(fit, [1, 2], config.repeats)
        rows.append(
            {
                "rows": n_rows,
                "columns": x_fit.shape[1],
                "blas_threads": _summary(times),
                "load_1min_before": load_before["1min"],
                "load_1min_after": load_average()["1min"],
            }
        )
        logger.info("Logistic regression %d rows: %s", n_rows, rows[-1]["blas_threads"])
    return rows


def crossover(rows: list[dict[str, Any]], key: str) -> int | None:
    """The smallest size at which the median with 2 threads beats 1 thread."""
    for row in rows:
        if row[key]["2"]["median_s"] < row[key]["1"]["median_s"]:
            return row["rows"]
    return None


def run(config: ThreadsConfig, results_dir: Path) -> dict[str, Any]:
    """The ``threads`` benchmark; writes ``threads.json``."""
    from ia_portfolio import threads  # noqa: PLC0415

    result = new_result(
        NAME,
        {
            **asdict(config),
            "lightgbm_params": LIGHTGBM_PARAMS,
            "data": "ia_portfolio.generators.home_credit.generate_applications, "
            "prepared by scoring's prepare_applications (original data parameters)",
            "rule_in_use": {
                "lightgbm_parallel_min_rows": threads.LIGHTGBM_PARALLEL_MIN_ROWS,
                "blas_threads_small_linear_fits": 1,
            },
        },
    )
    largest = max([*config.lightgbm_rows, *config.logistic_rows])
    features, labels, data = _prepared(largest, config.seed)
    result["logistic_regression"] = measure_logistic(features, labels, data, config)
    write_result(NAME, result, results_dir)
    result["lightgbm"] = measure_lightgbm(features, labels, data, config)
    result["lightgbm_crossover_rows"] = crossover(result["lightgbm"], "threads")
    result["blas_crossover_rows"] = crossover(
        result["logistic_regression"], "blas_threads"
    )
    result["finished_at"] = now_iso()
    write_result(NAME, result, results_dir)
    return result
