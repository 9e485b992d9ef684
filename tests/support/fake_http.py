"""A scripted JSON service on 127.0.0.1 for testing clients of cloud APIs.

Subclasses implement :meth:`FakeJsonService.respond`; the base runs the real HTTP
server in a thread, records every request, and plays scripted failures
(:meth:`fail_next`) to authorised requests before answering normally."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], dict]


class FakeJsonService:
    """``with Fake(...) as fake: fake.origin`` -> ``http://127.0.0.1:N``."""

    def __init__(self) -> None:
        self.failures: deque[Answer] = deque()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def failure_body(self, status: int) -> dict:
        """The JSON body of a scripted failure (the service's error shape)."""
        return {"error": {"code": str(status)}}

    def fail_next(
        self, status: int, times: int = 1, retry_after: str | None = None
    ) -> None:
        """Answer the next ``times`` authorised requests with ``status``."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.failures.extend([(status, headers, self.failure_body(status))] * times)

    def next_failure(self) -> Answer | None:
        """The scripted failure due now, if any (call with the lock held)."""
        return self.failures.popleft() if self.failures else None

    def respond(
        self, record: dict[str, Any], query: dict[str, list[str]], raw: bytes
    ) -> Answer:
        """Status, extra headers and JSON body for one recorded request."""
        raise NotImplementedError

    def answer(
        self, method: str, path: str, query: dict, headers: dict[str, str], raw: bytes
    ) -> Answer:
        with self._lock:
            record: dict[str, Any] = {"path": path, "query": query, "headers": headers}
            self.requests.append(record)
            return self.respond(record, query, raw)

    def __enter__(self) -> FakeJsonService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = fake.answer(
                    self.command, parts.path, parse_qs(parts.query), headers, raw
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep the test output clean

        return Handler
