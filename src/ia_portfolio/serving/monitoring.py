"""``/metrics``: the process's Prometheus metrics (e.g. the chatbot's messages,
rejected summaries and parser latency, and every route's requests), in the text
exposition format."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What the access log would tell, without a log line per request: requests and
# their latency by route template (never the raw path: bounded label values).
REQUEST_SECONDS = Histogram(
    "ia_portfolio_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
UNMATCHED = "unmatched"


def metrics_router() -> APIRouter:
    """``GET /metrics`` for a Prometheus scraper."""
    router = APIRouter(tags=["monitoring"])

    @router.get("/metrics", response_class=Response)
    def metrics() -> Response:
        """Every metric of the default Prometheus registry."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


class RequestMetrics:
    """ASGI middleware observing every HTTP request in
    :data:`REQUEST_SECONDS` (route template, e.g. ``/scoring/predict``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - start
            )
