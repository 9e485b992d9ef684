"""Requests are counted by route template and status in ``/metrics``, and the API
starts without an access log unless asked."""

from __future__ import annotations

import sys

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from ia_portfolio.serving import __main__ as serving_main
from ia_portfolio.serving.monitoring import RequestMetrics, metrics_router


def _count(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "ia_portfolio_http_request_duration_seconds_count",
        {"method": "GET", "route": route, "status": status},
    )
    return value or 0.0


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    def thing(thing_id: int) -> dict[str, int]:
        if thing_id == 0:
            raise HTTPException(404, "no such thing")
        return {"id": thing_id}

    app.include_router(metrics_router())
    app.add_middleware(RequestMetrics)
    return app


def test_requests_are_counted_by_route_template_and_status():
    client = TestClient(_app())
    ok_before = _count("/things/{thing_id}", "200")
    missing_before = _count("/things/{thing_id}", "404")
    unmatched_before = _count("unmatched", "404")
    assert client.get("/things/1").status_code == 200
    assert client.get("/things/2").status_code == 200
    assert client.get("/things/0").status_code == 404
    assert client.get("/nowhere/at/all").status_code == 404
    assert _count("/things/{thing_id}", "200") == ok_before + 2
    assert _count("/things/{thing_id}", "404") == missing_before + 1
    assert _count("unmatched", "404") == unmatched_before + 1
    exposed = client.get("/metrics").text
    assert 'route="/things/{thing_id}"' in exposed
    assert "/things/1" not in exposed  # raw paths never become label values


@pytest.mark.parametrize(("flag", "expected"), [([], False), (["--access-log"], True)])
def test_access_log_is_off_unless_asked(monkeypatch, flag, expected):
    seen = {}
    monkeypatch.setattr(serving_main.uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr(sys, "argv", ["ia_portfolio.serving", *flag])
    serving_main.main()
    assert seen["access_log"] is expected
