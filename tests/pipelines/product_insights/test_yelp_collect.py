"""The Yelp Fusion collector against a local fake server: pagination, throttling,
server errors, authentication, fields kept, the key never logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ia_portfolio.pipelines.product_insights.yelp_collect import (
    REVIEW_COLUMNS,
    YelpAuthenticationError,
    YelpClient,
    YelpCredentials,
    YelpError,
    collect_reviews,
    load_credentials,
)
from tests.pipelines.product_insights.fake_yelp import FakeYelp

TOKEN = "yelp-test-token-7c1e9a2f5b8d4e6a"


@pytest.fixture
def fake() -> Iterator[FakeYelp]:
    with FakeYelp(TOKEN, n_businesses=120) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeYelp, sleeps: list[float]) -> Iterator[YelpClient]:
    with YelpClient(
        YelpCredentials(TOKEN),
        base_url=fake.base_url,
        max_retries=2,
        sleep=sleeps.append,
    ) as yelp:
        yield yelp


def test_search_pages_by_fifty_until_the_count(
    client: YelpClient, fake: FakeYelp
) -> None:
    found = list(client.search_businesses("Paris", "restaurants", 110))
    assert [b["id"] for b in found] == [f"biz-{i}" for i in range(110)]
    pages = [(r["query"]["limit"], r["query"]["offset"]) for r in fake.requests]
    assert pages == [(["50"], ["0"]), (["50"], ["50"]), (["10"], ["100"])]


def test_search_stops_when_results_run_out(client: YelpClient, fake: FakeYelp) -> None:
    assert len(list(client.search_businesses("Paris", "restaurants", 500))) == 120
    assert len(fake.requests) == 3


def test_reviews_keep_the_selected_fields(client: YelpClient) -> None:
    table = collect_reviews(client, "Paris", "restaurants", 3)
    assert list(table.columns) == REVIEW_COLUMNS
    assert len(table) == 6
    assert table.loc[0, "city"] == "Paris" and table.loc[0, "categories"] == "French"
    assert "phone" not in table and "user" not in table


def test_throttling_is_retried_after_the_time_asked(
    client: YelpClient, fake: FakeYelp, sleeps: list[float]
) -> None:
    fake.fail_next(429, times=2, retry_after="3")
    assert len(client.reviews("biz-1")) == 2
    assert sleeps == [3.0, 3.0]


def test_server_errors_back_off_then_give_up(
    client: YelpClient, fake: FakeYelp, sleeps: list[float]
) -> None:
    fake.fail_next(500, times=3)
    with pytest.raises(YelpError, match="HTTP 500 after 3 attempts"):
        client.reviews("biz-1")
    assert sleeps == [1.0, 2.0]


def test_a_wrong_key_stops_at_once_without_showing_it(
    fake: FakeYelp, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-key-0d9f8e7c6b5a"
    with YelpClient(
        YelpCredentials(wrong), base_url=fake.base_url, sleep=sleeps.append
    ) as yelp:
        with pytest.raises(YelpAuthenticationError) as raised:
            yelp.reviews("biz-1")
    assert wrong not in str(raised.value) and wrong not in caplog.text
    assert wrong not in repr(YelpCredentials(wrong))
    assert sleeps == [] and len(fake.requests) == 1


def test_other_client_errors_are_not_retried(
    client: YelpClient, fake: FakeYelp
) -> None:
    with pytest.raises(YelpError, match="404"):
        client.reviews("no-such-business")
    assert len(fake.requests) == 1


def test_the_key_comes_from_credentials_then_the_environment() -> None:
    assert load_credentials({"api_key": "a"}, environ={}).api_key == "a"
    assert load_credentials(None, environ={"YELP_API_KEY": "b"}).api_key == "b"
    with pytest.raises(YelpError, match="credentials.yml"):
        load_credentials({}, environ={})
