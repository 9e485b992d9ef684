"""``chatbot_serving``: latency and throughput of ``POST /chatbot/messages``, the
booking assistant's turn: the promoted parser (tagging, intent, dates and budget
normalised), the dialogue manager, the Prometheus counters and the conversation
log line.

The parser is the one ``kedro run --pipeline=chatbot`` promotes, trained in a
fresh project copy (with the hand-written utterances the run reads) or reused
from an already trained project. The API runs on 127.0.0.1 with one worker;
``wrk`` plays whole conversations (a greeting, the trip slot by slot, a "no", a
correction and a "yes"), a new conversation id each time, one thread per
connection so that a conversation's turns arrive in order, after a check that
one scripted conversation ends in the expected booking and a warm-up.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.common import (
    BENCHMARKS_DIR,
    PROJECT_ROOT,
    VENV_BIN,
    train_copy,
    wait_for_low_load,
)
from benchmarks.serving import (
    LoadConfig,
    Target,
    api_target,
    champion_version,
    free_port,
    http_json,
    load_target,
    run_against_mlflow,
    running_server,
)

logger = logging.getLogger(__name__)

NAME = "chatbot_serving"
REGISTERED_MODEL = "ia_portfolio_chatbot"
METRICS_FILE = Path("data/08_reporting/chatbot/metrics.json")
WRK_CHATBOT_SCRIPT = BENCHMARKS_DIR / "wrk_chatbot.lua"
REFERENCE_DATE = "2021-12-01"
# One conversation: (user text, the act the bot answers it with).
CONVERSATION = [
    ("hello", "request:origin"),
    ("I want to fly from Toulouse to Mexico", "request:departure_date"),
    ("18/01/2022", "request:return_date"),
    ("coming back on 01/02/2023", "request:budget"),
    ("1000€", "confirm"),
    ("no", "ask_correction"),
    ("actually from Lyon", "confirm"),
    ("yes", "book"),
]


@dataclass
class ChatbotServingConfig(LoadConfig):
    """What the ``chatbot_serving`` benchmark runs (``trained_project``: serve
    this already trained project instead of training a copy). wrk runs one
    thread per connection, so that each conversation's turns arrive in order."""

    trained_project: Path | None = None
    wrk_script: ClassVar[Path] = WRK_CHATBOT_SCRIPT  # plays conversations

    def __post_init__(self) -> None:
        self.threads = self.connections

    def train_command(self) -> list[str]:
        """The training command run in the project copy."""
        return [str(VENV_BIN / "kedro"), "run", "--pipeline=chatbot"]


def chosen_parser(project: Path) -> dict[str, Any]:
    """The parser the pipeline chose in ``project`` and its figures."""
    metrics = json.loads((project / METRICS_FILE).read_text())
    chosen = metrics["chosen_parser"]
    return {
        "chosen_parser": chosen,
        "test_slot_micro_f1": metrics["parsers"][chosen]["test"]["slot_micro_f1"],
        "hand_written_slot_micro_f1": metrics["parsers"][chosen]["hand_written"][
            "slot_micro_f1"
        ],
        "pipeline_latency_ms": metrics["latency_ms"][chosen],
    }


def train(config: ChatbotServingConfig, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """A project copy trained on the default data (or the given trained one)."""
    if config.trained_project is not None:
        return config.trained_project, {
            "command": "kedro run --pipeline=chatbot",
            "reused": True,
            **chosen_parser(config.trained_project),
        }
    project, figures = train_copy(
        config.train_command(), config.train_timeout_s, workdir
    )
    return project, {**figures, **chosen_parser(project)}


def _turn(text: str, conversation_id: str) -> dict[str, str]:
    return {
        "conversation_id": conversation_id,
        "text": text,
        "reference_date": REFERENCE_DATE,
    }


def check_conversation(api: Target, timeout_s: float) -> dict[str, Any]:
    """Play ``CONVERSATION`` once (it also loads the model): every act as
    scripted, and the booking at the end."""
    answers = [
        http_json(api.url(api.predict_path), _turn(text, "bench-check"), timeout_s)
        for text, _ in CONVERSATION
    ]
    acts = [answer["act"] for answer in answers]
    expected = [act for _, act in CONVERSATION]
    if acts != expected:
        raise RuntimeError(f"The conversation went {acts}, expected {expected}.")
    return {
        "acts": acts,
        "booking": answers[-1]["slots"],
        "model": answers[-1]["model"],
    }


def benchmark_api(
    config: ChatbotServingConfig,
    project: Path,
    workdir: Path,
    result: dict[str, Any],
) -> None:
    """Start the API, check one conversation, then load it with wrk."""
    port = free_port()
    api = api_target(
        project,
        port,
        "/chatbot/messages",
        body=[_turn(text, "__ID__") for text, _ in CONVERSATION],
        env_extra={"IA_PORTFOLIO_CHATBOT_LOG_DIR": str(workdir / "conversation_logs")},
    )
    result["model_version"] = champion_version(project, REGISTERED_MODEL)
    result["config"]["wrk_script"] = str(WRK_CHATBOT_SCRIPT.relative_to(PROJECT_ROOT))
    result["servers"] = {api.name: {"command": " ".join(api.command)}}
    with running_server(api, workdir, project, config.startup_timeout_s) as info:
        result["servers"][api.name].update(info)
        result["answers"] = check_conversation(api, config.startup_timeout_s)
        result["load_check"] = wait_for_low_load(config.max_load, config.max_wait_s)
        measured = load_target(
            config, api, workdir / "conversation.json", result["servers"]
        )
        measured["turns_per_conversation"] = len(CONVERSATION)
        result["results"][f"{api.name}/conversation"] = measured


def run(
    config: ChatbotServingConfig, workdir: Path, results_dir: Path
) -> dict[str, Any]:
    """The ``chatbot_serving`` benchmark; writes ``chatbot_serving.json``."""
    return run_against_mlflow(
        NAME,
        config,
        workdir,
        results_dir,
        train=train,
        measure=benchmark_api,
        note=(
            "our API alone (a chat turn has no MLflow equivalent: it keeps the "
            "conversation's state); each request is one turn of a scripted "
            f"{len(CONVERSATION)}-turn conversation, a new conversation id each time"
        ),
        remove_project=not config.keep and config.trained_project is None,
        sections=("answers", "load_check"),
    )
