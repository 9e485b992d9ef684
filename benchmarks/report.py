"""``benchmarks/results/README.md``: the figures of every result file, as tables."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MIB = 2**20


def _load(results_dir: Path, name: str) -> dict[str, Any] | None:
    path = results_dir / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _machine_line(result: dict[str, Any]) -> str:
    machine = result["machine"]
    load = machine["load_average"]
    return (
        f"{machine['usable_cpus']} cores ({machine['cpu_model']}), "
        f"{machine['memory_total_bytes'] / 2**30:.1f} GiB RAM, load average at start "
        f"{load['1min']} / {load['5min']} / {load['15min']}; run {result['started_at']}"
        f" on commit `{(machine.get('git_commit') or 'unknown')[:10]}`"
    )


def _optional(value: Any, template: str) -> str:
    return "—" if value is None else template.format(value)


def _load_cell(run: dict[str, Any]) -> str:
    during = (run.get("load_1min_during") or {}).get("mean")
    before = run["load_average_before"]["1min"]
    return f"{before} / {_optional(during, '{:.2f}')}"


def scale_rows(result: dict[str, Any]) -> list[list[str]]:
    """One table row per size of the ``scale`` benchmark."""
    rows = []
    for run in result["runs"]:
        slowest = ", ".join(
            f"{name.removeprefix('scoring.')} {run['node_times_s'][name]:.0f} s"
            for name in run["slowest_nodes"][:3]
        )
        rows.append(
            [
                f"{run['n_rows']:,}",
                f"{run['wall_s']:.0f} s ({run['wall_s'] / 60:.1f} min)",
                f"{run['peak_rss_bytes'] / MIB:,.0f} MiB",
                _optional(run.get("test_roc_auc"), "{:.4f}"),
                run.get("chosen_model", "—"),
                "ok" if run["exit_code"] == 0 else f"exit {run['exit_code']}",
                _load_cell(run),
                _optional(run.get("cpu_percent"), "{:.0f} %"),
                slowest,
            ]
        )
    return rows


def serving_rows(result: dict[str, Any]) -> list[list[str]]:
    """One table row per server of the ``serving`` benchmark."""
    rows = []
    for name, figures in result.get("results", {}).items():
        rows.append(
            [
                name,
                f"{figures['requests_per_s']:,.1f}",
                f"{figures['p50_ms']:.2f}",
                f"{figures['p99_ms']:.2f}",
                f"{figures['requests']:,}",
                str(figures["non_2xx"]),
                str(figures["socket_errors"]),
                f"{figures['server_rss_bytes_after'] / MIB:,.0f} MiB",
                str(figures["load_average_before"]["1min"]),
            ]
        )
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


SCALE_HEADER = [
    "rows",
    "wall time",
    "peak RSS",
    "test ROC AUC",
    "chosen",
    "status",
    "load 1-min before / mean during",
    "CPU",
    "slowest nodes",
]
SERVING_HEADER = [
    "server",
    "requests/s",
    "p50 ms",
    "p99 ms",
    "requests",
    "non-2xx",
    "socket errors",
    "server RSS",
    "load 1-min",
]


def _scale_section(result: dict[str, Any]) -> list[str]:
    config = result["config"]
    params = config["scoring_parameters"]
    return [
        "## scale: `kedro run --pipeline=scoring --env original`",
        "",
        f"`{config['command']}` in a fresh project copy per size, on "
        f"`generate_applications(n_rows, seed={config['seed']})` written to the "
        "Home Credit CSV path (generation not timed). "
        f"CV {params['cv']['n_splits']} folds, Optuna {params['tuning']['n_trials']}"
        f" trials / {params['tuning']['timeout_s']} s per candidate. Budget at full "
        "size: 10 min, 8 GB. Peak RSS is the larger of GNU time's maximum RSS of "
        "one process and the sampled sum over the process tree. The load during a "
        "run includes the run itself (about 1-2 on this machine); CPU is GNU time's "
        "share of one core the run got.",
        "",
        _machine_line(result),
        "",
        markdown_table(SCALE_HEADER, scale_rows(result)),
        "",
    ]


def _serving_section(result: dict[str, Any]) -> list[str]:
    config = result["config"]
    training = result.get("training", {})
    lines = [
        "## serving: our API vs `mlflow models serve`, same model",
        "",
        f"Trained with `{training.get('command', '?')}` "
        f"(chosen: {training.get('chosen_model', '?')}, "
        f"test ROC AUC {_optional(training.get('test_roc_auc'), '{:.4f}')}); "
        f"registered version {result.get('model_version', '?')}. Both servers up "
        f"side by side, 1 worker each, loaded in turn with {config['wrk']}: "
        f"{config['connections']} connections, {config['threads']} thread(s), "
        f"{config['duration_s']} s after a {config['warmup_s']} s warm-up, same "
        f"applicant (Lending Club row {config['row']}). The API also returns SHAP "
        "reasons; MLflow returns `predict_proba` only.",
        "",
        _machine_line(result),
        "",
        markdown_table(SERVING_HEADER, serving_rows(result)),
        "",
    ]
    if "error" in result:
        lines += [f"Failed: {result['error']}", ""]
    return lines


def write_readme(results_dir: Path) -> Path:
    """Rebuild ``README.md`` from the JSON results present in ``results_dir``."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks` (`make benchmarks`); the JSON files next "
        "to this one hold every figure, the machine and the exact configuration.",
        "",
    ]
    if scale := _load(results_dir, "scale"):
        lines += _scale_section(scale)
    if serving := _load(results_dir, "serving"):
        lines += _serving_section(serving)
    path = results_dir / "README.md"
    path.write_text("\n".join(lines))
    logger.info("Wrote %s", path)
    return path
