"""Headless Debian Chromium driven by Playwright, for the tests of web pages."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


def chromium_executable() -> str:
    """Debian's ``chromium`` (or ``$CHROMIUM_EXECUTABLE``); fails the test without."""
    chromium = os.environ.get("CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Chromium is required: `apt-get install -y chromium` (make test-deps).",
            pytrace=False,
        )
    return chromium


@contextmanager
def chromium_page(only_origin: str | None = None) -> Iterator[tuple]:
    """``(page, refused)``: a new page, and with ``only_origin`` set, the list of
    requests it made elsewhere (refused, as they would fail offline)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            if only_origin is not None:

                def elsewhere(route) -> None:  # noqa: ANN001 - Playwright's Route
                    refused.append(route.request.url)
                    route.abort()

                page.route(lambda url: not url.startswith(only_origin), elsewhere)
            yield page, refused
        finally:
            browser.close()
