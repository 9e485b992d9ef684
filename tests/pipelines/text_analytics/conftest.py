"""A fake Azure AI Language server per test, and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ia_portfolio.pipelines.text_analytics.azure import (
    AzureCredentials,
    AzureLanguageProvider,
)
from tests.pipelines.text_analytics.fake_azure import FakeAzureLanguage

# Recognisable and long enough that a leak cannot be a coincidence.
FAKE_KEY = "fake-key-3f9c2b7e1d4a4c0e9b8f6a5d2c1e0f9a"


@pytest.fixture
def fake_azure() -> Iterator[FakeAzureLanguage]:
    with FakeAzureLanguage(FAKE_KEY) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Back-off waits the client asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def azure(
    fake_azure: FakeAzureLanguage, sleeps: list[float]
) -> Iterator[AzureLanguageProvider]:
    credentials = AzureCredentials(endpoint=fake_azure.endpoint, key=FAKE_KEY)
    with AzureLanguageProvider(
        credentials, max_retries=3, timeout_s=5, sleep=sleeps.append
    ) as provider:
        yield provider
