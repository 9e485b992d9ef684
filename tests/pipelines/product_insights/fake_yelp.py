"""A local stand-in for Yelp Fusion v3 on 127.0.0.1: ``/v3/businesses/search``
(``limit`` <= 50, ``limit + offset`` <= 1,000, paginated over a fixed list of
businesses) and ``/v3/businesses/{id}/reviews``. It checks the bearer token (401),
and plays scripted failures (429 with ``Retry-After``, 500...) before answering.
Every request is recorded."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def business(i: int) -> dict[str, Any]:
    return {
        "id": f"biz-{i}",
        "name": f"Bistro {i}",
        "rating": 3.5,
        "review_count": 2,
        "categories": [{"alias": "french", "title": "French"}],
        "location": {"city": "Paris", "address1": f"{i} rue de Rivoli"},
        "phone": "+33100000000",  # a field the collector does not keep
    }


def review(business_id: str, j: int) -> dict[str, Any]:
    return {
        "id": f"{business_id}-review-{j}",
        "rating": 1 + j,
        "text": f"Cold soup and a long wait at {business_id} ({j}).",
        "time_created": "2024-05-01 12:00:00",
        "user": {"name": "someone"},
    }


class FakeYelp:
    """``with FakeYelp(token, n_businesses) as fake: fake.base_url``."""

    def __init__(self, token: str, n_businesses: int = 120) -> None:
        self.token = token
        self.businesses = [business(i) for i in range(n_businesses)]
        self.failures: deque[tuple[int, dict[str, str]]] = deque()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v3"

    def fail_next(
        self, status: int, times: int = 1, retry_after: str | None = None
    ) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.failures.extend([(status, headers)] * times)

    def __enter__(self) -> FakeYelp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(  # noqa: PLR0911 - one early answer per way the API refuses
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict]:
        with self._lock:
            self.requests.append({"path": path, "query": query, "headers": headers})
            if headers.get("authorization") != f"Bearer {self.token}":
                return (
                    401,
                    {},
                    {
                        "error": {
                            "code": "TOKEN_INVALID",
                            "description": "Invalid access token.",
                        }
                    },
                )
            if self.failures:
                status, extra = self.failures.popleft()
                return (
                    status,
                    extra,
                    {
                        "error": {
                            "code": "TOO_MANY_REQUESTS_PER_SECOND"
                            if status == 429
                            else "INTERNAL_ERROR"
                        }
                    },
                )
        if path == "/v3/businesses/search":
            limit = int(query.get("limit", ["20"])[0])
            offset = int(query.get("offset", ["0"])[0])
            if limit > 50 or limit + offset > 1000 or "location" not in query:
                return 400, {}, {"error": {"code": "VALIDATION_ERROR"}}
            page = self.businesses[offset : offset + limit]
            return 200, {}, {"businesses": page, "total": len(self.businesses)}
        if path.startswith("/v3/businesses/") and path.endswith("/reviews"):
            business_id = path.split("/")[3]
            if business_id not in {b["id"] for b in self.businesses}:
                return 404, {}, {"error": {"code": "BUSINESS_NOT_FOUND"}}
            return (
                200,
                {},
                {"reviews": [review(business_id, j) for j in range(2)], "total": 2},
            )
        return 404, {}, {"error": {"code": "NOT_FOUND"}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = fake.answer(
                    parts.path, parse_qs(parts.query), headers
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
