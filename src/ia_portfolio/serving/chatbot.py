"""``/chatbot``: the flight-booking assistant. Each message is understood by the
parser the ``chatbot`` pipeline promoted in the project's MLflow registry and
answered by the dialogue manager (``ia_portfolio.dialogue``); a chat page at
``/chatbot/``; Prometheus metrics; conversation logs as JSON lines.

Conversations live in memory, per ``conversation_id``: at most
``MAX_CONVERSATIONS`` of them, forgotten after ``CONVERSATION_TTL_S`` seconds
without a message. The log keeps, per turn, a hash of the conversation id, the
intent, the act, the state, which slots are filled (not their values, nor the
text) and the parser's latency, in one file per UTC day under
``$IA_PORTFOLIO_CHATBOT_LOG_DIR`` (default ``<project>/data/logs/chatbot``);
files older than ``$IA_PORTFOLIO_CHATBOT_LOG_RETENTION_DAYS`` (30) are deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import HTMLResponse
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ia_portfolio.dialogue import SLOTS, BookingDialogue, Conversation, Understanding
from ia_portfolio.serving.catalog import ProjectModels
from ia_portfolio.serving.registry import ModelInfo, ModelNotAvailableError
from ia_portfolio.serving.sentiment import NON_BLANK_PATTERN

logger = logging.getLogger(__name__)

MODEL_DATASET = "chatbot.registered_model"
TRAIN_COMMAND = "kedro run --pipeline=chatbot"
LOG_DIR_ENV = "IA_PORTFOLIO_CHATBOT_LOG_DIR"
LOG_RETENTION_ENV = "IA_PORTFOLIO_CHATBOT_LOG_RETENTION_DAYS"
MAX_TEXT_CHARS = 500
MAX_CONVERSATIONS = 10_000
CONVERSATION_TTL_S = 3600.0

MESSAGES = Counter(
    "chatbot_messages", "User messages answered, by understood intent", ["intent"]
)
SLOT_REQUESTS = Counter(
    "chatbot_slot_requests", "Questions the bot asked for a missing slot", ["slot"]
)
SLOT_FILLS = Counter(
    "chatbot_slot_fills", "Slot values understood in user messages", ["slot"]
)
REJECTIONS = Counter(
    "chatbot_summary_rejections", "Booking summaries the user rejected"
)
BOOKINGS = Counter("chatbot_bookings", "Booking summaries the user confirmed")
NLU_LATENCY = Histogram(
    "chatbot_nlu_latency_seconds",
    "Time to understand one message (tagging, intent, normalisation)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


class MessageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    ] = Field(description="Chosen by the client; letters, digits, _ and -")
    text: Annotated[
        str,
        StringConstraints(
            min_length=1, max_length=MAX_TEXT_CHARS, pattern=NON_BLANK_PATTERN
        ),
    ] = Field(description=f"The user's message, 1 to {MAX_TEXT_CHARS} characters")
    reference_date: dt.date | None = Field(
        default=None,
        ge=dt.date(2000, 1, 1),
        le=dt.date(2100, 12, 31),
        description="The conversation's date, for relative dates (default: today); "
        "from 2000-01-01 to 2100-12-31",
        # JSON Schema has no bound for dates: the years, as a pattern.
        json_schema_extra={"pattern": r"^(20[0-9]{2}|2100)-"},
    )


class MessageResponse(BaseModel):
    conversation_id: str
    reply: str = Field(description="What the assistant answers")
    act: str = Field(
        description="request:<slot>, confirm, ask_correction, book or goodbye"
    )
    state: str = Field(description="collecting, confirming or booked")
    slots: dict[str, str] = Field(description="The booking's slots known so far")
    intent: str = Field(description="How the message was understood")
    model: ModelInfo


REQUEST_EXAMPLES: dict[str, Any] = {
    "whole request": {
        "summary": "Everything in one message",
        "value": {
            "conversation_id": "demo-1",
            "text": "I want to book a flight from Toulouse to Mexico from 18/01/2022 "
            "to 01/02/2023. I have a budget of 1000€",
            "reference_date": "2021-12-01",
        },
    }
}
UNAVAILABLE = {503: {"description": f"No model registered yet: run `{TRAIN_COMMAND}`"}}


class ConversationStore:
    """Conversations by id, the least recently used dropped beyond ``capacity``
    and any idle for ``ttl_s`` seconds forgotten."""

    def __init__(
        self, capacity: int = MAX_CONVERSATIONS, ttl_s: float = CONVERSATION_TTL_S
    ) -> None:
        self.capacity, self.ttl_s = capacity, ttl_s
        self._items: OrderedDict[str, tuple[float, Conversation]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> Conversation:
        now = time.monotonic()
        with self._lock:
            seen, conversation = self._items.pop(conversation_id, (now, Conversation()))
            if now - seen > self.ttl_s:
                conversation = Conversation()
            self._items[conversation_id] = (now, conversation)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return conversation


class ConversationLog:
    """One JSON line per turn, one file per UTC day, old files deleted."""

    def __init__(self, folder: Path, retention_days: int) -> None:
        self.folder, self.retention_days = folder, retention_days
        self._lock = threading.Lock()
        self._day: dt.date | None = None

    def write(self, record: dict[str, Any]) -> None:
        now = dt.datetime.now(dt.UTC)
        line = json.dumps({"time": now.isoformat(timespec="milliseconds"), **record})
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._day != now.date():
                self._day = now.date()
                self._purge(now.date())
            with (self.folder / f"conversations-{now.date()}.jsonl").open("a") as file:
                file.write(line + "\n")

    def _purge(self, today: dt.date) -> None:
        oldest = today - dt.timedelta(days=self.retention_days)
        for path in self.folder.glob("conversations-*.jsonl"):
            day = path.stem.removeprefix("conversations-")
            if day < oldest.isoformat():
                path.unlink(missing_ok=True)


def pseudonym(conversation_id: str) -> str:
    """What the log keeps of a conversation id."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


