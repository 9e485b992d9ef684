"""Nodes of the ``scoping`` pipeline: what each pipeline of the project costs in
compute, memory and storage, read from its measurements (benchmark files, the
MLflow store, the data folders), and what that would cost in a cloud at stated
list prices and a stated cadence. A figure nobody measured stays missing."""

from __future__ import annotations

import functools
import logging
import math
import shlex
import statistics
from collections.abc import Mapping
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

MIB = 2**20
GIB = 2**30
MEASURED, NOT_MEASURED, NOT_APPLICABLE = "measured", "not measured", "not applicable"
DEFAULT_ENVS = ("local", "base")
ORIGINAL_ENV = "original"
# Every pipeline gets one row per quantity in the measurements table.
QUANTITIES: dict[str, tuple[str, str, str]] = {
    "train_wall_s": ("training", "s", "wall time of one training run (benchmark)"),
    "train_cpu_s": ("training", "CPU s", "CPU time of one training run (benchmark)"),
    "train_peak_rss_mib": ("training", "MiB", "peak memory of one training run"),
    "original_train_wall_s": (
        "training (original data)",
        "s",
        "wall time of one training run on the original dataset (benchmark)",
    ),
    "original_train_peak_rss_mib": (
        "training (original data)",
        "MiB",
        "peak memory of one training run on the original dataset (benchmark)",
    ),
    "mlflow_runs": ("training", "runs", "complete default runs in the MLflow store"),
    "mlflow_run_s": ("training", "s", "median duration of those runs (MLflow)"),
    "predictions_per_s": ("prediction", "1/s", "predictions per second, 1 worker"),
    "s_per_1k_predictions": ("prediction", "s", "worker time per 1,000 predictions"),
    "serving_rss_mib": ("prediction", "MiB", "memory of the serving process"),
    "data_mib": ("storage", "MiB", "the pipeline's data folders on disk"),
    "mlflow_mib_per_run": ("storage", "MiB", "artifacts and models of one run"),
}
MEASUREMENT_COLUMNS = [
    "pipeline",
    "activity",
    "quantity",
    "value",
    "unit",
    "status",
    "source",
    "measured_at",
    "note",
]


def _at(document: Any, path: str) -> Any:
    """The value at a dotted ``path`` of nested dictionaries (None if absent)."""
    try:
        return functools.reduce(lambda node, key: node[key], path.split("."), document)
    except (KeyError, TypeError):
        return None


# Options of `kedro run` that run only part of a pipeline.
PARTIAL_RUN_OPTIONS = (
    "--nodes",
    "--node-names",
    "--from-nodes",
    "--to-nodes",
    "--from-inputs",
    "--to-outputs",
    "--tags",
    "-n",
    "-t",
)


def _kedro_command(command: str) -> tuple[str | None, str, bool]:
    """The pipeline, the environment, and whether the run differs from the
    configured whole pipeline (parameters overridden, or only some nodes), read
    from a ``kedro run`` command line."""
    argv = shlex.split(command)
    pipeline, env, overridden = None, "local", False
    for position, argument in enumerate(argv):
        following = argv[position + 1] if position + 1 < len(argv) else None
        if argument.startswith(("--pipeline=", "--pipelines=")):
            pipeline = argument.split("=", maxsplit=1)[1]
        elif argument in ("--pipeline", "--pipelines", "-p"):
            pipeline = following
        elif argument.startswith("--env="):
            env = argument.split("=", maxsplit=1)[1]
        elif argument in ("--env", "-e"):
            env = following or env
        elif argument.startswith("--params") or argument.split("=")[0] in (
            PARTIAL_RUN_OPTIONS
        ):
            overridden = True
    return pipeline, env, overridden


def _machine(result: Mapping[str, Any]) -> str:
    machine = result.get("machine") or {}
    load = _at(machine, "load_average.1min")
    cores = machine.get("usable_cpus") or machine.get("cpu_count")
    return f"{cores} cores, load {load} at start" if cores else "machine not recorded"


def _record(
    pipeline: str, quantity: str, value: float, source: str, when: Any, note: str
) -> dict[str, Any]:
    return {
        "pipeline": pipeline,
        "quantity": quantity,
        "value": float(value),
        "source": source,
        "measured_at": str(when or ""),
        "note": note,
    }


