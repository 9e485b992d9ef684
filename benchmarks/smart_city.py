"""``smart_city``: wall time and peak memory of ``kedro run --pipeline=smart_city``
on the full-size synthetic Paris tree inventory (200,137 trees).

Each run is a subprocess in a fresh project copy, timed under GNU time with the
whole process tree's RSS sampled. The data is generated inside the run (the
base catalog's ``GeneratedDataset``), so the generation is part of the time, as
it is for anyone who types the command. At another size, the copy gets a
``smart_city_benchmark`` environment whose only change is the generator's
``n_rows``.

Standalone: ``python -m benchmarks.smart_city [--n-rows N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

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

NAME = "smart_city"
FULL_SIZE = 200_137
SUMMARY_JSON = Path("data/08_reporting/smart_city/summary.json")
BUDGET = {"wall_s": 120.0, "peak_rss_bytes": 4_000_000_000}
MIB = 2**20


@dataclass
class SmartCityConfig:
    """What the ``smart_city`` benchmark runs."""

    n_rows: int = FULL_SIZE
    repeats: int = 3
    timeout_s: float = 600.0
    sample_interval_s: float = 0.2
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False

    @property
    def env(self) -> str | None:
        """The Kedro environment: base at full size, else ``smart_city_benchmark``."""
        return None if self.n_rows == FULL_SIZE else "smart_city_benchmark"

    def command(self) -> list[str]:
        """The timed command, run in each project copy."""
        command = [str(VENV_BIN / "kedro"), "run", "--pipeline=smart_city"]
        return [*command, "--env", self.env] if self.env else command


def prepare_project(workdir: Path, config: SmartCityConfig) -> Path:
    """A fresh project copy; at another size than the original's, an
    environment that changes only the generator's ``n_rows``."""
    project = copy_project(workdir)
    if config.env:
        base = yaml.safe_load(
            (project / "conf/base/catalog_smart_city.yml").read_text()
        )
        entry = {**base["smart_city.raw_trees"], "n_rows": config.n_rows}
        folder = project / "conf" / config.env
        folder.mkdir()
        (folder / "catalog.yml").write_text(
            yaml.safe_dump({"smart_city.raw_trees": entry})
        )
    return project


def _pipeline_figures(project: Path) -> dict[str, Any]:
    path = project / SUMMARY_JSON
    if not path.exists():
        return {}
    summary = json.loads(path.read_text())
    return {
        "trees": summary["clean_shape"][0],
        "trees_to_inspect": summary["maintenance"]["trees_to_inspect"],
        "outliers_flagged": {
            column: counts["flagged"] for column, counts in summary["outliers"].items()
        },
    }


def run_once(config: SmartCityConfig, workdir: Path, index: int) -> dict[str, Any]:
    """Time and measure one run in a new project copy."""
    project = prepare_project(workdir / f"run_{index}", config)
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
        logger.error("smart_city run %d failed (exit %s).", index, run.exit_code)
    result["within_budget"] = (
        run.exit_code == 0
        and run.wall_s < BUDGET["wall_s"]
        and peak < BUDGET["peak_rss_bytes"]
    )
    logger.info(
        "smart_city run %d at %d trees: %.1f s, peak RSS %.0f MiB.",
        index,
        config.n_rows,
        run.wall_s,
        peak / MIB,
    )
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return result


def run(config: SmartCityConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """``repeats`` measured runs; writes ``smart_city.json`` and returns it."""
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
                "ia_portfolio.generators.paris_trees.generate_trees"
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
        f"## smart_city: `{config['command']}`",
        "",
        f"{config['data']}; budget {config['budget']['wall_s']:.0f} s and "
        f"{config['budget']['peak_rss_bytes'] / 1e9:.0f} GB.",
        "",
        "| run | wall time | peak RSS | CPU | load 1-min before / mean during | "
        "slowest nodes | status |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run_ in result["runs"]:
        during = (run_.get("load_1min_during") or {}).get("mean")
        slowest = ", ".join(
            f"{name.removeprefix('smart_city.')} {run_['node_times_s'][name]:.1f} s"
            for name in run_["slowest_nodes"][:3]
        )
        status = "ok" if run_["exit_code"] == 0 else f"exit {run_['exit_code']}"
        lines.append(
            f"| {run_['run']} | {run_['wall_s']:.1f} s | "
            f"{run_['peak_rss_bytes'] / MIB:,.0f} MiB | "
            f"{run_.get('cpu_percent') or 0:.0f} % | "
            f"{run_['load_average_before']['1min']} / "
            f"{'—' if during is None else f'{during:.2f}'} | {slowest} | {status} |"
        )
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the standalone entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.smart_city", description=__doc__.splitlines()[0]
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
    config = SmartCityConfig(
        n_rows=args.n_rows,
        repeats=args.repeats,
        timeout_s=args.run_timeout,
        max_load=args.max_load,
        max_wait_s=args.max_wait,
        keep=args.keep,
    )
    workdir = args.workdir or Path(
        tempfile.mkdtemp(
            prefix=f"ia_portfolio_smart_city_{time.strftime('%Y%m%d_%H%M%S')}_"
        )
    )
    result = run(config, workdir, args.results_dir)
    sys.stdout.write("\n".join(section(result)) + "\n")
    return 0 if result.get("summary", {}).get("within_budget") else 1


if __name__ == "__main__":
    sys.exit(main())
