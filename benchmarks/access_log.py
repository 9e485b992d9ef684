"""``access_log``: what uvicorn's access log costs ``POST /scoring/predict``.

The same trained scoring model (a project copy trained on the default data, or
``--trained-project``) is served by two API processes side by side, one worker
each: ``python -m ia_portfolio.serving --access-log`` (a log line per request,
uvicorn's format, to a file) and ``python -m ia_portfolio.serving`` (the default:
no access log; requests are counted by route and status in ``/metrics``). Each is
loaded with wrk in turn, ``rounds`` times, same applicant, same settings.
"""

from __future__ import annotations

import logging
import statistics
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks.common import (
    VENV_BIN,
    new_result,
    recorded,
    wait_for_low_load,
)
from benchmarks.serving import (
    HOST,
    WRK,
    ServingConfig,
    Target,
    applicant_row,
    free_port,
    http_json,
    load_target,
    payloads,
    require_wrk,
    running_server,
    train,
)

logger = logging.getLogger(__name__)

NAME = "access_log"
SETTINGS = {"access_log_on": ["--access-log"], "access_log_off": []}


@dataclass
class AccessLogConfig(ServingConfig):
    """What the ``access_log`` benchmark runs."""

    rounds: int = 2
    trained_project: Path | None = None


def api_target(name: str, project: Path, extra: list[str]) -> Target:
    """The project's API on a free port, with ``extra`` command-line options."""
    port = free_port()
    return Target(
        name=name,
        command=[str(VENV_BIN / "python"), "-m", "ia_portfolio.serving"]
        + ["--host", HOST, "--port", str(port), "--workers", "1", *extra],
        env_extra={"IA_PORTFOLIO_PROJECT_PATH": str(project)},
        port=port,
        ready_path="/health",
        predict_path="/scoring/predict",
        body={},
    )


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its children: the
    server's work, which other processes on a busy machine do not inflate the way
    they inflate latency."""
    total = 0.0
    try:
        process = psutil.Process(pid)
        for member in [process, *process.children(recursive=True)]:
            times = member.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


def per_call_cpu_us(workdir: Path, calls: int = 50_000, repeats: int = 3) -> dict:
    """CPU µs per request of each way to record it, in this process (no server,
    no network, so the machine's load hardly matters): uvicorn's access-log line
    (its own formatter and call, written to a file) and the ``/metrics``
    middleware around a request that does nothing."""
    import asyncio  # noqa: PLC0415
    import logging.config  # noqa: PLC0415

    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    from ia_portfolio.serving.monitoring import RequestMetrics  # noqa: PLC0415

    config = {**LOGGING_CONFIG, "handlers": {**LOGGING_CONFIG["handlers"]}}
    config["handlers"]["access"] = {
        "formatter": "access",
        "class": "logging.FileHandler",
        "filename": str(workdir / "access.log"),
    }
    logging.config.dictConfig(config)
    access = logging.getLogger("uvicorn.access")

    def log_lines() -> None:
        for _ in range(calls):
            access.info(
                '%s - "%s %s HTTP/%s" %d',
                "127.0.0.1:50000",
                "POST",
                "/scoring/predict",
                "1.1",
                200,
            )

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def ignore(message: Any) -> None:
        return None

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "POST", "path": "/scoring/predict"}

    def requests(app: Any) -> Any:
        async def run() -> None:
            for _ in range(calls):
                await app(dict(scope), receive, ignore)

        return lambda: asyncio.run(run())

    measures = {
        "access_log_line": log_lines,
        "request_without_metrics": requests(bare),
        "request_with_metrics": requests(RequestMetrics(bare)),
    }
    figures = {}
    for name, measure in measures.items():
        runs = []
        for _ in range(repeats):
            start = time.process_time()
            measure()
            runs.append(1e6 * (time.process_time() - start) / calls)
        figures[name] = round(statistics.median(runs), 2)
    logging.getLogger("uvicorn.access").handlers.clear()
    figures["metrics_middleware"] = round(
        figures["request_with_metrics"] - figures["request_without_metrics"], 2
    )
    return {"calls": calls, "repeats": repeats, "cpu_us_per_call": figures}


def _combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One setting's figures over its rounds: medians, and every round."""
    return {
        "requests_per_s": statistics.median(r["requests_per_s"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "server_cpu_us_per_request": statistics.median(
            r["server_cpu_us_per_request"] for r in rounds
        ),
        "requests": sum(r["requests"] for r in rounds),
        "non_2xx": sum(r["non_2xx"] + r["warmup_non_2xx"] for r in rounds),
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "load_average_before": rounds[0]["load_average_before"],
        "rounds": rounds,
    }


def run(config: AccessLogConfig, workdir: Path, results_dir: Path) -> dict[str, Any]:
    """The ``access_log`` benchmark; writes ``access_log.json``."""
    require_wrk()
    workdir.mkdir(parents=True, exist_ok=True)
    result = new_result(
        NAME,
        {
            **asdict(config),
            "wrk": WRK,
            "settings": {name: " ".join(extra) for name, extra in SETTINGS.items()},
            "note": "The same scoring model served twice side by side, one worker "
            "each, with and without uvicorn's access log (written to a file); "
            "medians over the rounds.",
        },
        results={},
    )
    result["in_process"] = per_call_cpu_us(workdir)
    logger.info("In process, CPU µs per call: %s", result["in_process"])
    copy = None if config.keep or config.trained_project else workdir / "project"
    with recorded(NAME, result, results_dir, remove=copy):
        if config.trained_project:
            project = config.trained_project
            result["training"] = {"reused": True}
        else:
            project, result["training"] = train(config, workdir)
        targets = [api_target(name, project, extra) for name, extra in SETTINGS.items()]
        servers: dict[str, dict[str, Any]] = {}
        rounds: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
        with ExitStack() as stack:
            for target in targets:
                servers[target.name] = stack.enter_context(
                    running_server(target, workdir, project, config.startup_timeout_s)
                )
            field_kinds = http_json(targets[0].url("/scoring/schema"))
            body, _ = payloads(applicant_row(project, config.row), field_kinds)
            for target in targets:
                target.body = body
            result["model"] = http_json(targets[0].url("/scoring/model"))
            result["load_check"] = wait_for_low_load(config.max_load, config.max_wait_s)
            for _ in range(config.rounds):
                for target in targets:
                    pid = servers[target.name]["pid"]
                    cpu_before = server_cpu_s(pid)
                    measured = load_target(
                        config, target, workdir / f"{target.name}.json", servers
                    )
                    served = measured["requests"] + measured["warmup_requests"]
                    measured["server_cpu_us_per_request"] = round(
                        1e6 * (server_cpu_s(pid) - cpu_before) / max(served, 1), 1
                    )
                    rounds[target.name].append(measured)
        result["results"] = {name: _combined(r) for name, r in rounds.items()}
        on, off = (result["results"][name] for name in SETTINGS)
        result["access_log_share_of_time"] = round(
            1 - on["requests_per_s"] / off["requests_per_s"], 3
        )
        result["access_log_share_of_server_cpu"] = round(
            1 - off["server_cpu_us_per_request"] / on["server_cpu_us_per_request"], 3
        )
        result["ok"] = all(r["non_2xx"] + r["socket_errors"] == 0 for r in (on, off))
        logger.info(
            "Access log on: %.0f req/s, %.0f CPU-us/request; off: %.0f req/s, "
            "%.0f CPU-us/request (the log: %.1f %% of the server's CPU).",
            on["requests_per_s"],
            on["server_cpu_us_per_request"],
            off["requests_per_s"],
            off["server_cpu_us_per_request"],
            100 * result["access_log_share_of_server_cpu"],
        )
    return result
