"""``smart_city`` and ``public_health``: wall time and peak memory of ``kedro run
--pipeline=<name>`` at full size, ``repeats`` times, each in a fresh project copy.

Each run is a subprocess timed under GNU time with the whole process tree's RSS
sampled (:func:`benchmarks.common.measure_kedro_run`). The data is generated
inside the run (the base catalog's ``GeneratedDataset``), so the generation is
part of the time, as it is for anyone who types the command. What differs
between the pipelines is a :class:`PipelineSpec`: size, generator, budget, how to
run at another size, and the pipeline's own figures read from its outputs.
"""

from __future__ import annotations

import json
import logging
import shutil
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmarks.common import (
    VENV_BIN,
    copy_project,
    machine_info,
    measure_kedro_run,
    now_iso,
    write_result,
)

logger = logging.getLogger(__name__)

MIB = 2**20


@dataclass(frozen=True)
class PipelineSpec:
    """What is particular to one pipeline's benchmark."""

    name: str  # the pipeline's name, also the benchmark's and the result file's
    full_size: int
    unit: str  # what the generator's rows are, for the logs
    generator: str
    budget: dict[str, float]
    figures: Callable[[Path], dict[str, Any]]  # the run's own figures
    size_args: Callable[[int], list[str]]  # extra CLI args at another size
    prepare: Callable[[Path, int], None] | None = None  # project copy, other size
    # Extra report columns: (header, cell of one run).
    columns: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = ()

    def command(self, n_rows: int) -> list[str]:
        """The timed command, run in each project copy."""
        command = [str(VENV_BIN / "kedro"), "run", f"--pipeline={self.name}"]
        return command if n_rows == self.full_size else command + self.size_args(n_rows)


@dataclass
class PipelineRunConfig:
    """How a pipeline benchmark runs (``n_rows=None``: the full size)."""

    n_rows: int | None = None
    repeats: int = 3
    timeout_s: float = 600.0
    sample_interval_s: float = 0.2
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False


def run_once(
    spec: PipelineSpec,
    config: PipelineRunConfig,
    n_rows: int,
    workdir: Path,
    index: int,
) -> dict[str, Any]:
    """Time and measure one run in a new project copy."""
    project = copy_project(workdir / f"run_{index}")
    if spec.prepare and n_rows != spec.full_size:
        spec.prepare(project, n_rows)
    figures, _ = measure_kedro_run(
        spec.command(n_rows),
        project,
        workdir / f"run_{index}.log",
        timeout_s=config.timeout_s,
        sample_interval_s=config.sample_interval_s,
        max_load=config.max_load,
        max_wait_s=config.max_wait_s,
        budget=spec.budget,
    )
    result = {"run": index, **figures, **spec.figures(project)}
    if result["exit_code"] != 0:
        logger.error(
            "%s run %d failed (exit %s).", spec.name, index, result["exit_code"]
        )
    logger.info(
        "%s run %d at %d %s: %.1f s, peak RSS %.0f MiB.",
        spec.name,
        index,
        n_rows,
        spec.unit,
        result["wall_s"],
        result["peak_rss_bytes"] / MIB,
    )
    if not config.keep:
        shutil.rmtree(project, ignore_errors=True)
    return result


def run(
    spec: PipelineSpec, config: PipelineRunConfig, workdir: Path, results_dir: Path
) -> dict[str, Any]:
    """``config.repeats`` measured runs; writes ``<spec.name>.json`` and returns it."""
    n_rows = config.n_rows or spec.full_size
    command = spec.command(n_rows)
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "benchmark": spec.name,
        "started_at": now_iso(),
        "machine": machine_info(),
        "config": {
            **asdict(config),
            "n_rows": n_rows,
            "command": " ".join(["kedro", *command[1:]]),
            "command_argv": command,
            "cwd": "a fresh project copy per run (pyproject.toml + conf/)",
            "data": (
                f"{spec.generator}({n_rows}, seed=0), generated inside the run (timed)"
            ),
            "memory": (
                "peak_rss_bytes: the larger of the largest RSS of any process of "
                "the run (GNU time -v) and the summed RSS of the process tree "
                f"sampled every {config.sample_interval_s} s"
            ),
            "budget": spec.budget,
            "workdir": str(workdir),
        },
        "runs": [],
    }
    for index in range(1, config.repeats + 1):
        result["runs"].append(run_once(spec, config, n_rows, workdir, index))
        write_result(spec.name, result, results_dir)  # partial results survive
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
    write_result(spec.name, result, results_dir)
    return result


# smart_city ------------------------------------------------------------------

SMART_CITY_ENV = "smart_city_benchmark"


def _smart_city_prepare(project: Path, n_rows: int) -> None:
    """An environment that changes only the generator's ``n_rows``."""
    base = yaml.safe_load((project / "conf/base/catalog_smart_city.yml").read_text())
    entry = {**base["smart_city.raw_trees"], "n_rows": n_rows}
    folder = project / "conf" / SMART_CITY_ENV
    folder.mkdir()
    (folder / "catalog.yml").write_text(yaml.safe_dump({"smart_city.raw_trees": entry}))


def _smart_city_figures(project: Path) -> dict[str, Any]:
    path = project / "data/08_reporting/smart_city/summary.json"
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


SMART_CITY = PipelineSpec(
    name="smart_city",
    full_size=200_137,
    unit="trees",
    generator="ia_portfolio.generators.paris_trees.generate_trees",
    budget={"wall_s": 120.0, "peak_rss_bytes": 4_000_000_000},
    figures=_smart_city_figures,
    size_args=lambda n_rows: ["--env", SMART_CITY_ENV],
    prepare=_smart_city_prepare,
    columns=(
        (
            "trees to inspect",
            lambda run: f"{run['trees_to_inspect']:,}" if "trees" in run else "—",
        ),
    ),
)


# public_health ---------------------------------------------------------------


def _public_health_figures(project: Path) -> dict[str, Any]:
    """Rows after each cleaning step, from the run's cleaning report."""
    path = project / "data/08_reporting/public_health/cleaning_report.csv"
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


PUBLIC_HEALTH = PipelineSpec(
    name="public_health",
    full_size=320_772,
    unit="products",
    generator="ia_portfolio.generators.open_food_facts.generate_products",
    budget={"wall_s": 120.0, "peak_rss_bytes": 4_000_000_000},
    figures=_public_health_figures,
    # The catalog reads the size as a runtime parameter.
    size_args=lambda n_rows: ["--params", f"public_health.n_rows={n_rows}"],
    columns=(
        (
            "rows raw → clean",
            lambda run: (
                f"{run['rows_raw']:,} → {run['rows_clean']:,}"
                if "rows_clean" in run
                else "—"
            ),
        ),
    ),
)

SPECS = {spec.name: spec for spec in (SMART_CITY, PUBLIC_HEALTH)}
