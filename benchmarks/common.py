"""Helpers shared by the benchmarks: project copies, machine information, load
checks, measured subprocesses and result files."""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from ia_portfolio import sandbox

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCHMARKS_DIR / "results"
VENV_BIN = Path(sys.executable).parent
GNU_TIME = Path("/usr/bin/time")
PACKAGES = (
    "kedro",
    "kedro-mlflow",
    "mlflow",
    "pandas",
    "numpy",
    "scikit-learn",
    "lightgbm",
    "optuna",
    "shap",
    "fastapi",
    "uvicorn",
)


def copy_project(destination: Path) -> Path:
    """A copy of this project's configuration with empty data folders (runs in
    it write their outputs there and nowhere else)."""
    return sandbox.copy_project(PROJECT_ROOT, destination)


def run_outputs(project: Path, env: str | None = None) -> Path:
    """Where ``kedro run [--env <env>]`` in ``project`` writes its outputs
    (``02_intermediate`` ... ``08_reporting``): the ``data_root`` of the project's
    ``globals.yml`` as ``env`` resolves it (``data/envs/<env>`` outside the default
    environment; raw inputs stay under ``data/01_raw``)."""
    from ia_portfolio.config import ProjectConfigLoader  # noqa: PLC0415
    from ia_portfolio.settings import CONFIG_LOADER_ARGS  # noqa: PLC0415

    loader = ProjectConfigLoader(
        conf_source=str(project / "conf"), env=env, **CONFIG_LOADER_ARGS
    )
    return project / loader["globals"]["data_root"]