def _runs_records(
    name: str, result: Mapping[str, Any], command: str, runs: list[Any]
) -> list[dict[str, Any]]:
    """Median wall and CPU time and largest peak memory of the successful runs of
    one benchmarked ``kedro run`` command (of the largest input size when the
    benchmark tried several). Runs of the ``original`` environment are kept apart
    (``original_*`` quantities): they say what the course's own datasets cost."""
    pipeline, env, overridden = _kedro_command(command)
    if not pipeline or overridden or env not in (*DEFAULT_ENVS, ORIGINAL_ENV):
        return []
    done = [
        run
        for run in runs
        if run.get("exit_code") == 0
        and not run.get("timed_out")
        and run.get("wall_s") is not None
    ]
    if any("n_rows" in run for run in done):
        largest = max(run.get("n_rows", 0) for run in done)
        done = [run for run in done if run.get("n_rows", 0) == largest]
    if not done:
        return []
    prefix = "original_" if env == ORIGINAL_ENV else ""
    source = f"benchmarks/results/{name}.json"
    when = result.get("started_at") or result.get("when")
    rows = done[0].get("n_rows") or _at(result, "config.n_rows")
    size = f"{rows:,} rows, " if isinstance(rows, int) else ""
    note = f"`{command}`, {size}{len(done)} run(s); {_machine(result)}"
    records = [
        _record(
            pipeline,
            f"{prefix}train_wall_s",
            statistics.median(run["wall_s"] for run in done),
            source,
            when,
            note,
        )
    ]
    cpu = [
        run["user_cpu_s"] + run["system_cpu_s"]
        for run in done
        if run.get("user_cpu_s") is not None and run.get("system_cpu_s") is not None
    ]
    if cpu and not prefix:
        records.append(
            _record(pipeline, "train_cpu_s", statistics.median(cpu), source, when, note)
        )
    peaks = [run["peak_rss_bytes"] for run in done if run.get("peak_rss_bytes")]
    if peaks:
        records.append(
            _record(
                pipeline,
                f"{prefix}train_peak_rss_mib",
                max(peaks) / MIB,
                source,
                when,
                note,
            )
        )
    return records


