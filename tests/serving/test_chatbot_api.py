"""The ``chatbot`` pipeline run for real on a project copy (``kedro run
--pipeline=chatbot`` with tiny budgets), its parser promoted, and the API process
the container runs answering whole booking conversations: over HTTP, and typed
into the chat page in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.pipelines.chatbot.test_dialogue_replays import (
    SLOT_BY_SLOT_WITH_A_CORRECTION as CONVERSATION,
)
from tests.serving.container import running_api
from tests.support.browser import chromium_page
from tests.support.project import champion_version

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]


@pytest.fixture(scope="module")
def api(trained_chatbot_project: Path, tmp_path_factory: pytest.TempPathFactory):
    log_file = tmp_path_factory.mktemp("chatbot_api") / "api.log"
    with running_api(trained_chatbot_project, log_file) as base:
        yield base


def test_the_run_promotes_a_parser_that_beat_the_rules(
    trained_chatbot_project: Path,
) -> None:
    project = trained_chatbot_project
    version = champion_version(project, "ia_portfolio_chatbot")
    assert version.tags["quality_gate"] == "passed"
    metrics = json.loads(
        (project / "data/08_reporting/chatbot/metrics.json").read_text()
    )
    assert metrics["course_utterance"]["parsed_exactly"]
    assert (project / "data/08_reporting/chatbot/report.md").is_file()


def test_a_whole_conversation_books_the_corrected_flight(
    api: str, trained_chatbot_project: Path
) -> None:
    for text, expected in CONVERSATION:
        response = httpx.post(
            f"{api}/chatbot/messages",
            json={
                "conversation_id": "replay-1",
                "text": text,
                "reference_date": "2021-12-01",
            },
            timeout=120,
        )
        assert response.status_code == 200, response.text
        assert response.json()["act"] == expected, (text, response.json())
    assert response.json()["slots"] == {
        "origin": "Lyon",
        "destination": "Mexico",
        "departure_date": "2022-01-18",
        "return_date": "2023-02-01",
        "budget": "1000 EUR",
    }
    metrics = httpx.get(f"{api}/metrics").text
    assert "chatbot_summary_rejections_total 1.0" in metrics
    assert "chatbot_bookings_total 1.0" in metrics
    assert "chatbot_nlu_latency_seconds_count" in metrics
    logs = trained_chatbot_project / "data" / "logs" / "chatbot"
    [log] = logs.glob("conversations-*.jsonl")
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["act"] for r in records[-len(CONVERSATION) :]] == [
        a for _, a in CONVERSATION
    ]
    assert all(
        "Toulouse" not in json.dumps(r) and "replay-1" not in json.dumps(r)
        for r in records
    )


def test_bad_messages_get_422(api: str) -> None:
    for body in (
        {"conversation_id": "x", "text": "   "},
        {"conversation_id": "a b", "text": "hi"},
    ):
        assert httpx.post(f"{api}/chatbot/messages", json=body).status_code == 422


@pytest.mark.e2e
def test_the_chat_page_books_a_flight_in_chromium(api: str) -> None:
    with chromium_page() as (page, _):
        page.goto(f"{api}/chatbot/")
        messages = [
            "I want to book a flight from Toulouse to Mexico from 18/01/2022 to "
            "01/02/2023. I have a budget of 1000€",
            "yes",
        ]
        for count, text in enumerate(messages, start=1):
            page.fill("#text", text)
            page.click("button[type=submit]")
            page.wait_for_function(
                f"document.querySelectorAll('.message.bot').length > {count}"
            )
        assert "Booked" in page.locator(".message.bot").last.inner_text()
        assert page.inner_text("#state") == "booked"
        assert page.locator("dd[data-slot=destination]").inner_text() == "Mexico"
