"""``public_health``: wall time and peak memory of ``kedro run
--pipeline=public_health`` on the full-size synthetic Open Food Facts table
(320,772 products).

Each run is a subprocess in a fresh project copy, timed under GNU time with the
whole process tree's RSS sampled. The data is generated inside the run (the base
catalog's ``GeneratedDataset``), so the generation is part of the time, as it is
for anyone who types the command. At another size, the run gets
``--params public_health.n_rows=N`` (the catalog reads it as a runtime parameter).

Standalone: ``python -m benchmarks.public_health [--n-rows N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import (
    RESULTS_DIR,
    VENV_BIN,
    benchmark_env,
    copy_project,
    load_average,
    machine_info,
    now_iso,
    run_measured,
    tail,
    wait_for_low_load,
    write_result,
)
from benchmarks.scale import node_times

logger = logging.getLogger(__name__)

NAME = "public_health"
FULL_SIZE = 320_772
CLEANING_REPORT = Path("data/08_reporting/public_health/cleaning_report.csv")
BUDGET = {"wall_s": 120.0, "peak_rss_bytes": 4_000_000_000}
MIB = 2**20


@dataclass
class PublicHealthConfig:
    """What the ``public_health`` benchmark runs."""

    n_rows: int = FULL_SIZE
    repeats: int = 3
    timeout_s: float = 600.0
    sample_interval_s: float = 0.2
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False

    def command(self) -> list[str]:
        """The timed command, run in each project copy."""
        command = [str(VENV_BIN / "kedro"), "run", "--pipeline=public_health"]
        if self.n_rows != FULL_SIZE:
            command += ["--params", f"public_health.n_rows={self.n_rows}"]
        return command


def _pipeline_figures(project: Path) -> dict[str, Any]:
    """Rows after each cleaning step, from the run's cleaning report."""
    path = project / CLEANING_REPORT
    if not path.exists():
        return {}
    report = pd.read_csv(path)
    return {
        "rows_raw": int(report["rows_before"].iloc[0]),
        "rows_after_step": dict(
            zip(report["step"], report["rows_after"].astype(int).tolist(), strict=True)
        ),
        "rows_clean": int(report["rows_after"].iloc[-1]),
        "columns_clean": int(report["columns_after"].iloc[-1]),
        "values_imputed": int(report["values_imputed"].sum()),
    }


def run_once(config: PublicHealthConfig, workdir: Path, index: int) -> dict[str, Any]:
    """Time and measure one run in a new project copy."""
    project = copy_project(workdir / f"run_{index}")
    load_check = wait_for_low_load(config.max_load, config.max_wait_s)
    load_before = load_average()
    run = run_measured(
        config.command(),
        cwd=project,
        env=benchmark_env(),
        log_file=workdir / f"run_{index}.log",
        timeout_s=config.timeout_s,
        sample_interval_s=config.sample_interval_s,
    )
    per_node = node_times(run.log_file.read_text(errors="replace").splitlines())
    peak = max(run.max_rss_process_bytes or 0, run.peak_rss_tree_sampled_bytes)
    result: dict[str, Any] = {
        "run": index,
        "load_check": load_check,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "load_1min_during": run.load_1min_during,
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "wall_s": run.wall_s,
        "user_cpu_s": run.user_cpu_s,
        "system_cpu_s": run.system_cpu_s,
        "cpu_percent": run.cpu_percent,
        "max_rss_process_bytes": run.max_rss_process_bytes,
        "peak_rss_tree_sampled_bytes": run.peak_rss_tree_sampled_bytes,
        "peak_tree_processes": run.peak_tree_processes,
        "peak_rss_bytes": peak,
        **_pipeline_figures(project),
        "node_times_s": per_node,
        "slowest_nodes": sorted(per_node, key=per_node.__getitem__, reverse=True)[:5],
        "startup_and_teardown_s": round(run.wall_s - sum(per_node.values()), 2),
        "log_file": str(run.log_file),
    }
    if run.exit_code != 0:
        result["log_tail"] = tail(run.log_file, lines=40)
        logger.error("public_health run %d failed (exit %s).", index, run.exit_code)
    result["within_budget"] = (
        run.exit_code == 0
        and run.wall_s < BUDGET["wall_s"]
        and peak < BUDGET["peak_rss_bytes"]
    )
    logger.info(
        "public_health run %d at %d products: %.1f s, peak RSS %.0f MiB.",
        index,
        config.n_rows,
        run.wall_s,
        peak / MIB,
    )
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return result