def _training_records(name: str, result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Training figures of a benchmark that timed ``kedro run`` (its ``runs``, or
    the ``training`` run before a serving benchmark); only whole runs with the
    configured parameters count."""
    source = f"benchmarks/results/{name}.json"
    when = result.get("started_at") or result.get("when")
    records: list[dict[str, Any]] = []
    command = _at(result, "config.command")
    runs = result.get("runs")
    if isinstance(command, str) and isinstance(runs, list):
        records += _runs_records(name, result, command, runs)
    training = result.get("training")
    if isinstance(training, Mapping) and isinstance(training.get("command"), str):
        pipeline, env, overridden = _kedro_command(training["command"])
        if (
            pipeline
            and env in DEFAULT_ENVS
            and not overridden
            and training.get("wall_s") is not None
        ):
            records.append(
                _record(
                    pipeline,
                    "train_wall_s",
                    training["wall_s"],
                    source,
                    when,
                    f"`{training['command']}` before the serving benchmark; "
                    f"{_machine(result)}",
                )
            )
    return records


def _prediction_records(
    results: Mapping[str, Mapping[str, Any]], benchmarks: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Throughput and serving memory at the places ``benchmarks`` names."""
    records = []
    for spec in benchmarks:
        result = results.get(spec["file"])
        if result is None:
            continue
        source = f"benchmarks/results/{spec['file']}.json"
        when = result.get("started_at") or result.get("when")
        note = f"{spec['what']}; {_machine(result)}"
        throughput = _at(result, spec["per_second"])
        if throughput:
            records.append(
                _record(
                    spec["pipeline"],
                    "predictions_per_s",
                    throughput,
                    source,
                    when,
                    note,
                )
            )
        elif throughput is None:
            logger.warning("%s has no %s.", source, spec["per_second"])
        memory = _at(result, spec["rss_bytes"]) if spec.get("rss_bytes") else None
        if memory:
            records.append(
                _record(
                    spec["pipeline"],
                    "serving_rss_mib",
                    memory / MIB,
                    source,
                    when,
                    note,
                )
            )
    return records


def extract_benchmark_measurements(
    benchmark_results: Mapping[str, Mapping[str, Any]], data: Mapping[str, Any]
) -> pd.DataFrame:
    """One row per figure found in the benchmark result files: training runs of
    the default environment, and the prediction benchmarks ``data`` lists."""
    records = [
        record
        for name, result in sorted(benchmark_results.items())
        for record in _training_records(name, result)
    ]
    records += _prediction_records(
        benchmark_results, list(data["prediction_benchmarks"])
    )
    logger.info(
        "%d figures from %d benchmark files.", len(records), len(benchmark_results)
    )
    return pd.DataFrame(
        records,
        columns=["pipeline", "quantity", "value", "source", "measured_at", "note"],
    )


def _bytes_with_descendants(runs: pd.DataFrame) -> pd.Series:
    """Artifacts and model bytes of each run and of the runs nested under it
    (candidate models logged as child runs)."""
    own = (runs["artifact_bytes"] + runs["model_bytes"]).astype(float)
    own.index = runs["run_id"]
    children: dict[str, list[str]] = {}
    for run_id, parent in runs[["run_id", "parent_run_id"]].itertuples(index=False):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(run_id)

    def total(run_id: str) -> float:
        return float(own[run_id]) + sum(
            total(child) for child in children.get(run_id, [])
        )

    return pd.Series({run_id: total(run_id) for run_id in own.index}, dtype=float)


def summarise_mlflow_runs(
    mlflow_runs: pd.DataFrame, project_pipelines: pd.DataFrame
) -> pd.DataFrame:
    """Per pipeline, from its complete runs (finished, whole pipeline, default
    environment, configured parameters): how many, their median duration, and
    the megabytes the latest one logged (artifacts and models, its nested runs'
    included)."""
    names = set(project_pipelines["pipeline"])
    runs = mlflow_runs[
        (mlflow_runs["status"] == "FINISHED")
        & ~mlflow_runs["partial"].astype(bool)
        & ~mlflow_runs["runtime_params"].astype(bool)
        & mlflow_runs["env"].isin(DEFAULT_ENVS)
        & mlflow_runs["pipeline"].isin(names)
    ]
    logged = _bytes_with_descendants(mlflow_runs) if not runs.empty else pd.Series()
    records = []
    for pipeline, group in runs.groupby("pipeline"):
        latest = group.sort_values("start_time").iloc[-1]
        when = str(latest["start_time"])
        source = "MLflow tracking store (conf/base/mlflow.yml)"
        note = f"{len(group)} complete run(s) of {pipeline}"
        records += [
            _record(pipeline, "mlflow_runs", len(group), source, when, note),
            _record(
                pipeline,
                "mlflow_run_s",
                float(group["duration_s"].median()),
                source,
                when,
                note,
            ),
            _record(
                pipeline,
                "mlflow_mib_per_run",
                logged[latest["run_id"]] / MIB,
                source,
                when,
                f"latest run {latest['run_id']}",
            ),
        ]
    logger.info(
        "%d of %d MLflow runs are complete default runs of a pipeline.",
        len(runs),
        len(mlflow_runs),
    )
    return pd.DataFrame(
        records,
        columns=["pipeline", "quantity", "value", "source", "measured_at", "note"],
    )


def summarise_footprint(
    data_footprint: pd.DataFrame, project_pipelines: pd.DataFrame
) -> pd.DataFrame:
    """Per pipeline, the megabytes of its data folders (``<layer>/<pipeline>/``),
    for the pipelines that have written anything."""
    footprint = data_footprint[
        data_footprint["pipeline"].isin(project_pipelines["pipeline"])
        & (data_footprint["files"] > 0)
    ]
    records = [
        _record(
            pipeline,
            "data_mib",
            group["bytes"].sum() / MIB,
            "data folders (${globals:data_root})",
            "",
            f"{int(group['files'].sum())} files in "
            + ", ".join(f"{layer}/{pipeline}" for layer in group["layer"]),
        )
        for pipeline, group in footprint.groupby("pipeline")
    ]
    return pd.DataFrame(
        records,
        columns=["pipeline", "quantity", "value", "source", "measured_at", "note"],
    )


def combine_measurements(
    project_pipelines: pd.DataFrame,
    benchmark_measurements: pd.DataFrame,
    mlflow_measurements: pd.DataFrame,
    footprint_measurements: pd.DataFrame,
) -> pd.DataFrame:
    """Every pipeline x every quantity: the latest measurement where there is
    one, else an explicit ``not measured`` row (``not applicable`` for serving
    figures of a pipeline that serves no model and was never timed predicting).
    Seconds per 1,000 predictions are derived from the throughput."""
    found = pd.concat(
        [
            frame
            for frame in (
                benchmark_measurements,
                mlflow_measurements,
                footprint_measurements,
            )
            if not frame.empty
        ]
        or [benchmark_measurements]
    )
    rows = []
    for pipeline, served in project_pipelines[["pipeline", "served"]].itertuples(
        index=False
    ):
        mine = found[found["pipeline"] == pipeline]
        throughput = mine[mine["quantity"] == "predictions_per_s"]
        for quantity, (activity, unit, _) in QUANTITIES.items():
            row = {"pipeline": pipeline, "activity": activity, "quantity": quantity}
            candidates = mine[mine["quantity"] == quantity]
            if quantity == "s_per_1k_predictions" and not throughput.empty:
                candidates = throughput.assign(
                    quantity=quantity, value=1000 / throughput["value"]
                )
            if not candidates.empty:
                latest = candidates.sort_values("measured_at").iloc[-1]
                row |= {
                    "value": latest["value"],
                    "unit": unit,
                    "status": MEASURED,
                    "source": latest["source"],
                    "measured_at": latest["measured_at"],
                    "note": latest["note"],
                }
            else:
                # A pipeline that serves no model has no serving process, and
                # no throughput unless a benchmark timed its predictions.
                unserved = activity == "prediction" and not served
                status = (
                    NOT_APPLICABLE
                    if unserved and (quantity == "serving_rss_mib" or throughput.empty)
                    else NOT_MEASURED
                )
                row |= {
                    "value": None,
                    "unit": unit,
                    "status": status,
                    "source": "",
                    "measured_at": "",
                    "note": "",
                }
            rows.append(row)
    return pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS)


