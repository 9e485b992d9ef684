"""The API's documentation page works offline: Swagger UI loads its scripts and
styles from the API itself, renders every route, and never reaches another origin
(a CDN would fail on a machine without internet)."""

from __future__ import annotations

import httpx
import pytest

from tests.serving.container import running_api
from tests.support.browser import chromium_page

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def api(trained_project, tmp_path_factory):
    with running_api(
        trained_project, tmp_path_factory.mktemp("docs") / "api.log"
    ) as base:
        yield base


def test_swagger_ui_renders_every_route_from_local_files(api):
    paths = httpx.get(f"{api}/openapi.json").json()["paths"]
    with chromium_page(only_origin=api) as (page, refused):
        page.goto(f"{api}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        shown = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert refused == []
    assert {path.replace("\u200b", "") for path in shown} == set(paths)
