"""``python -m benchmarks [all|scale|threads|fixed_costs|access_log|serving|
sentiment_serving|text_analytics|scoring|smart_city|public_health|customer_segmentation|
customer_segmentation_olist|sentiment|recommendation|recommendation_serving|
chatbot_serving|scene_segmentation_serving|full_run|full_run_six|api_revisions]
[options]``.

Runs the chosen benchmarks, writes ``benchmarks/results/<name>.json`` and
``benchmarks/results/README.md``, and prints a summary table.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import (
    access_log,
    api_revisions,
    chatbot_serving,
    fixed_costs,
    pipeline_runs,
    recommendation_serving,
    report,
    scale,
    scene_segmentation_serving,
    sentiment_serving,
    serving,
    text_analytics,
    threads,
)
from benchmarks.common import RESULTS_DIR

logger = logging.getLogger("benchmarks")
# A benchmark: (options, its working directory) -> True when every run succeeded.
Runner = Callable[[argparse.Namespace, Path], bool]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Speed and memory benchmarks; figures go to benchmarks/results/.",
    )
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="all",
        choices=["all", *RUNNERS],
        help="api_revisions is not part of `all`: it compares with another revision",
    )
    parser.add_argument(
        "--baseline-rev",
        default="HEAD~1",
        help="api_revisions: git revision whose API is the baseline (default: HEAD~1)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="api_revisions: interleaved measurement rounds (default: 3)",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(scale.DEFAULT_SIZES),
        help="scale: generated rows per run (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="scale: generator seed")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="scale: skip the plain-LightGBM baseline",
    )
    parser.add_argument(
        "--run-timeout",
        type=float,
        default=1200.0,
        help="scale: seconds before a run is stopped (default: %(default)s)",
    )
    parser.add_argument(
        "--n-trials",
        type=int,
        default=5,
        help="serving: Optuna trials per candidate when training (default: 5)",
    )
    parser.add_argument(
        "--row",
        type=int,
        default=0,
        help="serving: Lending Club row used as the applicant (default: 0)",
    )
    parser.add_argument(
        "--trained-project",
        type=Path,
        default=None,
        help="sentiment_serving, recommendation_serving, chatbot_serving, "
        "scene_segmentation_serving: serve this "
        "project, where `kedro run --pipeline=<name>` already ran, instead of "
        "training a copy",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=20,
        help="text_analytics: timed language-detection passes over the corpus",
    )
    parser.add_argument(
        "--pipeline-repeats",
        type=int,
        default=3,
        help="timed runs per point: whole-pipeline benchmarks and scale (each in a "
        "fresh project copy), threads, fixed_costs, access_log "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--n-rows",
        type=int,
        default=None,
        help="smart_city, public_health, customer_segmentation_olist: generated rows (default: the full size)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        help="serving, sentiment_serving, chatbot_serving: wrk -c",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="serving, sentiment_serving: wrk -t (chatbot_serving: one per connection)",
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=20,
        help="serving, sentiment_serving, chatbot_serving: measured seconds per "
        "server (and scenario)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="serving, sentiment_serving, chatbot_serving: warm-up seconds per "
        "server (and scenario)",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait for the 1-min load average to drop below this before measuring",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=600.0,
        help="seconds to wait for a low load at most, then measure anyway",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where project copies go (default: a new temporary directory)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where figures go"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the project copies afterwards"
    )
    return parser.parse_args(argv)


def _load_test_options(args: argparse.Namespace) -> dict[str, Any]:
    """wrk's settings, shared by the API benchmarks."""
    return {
        "connections": args.connections,
        "threads": args.threads,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
    }


def _quiet_machine_options(args: argparse.Namespace) -> dict[str, Any]:
    """How long to wait for a quiet machine, and whether to keep project copies."""
    return {"max_load": args.max_load, "max_wait_s": args.max_wait, "keep": args.keep}


def _run_scale(args: argparse.Namespace, workdir: Path) -> bool:
    config = scale.ScaleConfig(
        sizes=args.sizes,
        seed=args.seed,
        timeout_s=args.run_timeout,
        repeats=args.pipeline_repeats,
        baseline=not args.no_baseline,
        **_quiet_machine_options(args),
    )
    result = scale.run(config, workdir, args.results_dir)
    return all(run["exit_code"] == 0 for run in result["runs"])


def _run_threads(args: argparse.Namespace, workdir: Path) -> bool:
    config = threads.ThreadsConfig(repeats=args.pipeline_repeats, seed=args.seed)
    threads.run(config, args.results_dir)
    return True


def _run_fixed_costs(args: argparse.Namespace, workdir: Path) -> bool:
    config = fixed_costs.FixedCostsConfig(repeats=args.pipeline_repeats, keep=args.keep)
    fixed_costs.run(config, workdir, args.results_dir)
    return True


