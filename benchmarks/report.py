"""``benchmarks/results/README.md``: the figures of every result file, as tables."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from benchmarks.pipeline_runs import SPECS, PipelineSpec

logger = logging.getLogger(__name__)

MIB = 2**20
TRIALS_OF = ("lightgbm", "logistic_regression")


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


def _trials_cell(run: dict[str, Any]) -> str:
    optuna = run.get("optuna") or {}
    counts = [str(optuna.get(c, {}).get("trials", "—")) for c in TRIALS_OF]
    return " / ".join(counts)


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
        split = (
            f"{run['tuning_s']:.0f} s / {run['full_table_s']:.0f} s"
            if "tuning_s" in run
            else "—"
        )
        rows.append(
            [
                f"{run['n_rows']:,}" + (f" (run {run['run']})" if "run" in run else ""),
                f"{run['wall_s']:.0f} s ({run['wall_s'] / 60:.1f} min)",
                split,
                f"{run['peak_rss_bytes'] / MIB:,.0f} MiB",
                _optional(run.get("test_roc_auc"), "{:.4f}"),
                run.get("chosen_model", "—"),
                "ok" if run["exit_code"] == 0 else f"exit {run['exit_code']}",
                _trials_cell(run),
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


def sentiment_serving_rows(result: dict[str, Any]) -> list[list[str]]:
    """One table row per server and scenario of the ``sentiment_serving``
    benchmark."""
    rows = []
    for key, figures in result.get("results", {}).items():
        server, _, scenario = key.partition("/")
        rows.append(
            [
                server,
                scenario.replace("_", " "),
                f"{figures['requests_per_s']:,.1f}",
                f"{figures['texts_per_s']:,.1f}",
                f"{figures['p50_ms']:.2f}",
                f"{figures['p99_ms']:.2f}",
                f"{figures['requests']:,}",
                str(figures["non_2xx"] + figures["socket_errors"]),
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
    "tuning / whole-table nodes",
    "peak RSS",
    "test ROC AUC",
    "chosen",
    "status",
    "Optuna trials (LightGBM / logistic)",
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

SENTIMENT_SERVING_HEADER = [
    "server",
    "request",
    "requests/s",
    "texts/s",
    "p50 ms",
    "p99 ms",
    "requests",
    "errors",
    "server RSS",
    "load 1-min",
]


def _spread_cell(spread: dict[str, float] | None, unit: str = "s") -> str:
    """``median (min-max)`` of a spread, or a dash."""
    if not spread:
        return "—"
    return f"{spread['median']:,.0f} {unit} ({spread['min']:,.0f}–{spread['max']:,.0f})"


def scale_summary_rows(result: dict[str, Any]) -> list[list[str]]:
    """One table row per size of the ``scale`` benchmark (all its runs)."""
    rows = []
    for size in result.get("summary", []):
        peak = size.get("peak_rss_bytes_max")
        aucs = ", ".join(f"{a:.4f}" for a in size["test_roc_auc"]) or "—"
        base_aucs = ", ".join(f"{a:.4f}" for a in size["baseline_roc_auc"]) or "—"
        ratio = size.get("ratio_of_medians")
        load = size.get("load_1min_during_mean")
        rows.append(
            [
                f"{size['n_rows']:,}",
                f"{size['runs_ok']} / {size['runs']}",
                _spread_cell(size["wall_s"]),
                _spread_cell(size["tuning_s"]),
                _spread_cell(size["full_table_s"]),
                _spread_cell(size["startup_and_teardown_s"]),
                "—" if peak is None else f"{peak / MIB:,.0f} MiB",
                f"{aucs} ({', '.join(size['chosen_model']) or '—'})",
                f"{_spread_cell(size['baseline_wall_s'])} (AUC {base_aucs})",
                "—" if ratio is None else f"{ratio:.1f}×",
                _spread_cell(size.get("cpu_s")),
                _spread_cell(size.get("baseline_cpu_s")),
                "—"
                if size.get("ratio_of_cpu_medians") is None
                else f"{size['ratio_of_cpu_medians']:.1f}×",
                "—"
                if not load
                else f"{load['median']:.1f} ({load['min']:.1f}–{load['max']:.1f})",
            ]
        )
    return rows


SCALE_SUMMARY_HEADER = [
    "rows",
    "runs ok",
    "wall time, median (min–max)",
    "tuning (sample)",
    "whole-table nodes",
    "start-up + teardown",
    "peak RSS (max)",
    "test ROC AUC (chosen)",
    "plain LightGBM (AUC)",
    "pipeline / LightGBM",
    "CPU s (user + sys)",
    "LightGBM CPU s",
    "pipeline / LightGBM, CPU",
    "load 1-min during",
]


def _scale_section(result: dict[str, Any]) -> list[str]:
    config = result["config"]
    runs = result["runs"]
    params = runs[-1].get("scoring_parameters") if runs else None
    params = params or config["scoring_parameters"]
    tuning = params["tuning"]
    sample = (
        f" on a stratified sample of at most {tuning['max_rows']:,} rows"
        if tuning.get("max_rows")
        else ""
    )
    lines = [
        "## scale: `kedro run --pipeline=scoring --env original`",
        "",
        f"`{config['command']}` in a fresh project copy per run, on "
        f"`generate_applications(n_rows, seed={config['seed']})` written to the "
        "Home Credit CSV path (generation not timed). "
        f"CV {params['cv']['n_splits']} folds, Optuna {tuning['n_trials']} trials / "
        f"{tuning['timeout_s']} s per candidate{sample}. Budget at full "
        "size: 10 min, 8 GB. Peak RSS is the larger of GNU time's maximum RSS of "
        "one process and the sampled sum over the process tree. The load during a "
        "run includes the run itself (about 1-2 on this machine); CPU is GNU time's "
        "share of one core the run got.",
        "",
        _machine_line(result),
        "",
    ]
    if result.get("summary"):
        baseline = config.get("baseline", {})
        lines += [
            f"{config.get('repeats', 1)} round(s) over every size in turn; per size the "
            "median and range over its runs. *Tuning* is the `tune_*` nodes (bounded "
            "by the tuning sample, hence about constant beyond it); *whole-table "
            "nodes* every other node. The plain LightGBM is "
            f"`{baseline.get('command', '?')}` ({baseline.get('what', '?')}), run "
            "just before each pipeline run on the same CSV; the ratio is the "
            "pipeline's median wall time over the baseline's, then the same in CPU "
            "seconds (user + system, GNU time), which a busy machine distorts less.",
            "",
            markdown_table(SCALE_SUMMARY_HEADER, scale_summary_rows(result)),
            "",
            "Every run:",
            "",
        ]
    lines += [markdown_table(SCALE_HEADER, scale_rows(result)), ""]
    return lines


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
        "reasons; MLflow returns the probability of default and the decision, "
        "without reasons.",
        "",
        _machine_line(result),
        "",
        markdown_table(SERVING_HEADER, serving_rows(result)),
        "",
    ]
    if "error" in result:
        lines += [f"Failed: {result['error']}", ""]
    return lines


def _sentiment_serving_section(result: dict[str, Any]) -> list[str]:
    config = result["config"]
    training = result.get("training", {})
    if training.get("reused"):
        trained = " (a project trained beforehand, reused)"
    elif training.get("wall_s") is not None:
        trained = f" in {training['wall_s']:.0f} s"
    else:
        trained = ""
    lines = [
        "## sentiment_serving: `POST /sentiment/predict` vs `mlflow models serve`",
        "",
        f"Model: `{training.get('command', '?')}`{trained}; chosen "
        f"{training.get('chosen_model', '?')} (test F1 of the negative class "
        f"{_optional(training.get('test_f1_negative'), '{:.3f}')}), registered "
        f"version {result.get('model_version', '?')} (alias `champion`). Both servers up "
        f"side by side, 1 worker each, loaded in turn with {config['wrk']}: "
        f"{config['connections']} connections, {config['threads']} thread(s), "
        f"{config['duration_s']} s after a {config['warmup_s']} s warm-up, per "
        "request one short airline-customer text or a batch of 32. The API also "
        "validates every text and names the model version in each answer.",
        "",
        _machine_line(result),
        "",
        markdown_table(SENTIMENT_SERVING_HEADER, sentiment_serving_rows(result)),
        "",
    ]
    if "error" in result:
        lines += [f"Failed: {result['error']}", ""]
    return lines


def _recommendation_serving_section(result: dict[str, Any]) -> list[str]:
    config, training = result["config"], result.get("training", {})
    trained = (
        "a project trained beforehand"
        if training.get("reused")
        else f"`{training.get('command', '?')}` in {training.get('wall_s', 0):.0f} s"
    )
    rows = [
        [target, route, *(str(figures[key]) for key in LATENCY_KEYS)]
        for target, route, figures in (
            ("API (uvicorn, 1 worker)", "GET /recommendation/users/{id}", result["api"]["get_user"]),
            ("API (uvicorn, 1 worker)", "POST /recommendation/recommend", result["api"]["post_recommend"]),
            ("Azure Function, in process", "GET /api/recommendations/{id}", result["function"]["get_user"]),
        )
    ]  # fmt: skip
    return [
        "## recommendation_serving: the promoted recommender, one request at a time",
        "",
        f"Model {config['model']} from {trained}; k = {config['k']}; "
        f"{config['requests']} requests per route after {config['warmup']} of "
        "warm-up, known readers and lists of 1-5 items just read drawn with a fixed "
        f"seed. API start-up {result['api']['startup_s']} s; function cold start "
        f"(model load) {result['function']['cold_start_s']} s.",
        "",
        _machine_line(result),
        "",
        markdown_table(["target", "route", *LATENCY_KEYS], rows),
        "",
    ]


LATENCY_KEYS = ["p50_ms", "p90_ms", "p99_ms", "max_ms", "requests_per_s"]


def _chatbot_serving_section(result: dict[str, Any]) -> list[str]:
    config, training = result["config"], result.get("training", {})
    trained = (
        "a project trained beforehand, reused"
        if training.get("reused")
        else f"trained in {training.get('wall_s', 0):.0f} s"
    )
    rows = [
        [
            key.replace("/", " / "),
            f"{figures['requests_per_s']:,.1f}",
            f"{figures['p50_ms']:.2f}",
            f"{figures['p99_ms']:.2f}",
            f"{figures['requests']:,}",
            str(figures["non_2xx"] + figures["socket_errors"]),
            f"{figures['server_rss_bytes_after'] / MIB:,.0f} MiB",
            str(figures["load_average_before"]["1min"]),
        ]
        for key, figures in result.get("results", {}).items()
    ]
    lines = [
        "## chatbot_serving: `POST /chatbot/messages`, whole conversations",
        "",
        f"Parser: `{training.get('command', '?')}` ({trained}); chosen "
        f"{training.get('chosen_parser', '?')} (held-out slot micro F1 "
        f"{_optional(training.get('test_slot_micro_f1'), '{:.3f}')}), registered "
        f"version {result.get('model_version', '?')} (alias `champion`). The API, 1 "
        f"worker, loaded with {config['wrk']}: {config['connections']} connections, "
        f"{config['threads']} thread(s), {config['duration_s']} s after a "
        f"{config['warmup_s']} s warm-up; each request is one turn of a scripted "
        "8-turn booking conversation (greeting, slots one by one, a no, a "
        "correction, yes), a new conversation id each time, one connection per wrk "
        "thread so that turns arrive in order: parsing, dialogue state, metrics and "
        "the conversation log line.",
        "",
        _machine_line(result),
        "",
        markdown_table(
            ["server / scenario", "requests/s", "p50 ms", "p99 ms", "requests"]
            + ["errors", "server RSS", "load 1-min"],
            rows,
        ),
        "",
    ]
    if "error" in result:
        lines += [f"Failed: {result['error']}", ""]
    return lines


def scene_segmentation_serving_rows(result: dict[str, Any]) -> list[list[str]]:
    """The data generator's rows of the ``scene_segmentation_serving`` benchmark:
    scene drawing, the generator alone, then fed to ``model.fit`` per worker count."""
    loader = result.get("loader") or {}
    named = [
        ("scenes drawn by the generator (in memory, 1 thread)", "scene_drawing"),
        ("PyDataset batches read + augmented, calling thread", "generator_alone"),
    ]
    rows = [
        [what, f"{loader[key]['images_per_s']:,.1f}", f"{loader[key]['cpu_ms_per_image']:.1f}"]
        for what, key in named
        if key in loader
    ]  # fmt: skip
    for workers, figures in (loader.get("fit") or {}).items():
        per_epoch = ", ".join(f"{r:,.0f}" for r in figures["images_per_s_per_epoch"])
        rows.append(
            [
                f"PyDataset fed to `model.fit`, workers={workers} (epochs: {per_epoch})",
                f"{figures['images_per_s']:,.1f}",
                f"{figures['cpu_ms_per_image']:.1f}",
            ]
        )
    return rows


def _scene_segmentation_serving_section(result: dict[str, Any]) -> list[str]:
    config, training = result["config"], result.get("training", {})
    trained = (
        "a project trained beforehand, reused"
        if training.get("reused")
        else f"trained in {training.get('wall_s', 0):.0f} s"
    )
    size = "x".join(str(n) for n in training.get("image_size", ["?"]))
    api = result.get("api") or {}
    lines = [
        "## scene_segmentation_serving: `POST /scene_segmentation/predict` and the "
        "data generator",
        "",
        f"Segmenter: `{training.get('command', '?')}` ({trained}); chosen "
        f"{training.get('chosen_model', '?')} at {size} (test mean IoU "
        f"{_optional(training.get('test_mean_iou'), '{:.3f}')}), registered version "
        f"{result.get('model_version', '?')} (alias `champion`). The API (uvicorn, "
        f"1 worker) gets {config['requests']} uploads one at a time after "
        f"{config['warmup']} of warm-up: the same generated "
        f"{config['image_height']}x{config['image_width']} PNG scene "
        f"({_optional(config.get('image_bytes'), '{:,}')} bytes), answered with the "
        "colour mask at the image's size and the category shares. Start-up "
        f"{_optional(api.get('startup_s'), '{} s')}; first request (loads the model) "
        f"{_optional(api.get('first_request_s'), '{} s')}.",
        "",
        _machine_line(result),
        "",
    ]
    if "predict" in api:
        figures = api["predict"]
        lines += [
            markdown_table(
                ["route", *LATENCY_KEYS, "server RSS", "load 1-min before / after"],
                [
                    [
                        "POST /scene_segmentation/predict",
                        *(str(figures[key]) for key in LATENCY_KEYS),
                        f"{api['server_rss_bytes_after'] / MIB:,.0f} MiB",
                        f"{api['load_average_before']['1min']} / "
                        f"{api['load_average_after']['1min']}",
                    ]
                ],
            ),
            "",
        ]
    loader = result.get("loader") or {}
    if loader:
        settings = loader["settings"]
        lines += [
            f"Data generator (with the API stopped): the first {loader['scenes']} "
            f"generated training scenes at {settings['height']}x{settings['width']}, "
            f"batches of {settings['batch_size']}, training augmentation, read from "
            "disk by `SceneBatches` (a `keras.utils.PyDataset`); through `model.fit` "
            "of a one-layer model (a 1x1 convolution, so the generator sets the "
            f"pace), median over {config['loader_epochs'] - 1} epochs after the "
            "first. Load average 1-min before / after: "
            f"{loader['load_average_before']['1min']} / "
            f"{loader.get('load_average_after', {}).get('1min', '?')}.",
            "",
            markdown_table(
                ["what", "images/s", "CPU ms / image"],
                scene_segmentation_serving_rows(result),
            ),
            "",
        ]
    if "error" in result:
        lines += [f"Failed: {result['error']}", ""]
    return lines


def _text_analytics_section(result: dict[str, Any]) -> list[str]:
    detection, full = result["language_detection"], result["full_analysis"]
    accuracy = result["accuracy"]
    long_key = next(k for k in accuracy if k.endswith("_plus_words"))
    rows = [
        [
            "language detection (fastText lid.176.ftz)",
            f"{detection['documents_per_second_median']:,.0f}",
            f"{detection['documents_per_second_min']:,.0f} – "
            f"{detection['documents_per_second_max']:,.0f}",
            f"{detection['latency_ms_p50']:.3f} / {detection['latency_ms_p95']:.3f}",
            str(detection["passes"]),
        ],
        [
            "language + sentiment (VADER) + key phrases (YAKE)",
            f"{full['documents_per_second_median']:,.0f}",
            f"{full['documents_per_second_min']:,.0f} – "
            f"{full['documents_per_second_max']:,.0f}",
            "—",
            str(full["passes"]),
        ],
    ]
    return [
        "## text_analytics: the local provider on the default data",
        "",
        f"{result['config']['corpus']}; one thread, in process, after loading the "
        f"models ({result['model_load_s']:.2f} s) and one warm-up pass. Accuracy of "
        f"the same answers: {accuracy['all']:.2%} on all {accuracy['documents']} "
        f"documents, {_optional(accuracy[long_key], '{:.2%}')} on the "
        f"{accuracy['documents_' + long_key]} of {long_key.split('_')[0]}+ words.",
        "",
        _machine_line(result),
        "",
        markdown_table(
            [
                "task",
                "documents/s (median)",
                "range",
                "ms/document p50 / p95",
                "passes",
            ],
            rows,
        ),
        "",
    ]


def pipeline_rows(spec: PipelineSpec, result: dict[str, Any]) -> list[list[str]]:
    """One table row per repeat of a ``pipeline_runs`` benchmark."""
    rows = []
    for run in result["runs"]:
        slowest = ", ".join(
            f"{name.removeprefix(spec.name + '.')} {run['node_times_s'][name]:.1f} s"
            for name in run["slowest_nodes"][:3]
        )
        rows.append(
            [
                str(run["run"]),
                f"{run['wall_s']:.1f} s",
                f"{run['peak_rss_bytes'] / MIB:,.0f} MiB",
                _optional(run.get("cpu_percent"), "{:.0f} %"),
                _load_cell(run),
                *(cell(run) for _, cell in spec.columns),
                slowest,
                "ok" if run["exit_code"] == 0 else f"exit {run['exit_code']}",
            ]
        )
    return rows


def _pipeline_section(spec: PipelineSpec, result: dict[str, Any]) -> list[str]:
    config = result["config"]
    budget = config["budget"]
    summary = result.get("summary")
    median = (
        f"Median wall time {summary['wall_s_median']:.1f} s over "
        f"{summary['runs_ok']} successful run(s) of {len(result['runs'])}, "
        f"peak RSS at most {summary['peak_rss_bytes_max'] / MIB:,.0f} MiB; "
        f"{'within' if summary['within_budget'] else 'over'} budget."
        if summary
        else "No successful run."
    )
    header = [
        "run",
        "wall time",
        "peak RSS",
        "CPU",
        "load 1-min before / mean during",
        *(name for name, _ in spec.columns),
        "slowest nodes",
        "status",
    ]
    return [
        f"## {spec.name}: `{config['command']}`",
        "",
        f"{config['data']}; a fresh project copy per run; budget "
        f"{budget['wall_s']:.0f} s and {budget['peak_rss_bytes'] / 1e9:.0f} GB. "
        f"{median}",
        "",
        _machine_line(result),
        "",
        markdown_table(header, pipeline_rows(spec, result)),
        "",
    ]


def _median_range(spread: dict[str, Any], digits: int = 2) -> str:
    return (
        f"{spread['median']:.{digits}f} ({spread['min']:.{digits}f}–"
        f"{spread['max']:.{digits}f})"
    )


def _fit_cell(figures: dict[str, Any]) -> str:
    """Wall seconds median (min–max), and the CPU seconds when recorded."""
    cell = f"{figures['median_s']:.2f} ({figures['min_s']:.2f}–{figures['max_s']:.2f})"
    if "cpu_median_s" in figures:
        cell += f"; CPU {figures['cpu_median_s']:.2f}"
    return cell


def _threads_section(result: dict[str, Any]) -> list[str]:
    rows = [
        [
            fit,
            f"{row['rows']:,}",
            _fit_cell(row[key]["1"]),
            _fit_cell(row[key]["2"]),
            f"{row['load_1min_before']} / {row['load_1min_after']}",
        ]
        for fit, name, key in (
            (
                "logistic regression (BLAS threads)",
                "logistic_regression",
                "blas_threads",
            ),
            ("LightGBM (n_jobs)", "lightgbm", "threads"),
        )
        for row in result.get(name, [])
    ]
    rule = result["config"]["rule_in_use"]
    return [
        "## threads: one or two threads per fit, by size",
        "",
        f"{result['config']['data']}; one fit per cell, {result['config']['repeats']} "
        "interleaved repeats: wall seconds median (min–max), and the process's CPU "
        "seconds (median) where recorded. On a busy machine two threads get a "
        "larger share of the cores than one, which favours them in wall time; the "
        "CPU seconds show the work. LightGBM: "
        f"{result['config']['lightgbm_params']}. Two threads first win (wall) at "
        f"{_optional(result.get('lightgbm_crossover_rows'), '{:,}')} rows (LightGBM) "
        f"and {_optional(result.get('blas_crossover_rows'), '{:,}')} rows (BLAS). "
        "Rule in `ia_portfolio/threads.py`: LightGBM uses every core from "
        f"{rule['lightgbm_parallel_min_rows']:,} training rows, one thread below; "
        "small linear fits use one BLAS thread.",
        "",
        _machine_line(result),
        "",
        markdown_table(
            [
                "fit",
                "training rows",
                "1 thread",
                "2 threads",
                "load 1-min before / after",
            ],
            rows,
        ),
        "",
    ]


def _fixed_costs_section(result: dict[str, Any]) -> list[str]:
    rows = [
        [
            f"`{label}`",
            _median_range(figures["wall_s"], 1),
            _median_range(figures["cpu_s"], 1),
            f"{len(figures['pipelines_imported'])} ({figures['pipeline_import_s']:.1f} s)",
            f"{figures['peak_rss_bytes'] / MIB:,.0f} MiB",
        ]
        for label, figures in result.get("commands", {}).items()
    ]
    params, silhouette = result["mlflow_params"], result["silhouette"]
    rows += [
        [
            f"MLflow: {params['parameters']} parameters one `log_param` at a time",
            _median_range(params["one_by_one_s"]),
            "—",
            "—",
            "—",
        ],
        [
            f"MLflow: the same {params['parameters']} in one `log_params`",
            _median_range(params["batched_s"]),
            "—",
            "—",
            "—",
        ],
        [
            f"{silhouette['silhouettes']} silhouettes on {silhouette['rows']:,} rows, "
            "distances each time",
            _median_range(silhouette["each_own_distances_s"]),
            "—",
            "—",
            "—",
        ],
        [
            "the same, distances computed once "
            f"(scores differ by {silhouette['largest_score_difference']:.1e})",
            _median_range(silhouette["distances_once_s"]),
            "—",
            "—",
            "—",
        ],
    ]
    return [
        "## fixed_costs: start-up, parameter logging, repeated distances",
        "",
        "Each `kedro` command in a fresh project copy under GNU time; pipelines "
        "imported counted with `python -X importtime` (cumulative import time in "
        f"brackets). Median (min–max) over {result['config']['repeats']} runs.",
        "",
        _machine_line(result),
        "",
        markdown_table(
            ["what", "wall s", "CPU s", "pipelines imported", "peak RSS"], rows
        ),
        "",
    ]


def _in_process_sentence(result: dict[str, Any]) -> str:
    """The per-request CPU cost of each way to record a request, measured in
    process."""
    figures = (result.get("in_process") or {}).get("cpu_us_per_call")
    if not figures:
        return ""
    return (
        " In process (CPU time of 50,000 calls, no server): one access-log line "
        f"costs {figures['access_log_line']:.1f} µs, the `/metrics` middleware "
        f"{figures['metrics_middleware']:.1f} µs per request."
    )


def _access_log_section(result: dict[str, Any]) -> list[str]:
    rows = [
        [
            name,
            f"{figures['requests_per_s']:,.1f}",
            f"{figures['p50_ms']:.2f}",
            f"{figures['p99_ms']:.2f}",
            _optional(figures.get("server_cpu_us_per_request"), "{:,.0f}"),
            f"{figures['requests']:,}",
            str(figures["non_2xx"] + figures["socket_errors"]),
            str(figures["load_average_before"]["1min"]),
        ]
        for name, figures in result.get("results", {}).items()
    ]
    config = result["config"]
    share = _optional(result.get("access_log_share_of_server_cpu"), "{:.1%}")
    return [
        "## access_log: `POST /scoring/predict` with and without uvicorn's access log",
        "",
        f"{config['note']} Loaded with {config['wrk']}: {config['connections']} "
        f"connections, {config['threads']} thread(s), {config['duration_s']} s after "
        f"a {config['warmup_s']} s warm-up per setting, settings in turn "
        f"({config.get('rounds', 1)} round(s)). Server CPU µs / request: the server "
        "process's CPU time over the requests it answered (warm-up included), which "
        "a busy machine distorts less than throughput. The access log's share of "
        f"the server's CPU: {share}.{_in_process_sentence(result)}",
        "",
        _machine_line(result),
        "",
        markdown_table(
            [
                "server",
                "requests/s",
                "p50 ms",
                "p99 ms",
                "server CPU µs / request",
                "requests",
                "errors",
                "load 1-min",
            ],
            rows,
        ),
        "",
    ]


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
    if threads := _load(results_dir, "threads"):
        lines += _threads_section(threads)
    if fixed := _load(results_dir, "fixed_costs"):
        lines += _fixed_costs_section(fixed)
    if access := _load(results_dir, "access_log"):
        lines += _access_log_section(access)
    if serving := _load(results_dir, "serving"):
        lines += _serving_section(serving)
    if sentiment := _load(results_dir, "sentiment_serving"):
        lines += _sentiment_serving_section(sentiment)
    if recommendation := _load(results_dir, "recommendation_serving"):
        lines += _recommendation_serving_section(recommendation)
    if chatbot := _load(results_dir, "chatbot_serving"):
        lines += _chatbot_serving_section(chatbot)
    if scenes := _load(results_dir, "scene_segmentation_serving"):
        lines += _scene_segmentation_serving_section(scenes)
    if text := _load(results_dir, "text_analytics"):
        lines += _text_analytics_section(text)
    for name, spec in SPECS.items():
        if result := _load(results_dir, name):
            lines += _pipeline_section(spec, result)
    path = results_dir / "README.md"
    path.write_text("\n".join(lines))
    logger.info("Wrote %s", path)
    return path