def chatbot_router(models: ProjectModels) -> APIRouter:
    """Routes of the booking assistant, answered with the parser that
    ``chatbot.registered_model`` promotes (``ia_portfolio_chatbot@champion``)."""
    registered = models.champion(
        models.reference(MODEL_DATASET), TRAIN_COMMAND, prepare=lambda m: m
    )
    conversations = ConversationStore()
    manager = BookingDialogue()
    log = ConversationLog(
        Path(
            os.environ.get(LOG_DIR_ENV)
            or models.project_path / "data" / "logs" / "chatbot"
        ),
        int(os.environ.get(LOG_RETENTION_ENV, "30")),
    )
    router = APIRouter(prefix="/chatbot", tags=["chatbot"])

    @router.post(
        "/messages",
        response_model=MessageResponse,
        responses=UNAVAILABLE,
        description="One user message in a conversation; the assistant's reply, "
        "the slots known and the dialogue state. 422 for an empty or too long "
        f"text (at most {MAX_TEXT_CHARS} characters) or a malformed id.",
    )
    def message(
        request: Annotated[MessageRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
    ) -> MessageResponse:
        try:
            model, info = registered.get()
        except ModelNotAvailableError as error:
            raise HTTPException(503, str(error)) from error
        conversation = conversations.get(request.conversation_id)
        departure = conversation.slots.get("departure_date")
        started = time.perf_counter()
        parsed = model.unwrap_python_model().parse(
            request.text,
            request.reference_date or dt.date.today(),
            conversation.requested_slot,
            dt.date.fromisoformat(departure) if departure else None,
        )
        latency = time.perf_counter() - started
        NLU_LATENCY.observe(latency)
        reply = manager.respond(
            conversation, Understanding(parsed["intent"], parsed["values"])
        )
        MESSAGES.labels(parsed["intent"]).inc()
        for slot in parsed["values"]:
            SLOT_FILLS.labels(slot).inc()
        if reply.act.startswith("request:"):
            SLOT_REQUESTS.labels(reply.act.removeprefix("request:")).inc()
        if reply.rejected_summary:
            REJECTIONS.inc()
        if reply.act == "book":
            BOOKINGS.inc()
        log.write(
            {
                "conversation": pseudonym(request.conversation_id),
                "turn": conversation.turns,
                "intent": parsed["intent"],
                "slots_understood": sorted(parsed["values"]),
                "act": reply.act,
                "state": reply.state,
                "slots_filled": [slot for slot in SLOTS if slot in reply.slots],
                "rejected_summary": reply.rejected_summary,
                "nlu_ms": round(1000 * latency, 3),
                "model_version": info.version,
            }
        )
        return MessageResponse(
            conversation_id=request.conversation_id,
            reply=reply.text,
            act=reply.act,
            state=reply.state,
            slots=reply.slots,
            intent=parsed["intent"],
            model=info,
        )

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        """The chat page."""
        return CHAT_PAGE

    return router


CHAT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fly Me: book a flight</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
#messages { border: 1px solid #ccc; border-radius: 8px; padding: 1rem; min-height: 20rem; }
.message { margin: .4rem 0; padding: .5rem .8rem; border-radius: 12px; max-width: 80%; }
.user { background: #dbeafe; margin-left: auto; text-align: right; }
.bot { background: #f3f4f6; }
.error { background: #fee2e2; }
form { display: flex; gap: .5rem; margin-top: 1rem; }
#text { flex: 1; padding: .5rem; }
#slots { font-size: .9rem; color: #374151; }
</style>
</head>
<body>
<h1>Fly Me</h1>
<p>Tell me where and when you want to fly, and your budget.</p>
<div id="messages" aria-live="polite"></div>
<form id="chat">
  <input id="text" name="text" autocomplete="off" maxlength="500" required
         placeholder="I want to fly from Paris to Rome on 18 Jan">
  <button type="submit">Send</button>
</form>
<p>State: <span id="state">collecting</span></p>
<dl id="slots"></dl>
<script>
const conversationId = (self.crypto && crypto.randomUUID)
  ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(36).slice(2);
const messages = document.getElementById("messages");
function say(text, who) {
  const div = document.createElement("div");
  div.className = "message " + who;
  div.textContent = text;
  messages.appendChild(div);
}
function showSlots(slots) {
  const list = document.getElementById("slots");
  list.replaceChildren();
  for (const [name, value] of Object.entries(slots)) {
    const term = document.createElement("dt");
    term.textContent = name;
    const detail = document.createElement("dd");
    detail.textContent = value;
    detail.dataset.slot = name;
    list.append(term, detail);
  }
}
document.getElementById("chat").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  say(text, "user");
  try {
    const response = await fetch("messages", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({conversation_id: conversationId, text: text}),
    });
    const body = await response.json();
    if (!response.ok) {
      say(typeof body.detail === "string" ? body.detail : "Sorry, I could not read that.", "bot error");
      return;
    }
    say(body.reply, "bot");
    document.getElementById("state").textContent = body.state;
    showSlots(body.slots);
  } catch (error) {
    say("The service is not reachable.", "bot error");
  }
});
say("Hello! Where would you like to fly?", "bot");
</script>
</body>
</html>
"""
