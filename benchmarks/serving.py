"""``serving``: latency and throughput of the project's API against ``mlflow models
serve`` for the same trained model, under the same load.

A project copy is trained once on the default (Lending Club) data; then both
servers are started side by side on 127.0.0.1 and each is driven in turn by
``wrk`` (same payload, connections, threads and duration, after a warm-up).
Servers are stopped at the end, also on errors.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from benchmarks.common import (
    BENCHMARKS_DIR,
    VENV_BIN,
    benchmark_env,
    load_average,
    new_result,
    recorded,
    stop_process_group,
    tail,
    train_copy,
    tree_rss_bytes,
    wait_for_low_load,
)

logger = logging.getLogger(__name__)

NAME = "serving"
HOST = "127.0.0.1"
REGISTERED_MODEL = "ia_portfolio_scoring"
ALIAS = "champion"
WRK = "wrk"
WRK_SCRIPT = BENCHMARKS_DIR / "wrk_post.lua"
RAW_DATASET = "scoring.raw_applications"
CATALOG_FILE = Path("conf/base/catalog_scoring.yml")


@dataclass
class LoadConfig:
    """How servers are started and loaded with wrk."""

    connections: int = 4
    threads: int = 1
    duration_s: int = 20
    warmup_s: int = 5
    request_timeout_s: int = 10
    startup_timeout_s: float = 180.0
    train_timeout_s: float = 1200.0
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False
    # The wrk script that makes the requests (a class attribute: not a setting).
    wrk_script: ClassVar[Path] = WRK_SCRIPT

    def wrk_command(self, url: str, duration_s: int) -> list[str]:
        """The load command for one target URL."""
        return [
            WRK,
            f"--threads={self.threads}",
            f"--connections={self.connections}",
            f"--duration={duration_s}s",
            f"--timeout={self.request_timeout_s}s",
            "--latency",
            f"--script={self.wrk_script}",
            url,
        ]


@dataclass
class ServingConfig(LoadConfig):
    """What the ``serving`` benchmark runs."""

    n_trials: int = 5
    row: int = 0

    def train_command(self) -> list[str]:
        """The training command run in the project copy."""
        return [
            str(VENV_BIN / "kedro"),
            "run",
            "--pipeline=scoring",
            "--params",
            f"scoring.tuning.n_trials={self.n_trials}",
        ]


@dataclass
class Target:
    """One server under test."""

    name: str
    command: list[str]
    env_extra: dict[str, str]
    port: int
    ready_path: str
    predict_path: str
    body: dict[str, Any]

    def url(self, path: str) -> str:
        """``http://127.0.0.1:<port><path>``."""
        return f"http://{HOST}:{self.port}{path}"


def require_wrk() -> str:
    """The path of ``wrk``; fails with a clear message when it is missing."""
    path = shutil.which(WRK)
    if path is None:
        raise RuntimeError(
            "The serving benchmark needs the `wrk` load tool: "
            "`apt-get install -y wrk` (Debian/Ubuntu), then rerun."
        )
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_json(url: str, body: Any = None, timeout_s: float = 30.0) -> Any:
    """GET (or POST ``body`` as JSON) and decode the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.loads(response.read())


def champion_version(project: Path, registered_model: str) -> str:
    """The version of ``registered_model`` that the ``champion`` alias points to in
    ``project``'s registry: the one the API serves."""
    from mlflow import MlflowClient  # noqa: PLC0415

    client = MlflowClient(tracking_uri=tracking_uri(project))
    return str(client.get_model_version_by_alias(registered_model, ALIAS).version)


def tracking_uri(project: Path) -> str:
    """The project's MLflow sqlite store."""
    return f"sqlite:///{project / 'mlflow.db'}"


def applicant_row(project: Path, row: int) -> dict[str, Any]:
    """Row ``row`` of the raw applications the ``base`` catalog reads (real
    Lending Club loans), without target or id."""
    from kedro.io import AbstractDataset  # noqa: PLC0415

    catalog = yaml.safe_load((project / CATALOG_FILE).read_text())
    raw = AbstractDataset.from_config(RAW_DATASET, catalog[RAW_DATASET]).load()
    return raw.iloc[row].to_dict()


