"""Yelp Fusion API v3 collector: businesses of a search, and their reviews, stored
as one table through the catalog (``product_insights.yelp_reviews``).

    python -m ia_portfolio.pipelines.product_insights.yelp_collect \\
        --location "Paris" --term restaurants --businesses 100

Endpoints: ``GET /v3/businesses/search`` (``location``, ``term``, ``limit`` <= 50,
``offset``; ``limit + offset`` <= 1,000) and ``GET /v3/businesses/{id}/reviews``.
The API key comes from Kedro credentials (``conf/local/credentials.yml``, section
``yelp_fusion: {api_key: ...}``) or the ``YELP_API_KEY`` variable; it travels in
the ``Authorization: Bearer`` header only and is never logged. 429 (rate limit,
honouring ``Retry-After``), 5xx answers and broken connections are retried with
exponential back-off; 401/403 stop at once. Only the fields the pipeline uses are
kept. This is a command, not a node: the default run never reaches the network.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd

logger = logging.getLogger(__name__)

API_URL = "https://api.yelp.com/v3"
CREDENTIALS_SECTION = "yelp_fusion"
KEY_VARIABLE = "YELP_API_KEY"
PAGE_LIMIT = 50  # businesses per search request
MAX_RESULTS = 1000  # limit + offset, per search
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BUSINESS_FIELDS = ("id", "name", "rating", "review_count", "price")
REVIEW_COLUMNS = [
    "business_id",
    "business_name",
    "business_rating",
    "categories",
    "city",
    "review_id",
    "rating",
    "text",
    "time_created",
]


class YelpError(RuntimeError):
    """The API could not be used; the message never holds the key."""


class YelpAuthenticationError(YelpError):
    """401/403: the key is wrong, expired or not allowed this call."""


@dataclass(frozen=True)
class YelpCredentials:
    """The API key, hidden from ``repr``."""

    api_key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise YelpError("The Yelp API key is empty.")


def load_credentials(
    credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> YelpCredentials:
    """The key from Kedro credentials (section ``yelp_fusion``), else from
    ``YELP_API_KEY``."""
    environ = os.environ if environ is None else environ
    key = (credentials or {}).get("api_key") or environ.get(KEY_VARIABLE)
    if not key:
        raise YelpError(
            f"No Yelp API key: set `{CREDENTIALS_SECTION}: {{api_key: ...}}` in "
            f"conf/local/credentials.yml or the {KEY_VARIABLE} variable."
        )
    return YelpCredentials(api_key=str(key))


class YelpClient:
    """Calls to Yelp Fusion v3 with retries; ``with YelpClient(...) as client``."""

    def __init__(
        self,
        credentials: YelpCredentials,
        base_url: str = API_URL,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {credentials.api_key}"},
            timeout=timeout_s,
        )
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._sleep = sleep

    def __enter__(self) -> YelpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def _wait_s(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = (
            response.headers.get("Retry-After") if response is not None else None
        )
        if retry_after is not None:
            try:
                return max(float(retry_after), 0.0)
            except ValueError:
                pass
        return self._backoff_s * 2**attempt

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The JSON answer of ``GET path``, retrying throttling and server errors."""
        for attempt in range(self._max_retries + 1):
            response: httpx.Response | None = None
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as error:
                problem = type(error).__name__
            else:
                if response.status_code in (401, 403):
                    raise YelpAuthenticationError(
                        f"Yelp refused the key ({response.status_code}) on {path}."
                    )
                if response.status_code not in RETRY_STATUSES:
                    if response.is_error:
                        raise YelpError(
                            f"Yelp answered {response.status_code} on {path}: "
                            f"{response.text[:200]}"
                        )
                    return response.json()
                problem = f"HTTP {response.status_code}"
            if attempt == self._max_retries:
                raise YelpError(f"{path}: {problem} after {attempt + 1} attempts.")
            wait = self._wait_s(attempt, response)
            logger.warning("%s on %s, retry in %.1f s.", problem, path, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def search_businesses(
        self, location: str, term: str, count: int
    ) -> Iterator[dict[str, Any]]:
        """Up to ``count`` businesses (at most 1,000, the API's own cap), page by
        page, until the results run out."""
        count = min(count, MAX_RESULTS)
        offset = 0
        while offset < count:
            limit = min(PAGE_LIMIT, count - offset)
            page = self.get(
                "/businesses/search",
                {"location": location, "term": term, "limit": limit, "offset": offset},
            )
            businesses = page.get("businesses", [])
            yield from businesses
            offset += len(businesses)
            if len(businesses) < limit or offset >= page.get("total", 0):
                return

    def reviews(self, business_id: str) -> list[dict[str, Any]]:
        """The reviews the API gives for one business (a few excerpts each)."""
        return self.get(f"/businesses/{business_id}/reviews").get("reviews", [])


def review_rows(
    business: Mapping[str, Any], reviews: list[dict[str, Any]]
) -> list[dict]:
    """The fields kept for each review, with its business's."""
    location = business.get("location") or {}
    categories = ", ".join(c.get("title", "") for c in business.get("categories", []))
    return [
        {
            "business_id": business["id"],
            "business_name": business.get("name"),
            "business_rating": business.get("rating"),
            "categories": categories,
            "city": location.get("city"),
            "review_id": review.get("id"),
            "rating": review.get("rating"),
            "text": review.get("text"),
            "time_created": review.get("time_created"),
        }
        for review in reviews
    ]


def collect_reviews(
    client: YelpClient, location: str, term: str, businesses: int
) -> pd.DataFrame:
    """Reviews of the businesses a search returns, one row each."""
    rows: list[dict[str, Any]] = []
    found = 0
    for business in client.search_businesses(location, term, businesses):
        found += 1
        rows.extend(review_rows(business, client.reviews(business["id"])))
    logger.info("Collected %d reviews of %d businesses.", len(rows), found)
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def main(argv: list[str] | None = None) -> None:
    """Collect reviews and save them as ``product_insights.yelp_reviews``."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--location", required=True)
    parser.add_argument("--term", default="restaurants")
    parser.add_argument("--businesses", type=int, default=50)
    parser.add_argument("--env", default=None)
    parser.add_argument("--base-url", default=API_URL)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    project = bootstrap_project(os.getcwd()).project_path
    with KedroSession.create(project_path=project, env=args.env) as session:
        context = session.load_context()
        try:
            section = context.config_loader["credentials"].get(CREDENTIALS_SECTION)
        except KeyError:
            section = None
        credentials = load_credentials(section)
        with YelpClient(credentials, base_url=args.base_url) as client:
            table = collect_reviews(client, args.location, args.term, args.businesses)
        context.catalog.save("product_insights.yelp_reviews", table)


if __name__ == "__main__":
    main()
