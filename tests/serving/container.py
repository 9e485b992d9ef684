"""The API's container recipe, read from the Dockerfile, and the API started as a
real process with the container's own command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.project import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
STARTUP_TIMEOUT_S = 120


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_values(keyword: str) -> list[str]:
    """The arguments of every ``keyword`` instruction."""
    return [args for name, args in dockerfile_instructions() if name == keyword]


def container_command() -> list[str]:
    """The container's ``CMD`` (exec form)."""
    *_, cmd = dockerfile_values("CMD")
    return json.loads(cmd)


def local_command(port: int) -> list[str]:
    """The container's command as run here: this interpreter for ``python`` and
    ``port`` for the ``--port`` value; every other argument unchanged."""
    command = container_command()
    assert command[0] == "python"
    port_index = command.index("--port") + 1
    return [
        sys.executable,
        *command[1:port_index],
        str(port),
        *command[port_index + 1 :],
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_api(project: Path, log_file: Path) -> Iterator[str]:
    """The API serving ``project``, started with the container's command and
    environment; yields its base URL once ``/health`` answers."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IA_PORTFOLIO_")
    }
    env.update(
        IA_PORTFOLIO_PROJECT_PATH=str(project),
        KEDRO_DISABLE_TELEMETRY="1",
        HF_HUB_OFFLINE="1",
    )
    base = f"http://127.0.0.1:{port}"
    with log_file.open("w") as log:
        server = subprocess.Popen(
            local_command(port), cwd=project, env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log_file.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"the API did not answer within {STARTUP_TIMEOUT_S} s:\n"
                + log_file.read_text()[-3000:]
            )
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