def payloads(
    applicant: dict[str, Any], field_kinds: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same applicant as the API's JSON object and as MLflow's
    ``dataframe_split`` (columns in model order, numbers as floats)."""
    import pandas as pd  # noqa: PLC0415

    fields: dict[str, Any] = {}
    for name, kind in field_kinds.items():
        value = applicant.get(name)
        if value is None or pd.isna(value):
            fields[name] = None
        else:
            fields[name] = float(value) if kind == "numeric" else str(value)
    frame = pd.DataFrame([fields], columns=list(field_kinds))
    split = json.loads(frame.to_json(orient="split"))
    return fields, {"dataframe_split": split}


def wait_until_ready(
    target: Target, process: subprocess.Popen, log_file: Path, timeout_s: float
) -> float:
    """Poll the target's readiness URL; seconds it took. Fails if the server
    exits or does not answer within ``timeout_s``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(
                f"{target.name} exited with {process.returncode}:\n"
                + "\n".join(tail(log_file))
            )
        try:
            with urllib.request.urlopen(target.url(target.ready_path), timeout=2):
                return round(time.monotonic() - start, 2)
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{target.name} not ready after {timeout_s:.0f} s.")


@contextmanager
def running_server(
    target: Target, workdir: Path, cwd: Path, timeout_s: float
) -> Iterator[dict[str, Any]]:
    """Start ``target`` in its own process group, wait until it answers, and stop
    it (the whole group) on exit."""
    log_file = workdir / f"{target.name}.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            target.command,
            cwd=cwd,
            env=benchmark_env(**target.env_extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    info: dict[str, Any] = {"pid": process.pid, "log_file": str(log_file)}
    try:
        info["startup_s"] = wait_until_ready(target, process, log_file, timeout_s)
        logger.info(
            "%s ready in %.1f s on port %d", target.name, info["startup_s"], target.port
        )
        yield info
    finally:
        stop_process_group(process)
        logger.info("%s stopped.", target.name)


def run_wrk(
    config: LoadConfig, target: Target, body_file: Path, duration_s: int
) -> dict[str, Any]:
    """Drive ``target`` with wrk for ``duration_s``; latency, rate and errors."""
    body_file.write_text(json.dumps(target.body))
    command = config.wrk_command(target.url(target.predict_path), duration_s)
    completed = subprocess.run(
        command,
        env=benchmark_env(WRK_BODY_FILE=str(body_file)),
        capture_output=True,
        text=True,
        timeout=duration_s + config.request_timeout_s + 30,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    lines = completed.stdout.splitlines()
    summary_line = next((x for x in lines if x.startswith("WRK_JSON ")), None)
    if summary_line is None:
        raise RuntimeError(f"No summary in wrk's output:\n{completed.stdout}")
    summary = json.loads(summary_line.removeprefix("WRK_JSON "))
    latency_us = summary["latency_us"]
    errors = sum(summary["errors"].values()) - summary["errors"]["status"]
    return {
        "command": " ".join(command),
        "requests": summary["requests"],
        "duration_s": round(summary["duration_us"] / 1e6, 3),
        "requests_per_s": round(
            summary["requests"] / (summary["duration_us"] / 1e6), 1
        ),
        "latency_ms": {k: round(v / 1000, 2) for k, v in latency_us.items()},
        "p50_ms": round(latency_us["p50"] / 1000, 2),
        "p99_ms": round(latency_us["p99"] / 1000, 2),
        "non_2xx": summary["non_2xx"],
        "socket_errors": errors,
        "errors": summary["errors"],
        "bytes_received": summary["bytes"],
        "wrk_output": [x for x in lines if not x.startswith("WRK_JSON ")],
    }


def api_target(
    project: Path,
    port: int,
    predict_path: str,
    body: Any = None,
    env_extra: dict[str, str] | None = None,
) -> Target:
    """The project's API on ``port`` (uvicorn, one worker) serving ``project``'s
    models, loaded on route ``predict_path`` with ``body``."""
    return Target(
        name="ia_portfolio_api",
        command=[str(VENV_BIN / "python"), "-m", "ia_portfolio.serving", "--host", HOST]
        + ["--port", str(port), "--workers", "1"],
        env_extra={"IA_PORTFOLIO_PROJECT_PATH": str(project), **(env_extra or {})},
        port=port,
        ready_path="/health",
        predict_path=predict_path,
        body={} if body is None else body,
    )


def api_and_mlflow_targets(
    project: Path,
    registered_model: str,
    version: int | str,
    ports: tuple[int, int],
    predict_path: str,
) -> list[Target]:
    """Our API (route ``predict_path``) and ``mlflow models serve`` of version
    ``version`` of ``registered_model``, one worker each (bodies are set by the
    benchmark)."""
    mlflow = str(VENV_BIN / "mlflow")
    return [
        api_target(project, ports[0], predict_path),
        Target(
            name="mlflow_models_serve",
            command=[mlflow, "models", "serve"]
            + ["-m", f"models:/{registered_model}/{version}", "--env-manager", "local"]
            + ["-p", str(ports[1]), "-h", HOST, "-w", "1"],
            env_extra={"MLFLOW_TRACKING_URI": tracking_uri(project)},
            port=ports[1],
            ready_path="/ping",
            predict_path="/invocations",
            body={},
        ),
    ]


def _check_answers(api: Target, peer: Target) -> dict[str, Any]:
    """One request to each: both must succeed and agree on the probability and
    the decision (MLflow answers ``{"predictions": [{"probability_of_default":
    ..., "decision": ...}]}``)."""
    api_answer = http_json(api.url(api.predict_path), api.body)
    peer_answer = http_json(peer.url(peer.predict_path), peer.body)
    api_probability = float(api_answer["probability_of_default"])
    [prediction] = peer_answer["predictions"]
    peer_probability = float(prediction["probability_of_default"])
    logger.info(
        "API %.6f (%s) vs MLflow %.6f (%s)",
        api_probability,
        api_answer["decision"],
        peer_probability,
        prediction["decision"],
    )
    return {
        "api_answer": api_answer,
        "mlflow_answer": peer_answer,
        "probability_abs_difference": abs(api_probability - peer_probability),
        "same_decision": api_answer["decision"] == prediction["decision"],
    }


def train(config: ServingConfig, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """A project copy trained on the default data; the run's figures."""
    project, figures = train_copy(
        config.train_command(), config.train_timeout_s, workdir
    )
    metrics_file = project / "data/08_reporting/scoring/metrics.json"
    metrics = json.loads(metrics_file.read_text())
    return project, {
        **figures,
        "chosen_model": metrics["chosen_model"],
        "test_roc_auc": metrics["test"]["roc_auc"],
    }


def benchmark_targets(
    config: ServingConfig, project: Path, workdir: Path, result: dict[str, Any]
) -> None:
    """Start both servers side by side, check them, then load each in turn."""
    version = champion_version(project, REGISTERED_MODEL)
    api, peer = api_and_mlflow_targets(
        project,
        REGISTERED_MODEL,
        version,
        (free_port(), free_port()),
        "/scoring/predict",
    )
    result["model_version"] = version
    result["servers"] = {t.name: {"command": " ".join(t.command)} for t in (api, peer)}
    with ExitStack() as stack:
        for target in (api, peer):
            info = stack.enter_context(
                running_server(target, workdir, project, config.startup_timeout_s)
            )
            result["servers"][target.name].update(info)
        field_kinds = http_json(api.url("/scoring/schema"))
        api.body, peer.body = payloads(applicant_row(project, config.row), field_kinds)
        result["payload"] = {"row": config.row, "api": api.body, "mlflow": peer.body}
        result["answers"] = _check_answers(api, peer)
        result["load_check"] = wait_for_low_load(config.max_load, config.max_wait_s)
        for target in (api, peer):
            result["results"][target.name] = load_target(
                config, target, workdir / f"{target.name}.json", result["servers"]
            )


def load_target(
    config: LoadConfig,
    target: Target,
    body_file: Path,
    servers: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Warm ``target`` up, then load it with wrk: throughput, latency, load
    average around the measure and the server's memory after it."""
    logger.info("Warming %s up for %d s", target.name, config.warmup_s)
    warmup = run_wrk(config, target, body_file, config.warmup_s)
    load_before = load_average()
    logger.info(
        "Loading %s (%s) for %d s", target.name, body_file.stem, config.duration_s
    )
    measured = run_wrk(config, target, body_file, config.duration_s)
    measured.update(
        warmup_requests=warmup["requests"],
        warmup_non_2xx=warmup["non_2xx"],
        load_average_before=load_before,
        load_average_after=load_average(),
        server_rss_bytes_after=tree_rss_bytes(servers[target.name]["pid"]),
    )
    logger.info(
        "%s: %.1f req/s, p50 %.2f ms, p99 %.2f ms, non-2xx %d, errors %d",
        body_file.stem,
        measured["requests_per_s"],
        measured["p50_ms"],
        measured["p99_ms"],
        measured["non_2xx"],
        measured["socket_errors"],
    )
    return measured


def run_against_mlflow(
    name: str,
    config: LoadConfig,
    workdir: Path,
    results_dir: Path,
    *,
    train: Callable[[Any, Path], tuple[Path, dict[str, Any]]],
    measure: Callable[[Any, Path, Path, dict[str, Any]], None],
    note: str,
    remove_project: bool,
    sections: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Train (``train``), then load our API and ``mlflow models serve`` with wrk
    (``measure`` fills ``result["results"]``); writes ``<name>.json`` even when a
    step fails, and removes the trained project copy unless told otherwise."""
    require_wrk()
    workdir.mkdir(parents=True, exist_ok=True)
    result = new_result(
        name,
        {
            **asdict(config),
            "wrk": subprocess.run(
                [WRK, "--version"], capture_output=True, text=True, check=False
            ).stdout.split(" [")[0],
            "wrk_script": str(WRK_SCRIPT.relative_to(BENCHMARKS_DIR.parent)),
            "order": "servers started together; loaded one after the other",
            "note": note,
            "workdir": str(workdir),
        },
        **{section: {} for section in sections},
        results={},
    )
    copy = workdir / "project" if remove_project else None
    with recorded(name, result, results_dir, remove=copy):
        project, result["training"] = train(config, workdir)
        measure(config, project, workdir, result)
        errors = sum(
            r["non_2xx"] + r["socket_errors"] + r["warmup_non_2xx"]
            for r in result["results"].values()
        )
        result["ok"] = errors == 0
    return result


def run(config: ServingConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """The ``serving`` benchmark; writes ``serving.json``."""
    return run_against_mlflow(
        NAME,
        config,
        workdir,
        results_dir,
        train=train,
        measure=benchmark_targets,
        note=(
            "the API also computes SHAP reasons and validates the body; "
            "mlflow answers the probability of default and the decision, "
            "without reasons"
        ),
        remove_project=not config.keep,
    )
