"""``/metrics``: the process's Prometheus metrics (e.g. the chatbot's messages,
rejected summaries and parser latency), in the text exposition format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def metrics_router() -> APIRouter:
    """``GET /metrics`` for a Prometheus scraper."""
    router = APIRouter(tags=["monitoring"])

    @router.get("/metrics", response_class=Response)
    def metrics() -> Response:
        """Every metric of the default Prometheus registry."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