def _value(measurements: pd.DataFrame, pipeline: str, quantity: str) -> float | None:
    row = measurements[
        (measurements["pipeline"] == pipeline) & (measurements["quantity"] == quantity)
    ]
    if row.empty or row.iloc[0]["status"] != MEASURED:
        return None
    return float(row.iloc[0]["value"])


def _billed_gib(mib: float, step_gib: float) -> float:
    """Memory to provision: the measured MiB rounded up to the next step."""
    return math.ceil(mib / 1024 / step_gib) * step_gib


def _sum_or_none(*parts: float | None) -> float | None:
    return None if any(part is None for part in parts) else float(sum(parts))


def estimate_costs(  # noqa: PLR0914 - one row of named figures per pipeline
    measurements: pd.DataFrame,
    project_pipelines: pd.DataFrame,
    cadence: Mapping[str, Any],
    deployment: Mapping[str, Any],
    prices: Mapping[str, Any],
) -> pd.DataFrame:
    """Monthly cloud cost per pipeline at the stated cadence and list prices:

    - training: wall time x (vCPUs x vCPU-hour + provisioned GiB x GiB-hour),
      times the runs a month (wall time from a benchmark, else from MLflow);
    - serving: worker time per 1,000 predictions x (vCPUs x vCPU-hour + GiB of
      the serving process x GiB-hour) + requests x price per million, times the
      requests a month (busy time only: idle instances and cold starts excluded);
    - storage: (data folders + MLflow megabytes per run x runs kept) x GiB-month.

    ``warm_instance_cost_month`` is the other bound of serving: one instance
    kept running all month at the same rates (Cloud Run bills idle minimum
    instances less), added to the known total in ``known_cost_month_warm``.

    A component whose measurement is missing stays empty and is named in
    ``not_measured``; the total then adds only what is known (``complete`` False).
    """
    days = cadence["days_per_month"]
    vcpu_h = prices["vcpu_hour"]["price"]
    gib_h = prices["gib_ram_hour"]["price"]
    gib_month = prices["gib_month_storage"]["price"]
    per_million = prices["million_requests"]["price"]
    step = deployment["memory_step_gib"]
    rows = []
    for pipeline, served in project_pipelines[["pipeline", "served"]].itertuples(
        index=False
    ):
        plan = {
            **cadence["default"],
            **(cadence.get("pipelines") or {}).get(pipeline, {}),
        }
        runs_month = plan["training_runs_per_month"]
        requests_day = plan["requests_per_day"] if served else 0

        def value(quantity: str, name: str = pipeline) -> float | None:
            return _value(measurements, name, quantity)

        missing = []
        wall = value("train_wall_s")
        wall_source = "benchmark"
        if wall is None and value("mlflow_run_s") is not None:
            wall, wall_source = value("mlflow_run_s"), "MLflow"
        peak = value("train_peak_rss_mib")
        if wall is None:
            missing.append("training time")
        if peak is None:
            missing.append("training memory")
        train_cpu_cost = (
            wall / 3600 * deployment["training_vcpus"] * vcpu_h if wall else None
        )
        train_memory_cost = (
            wall / 3600 * _billed_gib(peak, step) * gib_h if wall and peak else None
        )
        train_run = _sum_or_none(train_cpu_cost, train_memory_cost)

        seconds_1k = value("s_per_1k_predictions")
        rss = value("serving_rss_mib")
        serve_1k = serve_month = warm_month = None
        if requests_day:
            if seconds_1k is None:
                missing.append("serving throughput")
            if rss is None:
                missing.append("serving memory")
            if seconds_1k is not None and rss is not None:
                serve_1k = (
                    seconds_1k
                    / 3600
                    * (
                        deployment["serving_vcpus"] * vcpu_h
                        + _billed_gib(rss, step) * gib_h
                    )
                    + 1000 / 1e6 * per_million
                )
                serve_month = serve_1k * requests_day * days / 1000
            if rss is not None:
                warm_month = (
                    days
                    * 24
                    * (
                        deployment["serving_vcpus"] * vcpu_h
                        + _billed_gib(rss, step) * gib_h
                    )
                )

        data_mib, per_run_mib = value("data_mib"), value("mlflow_mib_per_run")
        if data_mib is None:
            missing.append("data on disk")
        if per_run_mib is None:
            missing.append("MLflow artifacts")
        stored_mib = _sum_or_none(
            data_mib,
            None if per_run_mib is None else per_run_mib * deployment["retained_runs"],
        )
        storage_month = None if stored_mib is None else stored_mib / 1024 * gib_month

        train_month = None if train_run is None else train_run * runs_month
        # Known parts only: the vCPU part of training when its memory is missing.
        train_known = train_run if train_run is not None else train_cpu_cost
        known = [
            part
            for part in (
                None if train_known is None else train_known * runs_month,
                serve_month,
                storage_month,
            )
            if part is not None
        ]
        rows.append(
            {
                "pipeline": pipeline,
                "served": bool(served),
                "training_runs_per_month": runs_month,
                "train_wall_s": wall,
                "train_wall_source": wall_source if wall is not None else "",
                "train_peak_rss_mib": peak,
                "train_cost_per_run": train_run,
                "train_cpu_cost_per_run": train_cpu_cost,
                "train_cost_month": train_month,
                "requests_per_day": requests_day,
                "s_per_1k_predictions": seconds_1k,
                "serving_rss_mib": rss,
                "serve_cost_per_1k": serve_1k,
                "serve_cost_month": serve_month,
                "warm_instance_cost_month": warm_month,
                "stored_mib": stored_mib,
                "storage_cost_month": storage_month,
                "known_cost_month": float(sum(known)),
                "known_cost_month_warm": float(sum(known) + (warm_month or 0)),
                "complete": not missing,
                "not_measured": "; ".join(missing),
            }
        )
    return pd.DataFrame(rows)
