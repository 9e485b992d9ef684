"""A local stand-in for Yelp Fusion v3 on 127.0.0.1: ``/v3/businesses/search``
(``limit`` <= 50, ``limit + offset`` <= 1,000, paginated over a fixed list of
businesses) and ``/v3/businesses/{id}/reviews``. It checks the bearer token (401),
and plays scripted failures (429 with ``Retry-After``, 500...) before answering.
Every request is recorded."""

from __future__ import annotations

from typing import Any

from tests.support.fake_http import Answer, FakeJsonService


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


class FakeYelp(FakeJsonService):
    """``with FakeYelp(token, n_businesses) as fake: fake.base_url``."""

    def __init__(self, token: str, n_businesses: int = 120) -> None:
        super().__init__()
        self.token = token
        self.businesses = [business(i) for i in range(n_businesses)]

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v3"

    def failure_body(self, status: int) -> dict:
        code = "TOO_MANY_REQUESTS_PER_SECOND" if status == 429 else "INTERNAL_ERROR"
        return {"error": {"code": code}}

    def respond(  # noqa: PLR0911 - one early answer per way the API refuses
        self, record: dict[str, Any], query: dict[str, list[str]], raw: bytes
    ) -> Answer:
        if record["headers"].get("authorization") != f"Bearer {self.token}":
            invalid = {"code": "TOKEN_INVALID", "description": "Invalid access token."}
            return 401, {}, {"error": invalid}
        failure = self.next_failure()
        if failure:
            return failure
        path = record["path"]
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
            reviews = [review(business_id, j) for j in range(2)]
            return 200, {}, {"reviews": reviews, "total": 2}
        return 404, {}, {"error": {"code": "NOT_FOUND"}}