def benchmark_env(**extra: str) -> dict[str, str]:
    """Environment for benchmarked subprocesses: the venv first on ``PATH``, no
    telemetry, a headless matplotlib and timestamped Kedro logs."""
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "KEDRO_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "1",
            "MPLBACKEND": "Agg",
            "KEDRO_LOGGING_CONFIG": str(BENCHMARKS_DIR / "logging.yml"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _cpu_model() -> str:
    # psutil does not report the CPU's name; Linux states it in /proc/cpuinfo.
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    for line in lines:
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def git_commit() -> str | None:
    """The checked-out commit (the working tree may differ from it)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def load_average() -> dict[str, float]:
    """The 1, 5 and 15-minute load averages."""
    one, five, fifteen = os.getloadavg()
    return {"1min": round(one, 2), "5min": round(five, 2), "15min": round(fifteen, 2)}


def machine_info() -> dict[str, Any]:
    """Cores, memory, load, OS and package versions of this machine, now."""
    memory = psutil.virtual_memory()
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_total_bytes": memory.total,
        "memory_available_bytes": memory.available,
        "load_average": load_average(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": git_commit(),
    }


def wait_for_low_load(max_load: float, max_wait_s: float, poll_s: float = 15.0) -> dict:
    """Wait until the 1-minute load average is below ``max_load`` (at most
    ``max_wait_s``); returns what was observed, including whether it gave up."""
    start = time.monotonic()
    while True:
        load = os.getloadavg()[0]
        waited = time.monotonic() - start
        if load < max_load:
            logger.info("1-min load average %.2f < %.2f: go.", load, max_load)
            return {"threshold": max_load, "waited_s": round(waited, 1), "ok": True}
        if waited >= max_wait_s:
            logger.warning(
                "1-min load average still %.2f after %.0f s; measuring anyway, "
                "figures may be distorted.",
                load,
                waited,
            )
            return {"threshold": max_load, "waited_s": round(waited, 1), "ok": False}
        logger.info("1-min load average %.2f >= %.2f, waiting...", load, max_load)
        time.sleep(poll_s)


def descendants(pid: int) -> list[int]:
    """``pid``'s descendants (none if it is gone)."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (0 if it is gone)."""
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def tree_rss_bytes(pid: int) -> int:
    """Summed RSS of ``pid`` and its descendants."""
    return sum(rss_bytes(p) for p in [pid, *descendants(pid)])


class RunSampler(threading.Thread):
    """Samples the summed RSS of a process's descendants (every ``interval_s``)
    and the 1-minute load average (every ``load_interval_s``) until stopped."""

    def __init__(
        self, pid: int, interval_s: float = 0.2, load_interval_s: float = 5.0
    ) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.load_interval_s = load_interval_s
        self.peak_bytes = 0
        self.peak_processes = 0
        self.loads: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        next_load = time.monotonic()
        while not self._stop_event.is_set():
            pids = descendants(self.pid)
            total = sum(rss_bytes(p) for p in pids)
            if total > self.peak_bytes:
                self.peak_bytes, self.peak_processes = total, len(pids)
            if time.monotonic() >= next_load:
                self.loads.append(os.getloadavg()[0])
                next_load += self.load_interval_s
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def load_summary(self) -> dict[str, float | None]:
        """Mean and maximum of the sampled 1-minute load averages."""
        if not self.loads:
            return {"mean": None, "max": None}
        return {
            "mean": round(sum(self.loads) / len(self.loads), 2),
            "max": round(max(self.loads), 2),
        }


@dataclass
class MeasuredRun:
    """Outcome of a subprocess run under GNU time."""

    command: list[str]
    exit_code: int | None
    timed_out: bool
    wall_s: float
    max_rss_process_bytes: int | None
    peak_rss_tree_sampled_bytes: int
    peak_tree_processes: int
    user_cpu_s: float | None
    system_cpu_s: float | None
    cpu_percent: float | None
    load_1min_during: dict[str, float | None]
    log_file: Path


def _parse_gnu_time(report: str) -> dict[str, float]:
    keys = {
        "Maximum resident set size (kbytes)": "max_rss_kb",
        "User time (seconds)": "user_s",
        "System time (seconds)": "system_s",
        "Percent of CPU this job got": "cpu_percent",
    }
    values = {}
    for line in report.splitlines():
        label, _, value = line.strip().rpartition(": ")
        if label in keys:
            values[keys[label]] = float(value.rstrip("%"))
    return values


def run_measured(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    log_file: Path,
    timeout_s: float,
    sample_interval_s: float = 0.2,
) -> MeasuredRun:
    """Run ``command`` under ``/usr/bin/time -v``: wall time (this process's
    clock), the largest RSS of any process of the tree (GNU time) and the summed
    RSS of the whole tree (sampled). Killed after ``timeout_s``."""
    if not GNU_TIME.exists():
        raise RuntimeError(f"{GNU_TIME} is missing: apt-get install -y time")
    time_report = log_file.with_suffix(".time.txt")
    timed = [str(GNU_TIME), "-v", "-o", str(time_report), *command]
    logger.info("Running %s in %s (log: %s)", " ".join(command), cwd, log_file)
    timed_out = False
    with log_file.open("w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            timed,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        sampler = RunSampler(process.pid, sample_interval_s)
        sampler.start()
        try:
            exit_code: int | None = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            logger.error("Timed out after %.0f s: stopping it.", timeout_s)
            stop_process_group(process)
            exit_code = process.returncode
        except BaseException:  # e.g. Ctrl-C: leave no run behind
            stop_process_group(process)
            raise
        finally:
            wall = time.perf_counter() - start
            sampler.stop()
    gnu = _parse_gnu_time(time_report.read_text()) if time_report.exists() else {}
    max_rss_kb = gnu.get("max_rss_kb")
    return MeasuredRun(
        command=command,
        exit_code=exit_code,
        timed_out=timed_out,
        wall_s=round(wall, 2),
        max_rss_process_bytes=int(max_rss_kb * 1024) if max_rss_kb else None,
        peak_rss_tree_sampled_bytes=sampler.peak_bytes,
        peak_tree_processes=sampler.peak_processes,
        user_cpu_s=gnu.get("user_s"),
        system_cpu_s=gnu.get("system_s"),
        cpu_percent=gnu.get("cpu_percent"),
        load_1min_during=sampler.load_summary(),
        log_file=log_file,
    )


def stop_process_group(process: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM the process group started for ``process`` (``start_new_session``),
    then SIGKILL whatever is left of it after ``grace_s``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # the whole group is gone
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and _group_alive(process):
            time.sleep(0.2)
        if not _group_alive(process):
            break
    process.poll()


def _group_alive(process: subprocess.Popen) -> bool:
    process.poll()  # reap the leader if it exited
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def tail(path: Path, lines: int = 30) -> list[str]:
    """The last ``lines`` lines of a text file."""
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def now_iso() -> str:
    """The current UTC time, ISO 8601, seconds precision."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def portable(text: str, workdir: str | None = None) -> str:
    """``text`` without this machine's paths: the project root becomes relative,
    and the benchmark's ``workdir`` (wherever it was) and temporary working
    directories become ``<workdir>``."""
    if workdir:
        text = text.replace(workdir.rstrip("/"), "<workdir>")
    text = text.replace(f"{PROJECT_ROOT}/", "").replace(str(PROJECT_ROOT), ".")
    return re.sub(re.escape(tempfile.gettempdir()) + r"/[^/\"\s]+", "<workdir>", text)


def write_result(name: str, result: dict[str, Any], results_dir: Path) -> Path:
    """Write ``results_dir/<name>.json`` (paths made portable)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    workdir = result.get("config", {}).get("workdir")
    text = json.dumps(result, indent=2, default=str)
    path.write_text(portable(text, workdir) + "\n")
    logger.info("Wrote %s", path)
    return path


@contextmanager
def recorded(
    name: str,
    result: dict[str, Any],
    results_dir: Path,
    *,
    remove: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Write ``results_dir/<name>.json`` when the block ends, also when it fails:
    with ``finished_at``, and after an error ``ok: false`` and the error (raised
    again). Then remove the folder ``remove`` (a trained project copy), if given."""
    try:
        yield result
    except Exception as error:
        result["ok"] = False
        result["error"] = f"{type(error).__name__}: {error}"
        raise
    finally:
        result["finished_at"] = now_iso()
        write_result(name, result, results_dir)
        if remove is not None:
            shutil.rmtree(remove, ignore_errors=True)


_TIMESTAMP = r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) "
_COMPLETED = re.compile(_TIMESTAMP + r".*Completed node: (\S+)")
_FIRST_LOAD = re.compile(_TIMESTAMP + r".*Loading data from ")


def _parse_time(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")


def node_times(log_lines: list[str]) -> dict[str, float]:
    """Seconds per node (loading inputs, running, saving outputs) from the
    timestamped log: from the previous node's completion, or the first dataset
    load, to this node's completion."""
    times: dict[str, float] = {}
    previous: datetime | None = None
    for line in log_lines:
        if previous is None and (first := _FIRST_LOAD.match(line)):
            previous = _parse_time(first.group(1))
        if completed := _COMPLETED.match(line):
            stamp = _parse_time(completed.group(1))
            if previous is not None:
                times[completed.group(2)] = round((stamp - previous).total_seconds(), 2)
            previous = stamp
    return times


def measure_kedro_run(
    command: list[str],
    project: Path,
    log_file: Path,
    *,
    timeout_s: float,
    sample_interval_s: float,
    max_load: float,
    max_wait_s: float,
    budget: dict[str, float],
) -> tuple[dict[str, Any], list[str]]:
    """Wait for a low load, run ``command`` in ``project`` under
    :func:`run_measured` and return the figures every run records (load, exit
    code, wall and CPU time, peak RSS, per-node times, whether it stayed within
    ``budget``) with the run's log lines."""
    load_check = wait_for_low_load(max_load, max_wait_s)
    load_before = load_average()
    run = run_measured(
        command,
        cwd=project,
        env=benchmark_env(),
        log_file=log_file,
        timeout_s=timeout_s,
        sample_interval_s=sample_interval_s,
    )
    lines = run.log_file.read_text(errors="replace").splitlines()
    per_node = node_times(lines)
    peak = max(run.max_rss_process_bytes or 0, run.peak_rss_tree_sampled_bytes)
    figures: dict[str, Any] = {
        "load_check": load_check,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "load_1min_during": run.load_1min_during,
        "cpu_percent": run.cpu_percent,
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "wall_s": run.wall_s,
        "user_cpu_s": run.user_cpu_s,
        "system_cpu_s": run.system_cpu_s,
        "max_rss_process_bytes": run.max_rss_process_bytes,
        "peak_rss_tree_sampled_bytes": run.peak_rss_tree_sampled_bytes,
        "peak_tree_processes": run.peak_tree_processes,
        "peak_rss_bytes": peak,
        "node_times_s": per_node,
        "slowest_nodes": sorted(per_node, key=per_node.__getitem__, reverse=True)[:5],
        "startup_and_teardown_s": round(run.wall_s - sum(per_node.values()), 2),
        "log_file": str(run.log_file),
        "within_budget": (
            run.exit_code == 0
            and run.wall_s < budget["wall_s"]
            and peak < budget["peak_rss_bytes"]
        ),
    }
    if run.exit_code != 0:
        figures["log_tail"] = tail(run.log_file, lines=40)
    return figures, lines


def new_result(name: str, config: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """The start of every result file: which benchmark, when, on what machine and
    with what configuration, then the benchmark's own (empty) ``sections``."""
    return {
        "benchmark": name,
        "started_at": now_iso(),
        "machine": machine_info(),
        "config": config,
        **sections,
    }


def train_copy(
    command: list[str], timeout_s: float, workdir: Path
) -> tuple[Path, dict[str, Any]]:
    """A project copy where the training ``command`` ran; the run's figures."""
    project = copy_project(workdir / "project")
    run = run_measured(
        command,
        cwd=project,
        env=benchmark_env(),
        log_file=workdir / "train.log",
        timeout_s=timeout_s,
    )
    if run.exit_code != 0:
        raise RuntimeError(
            f"Training failed ({run.exit_code}):\n" + "\n".join(tail(run.log_file))
        )
    return project, {
        "command": " ".join(["kedro", *command[1:]]),
        "wall_s": run.wall_s,
        "log_file": str(run.log_file),
    }


def timed_calls(
    call: Callable[[Any], Any], inputs: list[Any], warmup: int
) -> list[float]:
    """``call`` on each of ``inputs`` one after the other: the first ``warmup``
    untimed, then the seconds each of the others took."""
    for value in inputs[:warmup]:
        call(value)
    latencies = []
    for value in inputs[warmup:]:
        start = time.perf_counter()
        call(value)
        latencies.append(time.perf_counter() - start)
    return latencies


def latency_summary(latencies_s: list[float]) -> dict[str, float]:
    """Requests, p50, p90, p99 and max latency in ms, and requests per second, of
    requests sent one at a time."""
    ms = np.asarray(latencies_s) * 1000
    return {
        "requests": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "requests_per_s": round(len(ms) / (ms.sum() / 1000), 1),
    }