def run(config: PublicHealthConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """``repeats`` measured runs; writes ``public_health.json`` and returns it."""
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "started_at": now_iso(),
        "machine": machine_info(),
        "config": {
            **asdict(config),
            "command": " ".join(["kedro", *config.command()[1:]]),
            "command_argv": config.command(),
            "cwd": "a fresh project copy per run (pyproject.toml + conf/)",
            "data": (
                "ia_portfolio.generators.open_food_facts.generate_products"
                f"({config.n_rows}, seed=0), generated inside the run (timed)"
            ),
            "memory": (
                "peak_rss_bytes: the larger of the largest RSS of any process of "
                "the run (GNU time -v) and the summed RSS of the process tree "
                f"sampled every {config.sample_interval_s} s"
            ),
            "budget": BUDGET,
            "workdir": str(workdir),
        },
        "runs": [],
    }
    for index in range(1, config.repeats + 1):
        result["runs"].append(run_once(config, workdir, index))
        write_result(NAME, result, results_dir)  # partial results survive a crash
    ok = [r for r in result["runs"] if r["exit_code"] == 0]
    if ok:
        result["summary"] = {
            "runs_ok": len(ok),
            "wall_s_median": round(statistics.median(r["wall_s"] for r in ok), 2),
            "wall_s_max": max(r["wall_s"] for r in ok),
            "peak_rss_bytes_max": max(r["peak_rss_bytes"] for r in ok),
            "within_budget": all(r["within_budget"] for r in result["runs"]),
        }
    result["finished_at"] = now_iso()
    write_result(NAME, result, results_dir)
    return result


def section(result: dict[str, Any]) -> list[str]:
    """Markdown lines for ``benchmarks/results/README.md``."""
    config = result["config"]
    lines = [
        f"## public_health: `{config['command']}`",
        "",
        f"{config['data']}; budget {config['budget']['wall_s']:.0f} s and "
        f"{config['budget']['peak_rss_bytes'] / 1e9:.0f} GB.",
        "",
        "| run | wall time | peak RSS | CPU | load 1-min before / mean during | "
        "rows raw → clean | slowest nodes | status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run_ in result["runs"]:
        during = (run_.get("load_1min_during") or {}).get("mean")
        slowest = ", ".join(
            f"{name.removeprefix('public_health.')} {run_['node_times_s'][name]:.1f} s"
            for name in run_["slowest_nodes"][:3]
        )
        rows = (
            f"{run_['rows_raw']:,} → {run_['rows_clean']:,}"
            if "rows_clean" in run_
            else "—"
        )
        status = "ok" if run_["exit_code"] == 0 else f"exit {run_['exit_code']}"
        lines.append(
            f"| {run_['run']} | {run_['wall_s']:.1f} s | "
            f"{run_['peak_rss_bytes'] / MIB:,.0f} MiB | "
            f"{run_.get('cpu_percent') or 0:.0f} % | "
            f"{run_['load_average_before']['1min']} / "
            f"{'—' if during is None else f'{during:.2f}'} | {rows} | {slowest} | "
            f"{status} |"
        )
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the standalone entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.public_health", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--n-rows", type=int, default=FULL_SIZE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run-timeout", type=float, default=600.0)
    parser.add_argument("--max-load", type=float, default=1.5)
    parser.add_argument("--max-wait", type=float, default=600.0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every run succeeded within budget."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    args = parse_args(argv)
    config = PublicHealthConfig(
        n_rows=args.n_rows,
        repeats=args.repeats,
        timeout_s=args.run_timeout,
        max_load=args.max_load,
        max_wait_s=args.max_wait,
        keep=args.keep,
    )
    workdir = args.workdir or Path(
        tempfile.mkdtemp(
            prefix=f"ia_portfolio_public_health_{time.strftime('%Y%m%d_%H%M%S')}_"
        )
    )
    result = run(config, workdir, args.results_dir)
    sys.stdout.write("\n".join(section(result)) + "\n")
    return 0 if result.get("summary", {}).get("within_budget") else 1


if __name__ == "__main__":
    sys.exit(main())