def _run_access_log(args: argparse.Namespace, workdir: Path) -> bool:
    config = access_log.AccessLogConfig(
        n_trials=args.n_trials,
        row=args.row,
        rounds=args.pipeline_repeats,
        trained_project=args.trained_project,
        **_load_test_options(args),
        **_quiet_machine_options(args),
    )
    return access_log.run(config, workdir, args.results_dir)["ok"]


def _run_serving(args: argparse.Namespace, workdir: Path) -> bool:
    config = serving.ServingConfig(
        n_trials=args.n_trials,
        row=args.row,
        **_load_test_options(args),
        **_quiet_machine_options(args),
    )
    return serving.run(config, workdir, args.results_dir)["ok"]


def _run_sentiment_serving(args: argparse.Namespace, workdir: Path) -> bool:
    config = sentiment_serving.SentimentServingConfig(
        trained_project=args.trained_project,
        **_load_test_options(args),
        **_quiet_machine_options(args),
    )
    return sentiment_serving.run(config, workdir, args.results_dir)["ok"]


def _run_recommendation_serving(args: argparse.Namespace, workdir: Path) -> bool:
    config = recommendation_serving.RecommendationServingConfig(
        trained_project=args.trained_project,
        max_load=args.max_load,
        max_wait_s=args.max_wait,
    )
    return recommendation_serving.run(config, workdir, args.results_dir)["ok"]


def _run_chatbot_serving(args: argparse.Namespace, workdir: Path) -> bool:
    config = chatbot_serving.ChatbotServingConfig(
        trained_project=args.trained_project,
        **_load_test_options(args),
        **_quiet_machine_options(args),
    )
    return chatbot_serving.run(config, workdir, args.results_dir)["ok"]


def _run_scene_segmentation_serving(args: argparse.Namespace, workdir: Path) -> bool:
    config = scene_segmentation_serving.SceneSegmentationServingConfig(
        trained_project=args.trained_project, **_quiet_machine_options(args)
    )
    return scene_segmentation_serving.run(config, workdir, args.results_dir)["ok"]


def _run_text_analytics(args: argparse.Namespace, workdir: Path) -> bool:
    config = text_analytics.TextAnalyticsConfig(
        repeats=args.repeats, max_load=args.max_load, max_wait_s=args.max_wait
    )
    text_analytics.run(config, args.results_dir)
    return True


def _pipeline_runner(spec: pipeline_runs.PipelineSpec) -> Runner:
    def run(args: argparse.Namespace, workdir: Path) -> bool:
        config = pipeline_runs.PipelineRunConfig(
            n_rows=args.n_rows,
            repeats=args.pipeline_repeats,
            **_quiet_machine_options(args),
        )
        result = pipeline_runs.run(spec, config, workdir, args.results_dir)
        return all(run["exit_code"] == 0 for run in result["runs"])

    return run


def _run_api_revisions(args: argparse.Namespace, workdir: Path) -> bool:
    config = api_revisions.RevisionsConfig(
        baseline_rev=args.baseline_rev,
        rounds=args.rounds,
        **_load_test_options(args),
        keep=args.keep,
    )
    api_revisions.run(config, workdir, args.results_dir)
    return True


# In the order `all` runs them; api_revisions compares with another revision and
# runs only when named.
RUNNERS: dict[str, Runner] = {
    "scale": _run_scale,
    "threads": _run_threads,
    "fixed_costs": _run_fixed_costs,
    "access_log": _run_access_log,
    "serving": _run_serving,
    "sentiment_serving": _run_sentiment_serving,
    "recommendation_serving": _run_recommendation_serving,
    "chatbot_serving": _run_chatbot_serving,
    "scene_segmentation_serving": _run_scene_segmentation_serving,
    "text_analytics": _run_text_analytics,
    **{name: _pipeline_runner(spec) for name, spec in pipeline_runs.SPECS.items()},
    "api_revisions": _run_api_revisions,
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; 0 when every run succeeded."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    os.environ["KEDRO_DISABLE_TELEMETRY"] = "1"
    args = parse_args(argv)
    workdir = args.workdir or Path(
        tempfile.mkdtemp(prefix=f"ia_portfolio_bench_{time.strftime('%Y%m%d_%H%M%S')}_")
    )
    logger.info("Working directory: %s", workdir)
    if args.benchmark == "all":
        chosen = [name for name in RUNNERS if name != "api_revisions"]
    else:
        chosen = [args.benchmark]
    ok = True
    for name in chosen:
        try:
            ok &= RUNNERS[name](args, workdir / name)
        except Exception:
            logger.exception("The %s benchmark failed.", name)
            ok = False
    readme = report.write_readme(args.results_dir)
    sys.stdout.write("\n" + readme.read_text())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
