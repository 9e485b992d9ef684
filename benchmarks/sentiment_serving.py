"""``sentiment_serving``: latency and throughput of ``POST /sentiment/predict``
against ``mlflow models serve`` of the same registered model, for one text and for
a batch of 32 texts per request.

The model is the one ``kedro run --pipeline=sentiment`` registers (alias
``champion``), trained in a fresh project copy or reused from an already trained
project. Both servers run side by side on 127.0.0.1 with one worker each and are
driven in turn by ``wrk`` with the same texts, connections and duration, after a
warm-up that also loads the model. Servers are stopped at the end, also on errors.
"""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    VENV_BIN,
    train_copy,
    wait_for_low_load,
)
from benchmarks.serving import (
    LoadConfig,
    Target,
    api_and_mlflow_targets,
    champion_version,
    free_port,
    http_json,
    load_target,
    run_against_mlflow,
    running_server,
)

logger = logging.getLogger(__name__)

NAME = "sentiment_serving"
REGISTERED_MODEL = "ia_portfolio_sentiment"
METRICS_FILE = Path("data/08_reporting/sentiment/metrics.json")
# Hand-written out-of-domain messages the pipeline reads from the project.
BATCH_SIZE = 32
# Short airline-customer messages, the kind of text the model is meant for.
TEXTS = [
    "Thanks for the upgrade, the crew was wonderful all the way to Montreal!",
    "Three hours on the tarmac and not a word from the pilot. Unacceptable.",
    "Lost my bag again. Second time this month.",
    "Smooth boarding, friendly staff, landed early. Great job.",
    "Your app crashed while I was checking in, now I have to pay at the desk?",
    "Loved the new seats, so much legroom.",
    "Flight cancelled, rebooked for tomorrow night. Missing my sister's wedding.",
    "Customer service fixed my booking in five minutes, impressive.",
    "The food was cold and the entertainment system did not work.",
    "Best airline I have flown with this year.",
    "Why does a 40 minute delay turn into four hours every single time?",
    "The gate agent in Nice went out of her way to help my kids, thank you.",
    "Overbooked again and nobody offers compensation.",
    "Wifi on board actually worked, first time ever!",
    "Rude staff at check-in this morning.",
    "Quick flight, nice views, no complaints.",
    "I have been on hold for two hours, this is ridiculous.",
    "Clean cabin and a very kind crew on the night flight.",
    "Charged twice for the same seat and still waiting for a refund.",
    "Happy to be home early thanks to the tailwind and a great pilot.",
    "My connection was missed because the first leg left late, no help at all.",
    "Lovely welcome on board, felt like a holiday already.",
    "The toilets were dirty before we even took off.",
    "Free snacks and a smile, made my day.",
    "Worst seat on the plane, next to the toilets, for the price of premium.",
    "Pilot kept us informed the whole time, much appreciated.",
    "Baggage took over an hour to arrive at the carousel.",
    "Easy online check-in and fast security lane, great experience.",
    "They changed my flight time without telling me.",
    "Crew handled a medical emergency calmly, hats off to them.",
    "Never again, the worst trip of my life.",
    "On time, comfortable and cheap. Will book again.",
]


@dataclass
class SentimentServingConfig(LoadConfig):
    """What the ``sentiment_serving`` benchmark runs (``trained_project``: serve
    this already trained project instead of training a copy)."""

    trained_project: Path | None = None
    train_timeout_s: float = 3600.0

    def train_command(self) -> list[str]:
        """The training command run in the project copy."""
        return [str(VENV_BIN / "kedro"), "run", "--pipeline=sentiment"]


def payloads(texts: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same texts as the API's body and as MLflow's ``dataframe_split``."""
    api = {"text": texts[0]} if len(texts) == 1 else {"texts": texts}
    mlflow = {"dataframe_split": {"columns": ["text"], "data": [[t] for t in texts]}}
    return api, mlflow


def _check_answers(api: Target, peer: Target, timeout_s: float) -> dict[str, Any]:
    """One request to each (it also loads the API's model): both must succeed
    and agree on every probability."""
    api_answer = http_json(api.url(api.predict_path), api.body, timeout_s)
    peer_answer = http_json(peer.url(peer.predict_path), peer.body, timeout_s)
    api_probabilities = [p["probability_positive"] for p in api_answer["predictions"]]
    peer_probabilities = [p["probability_positive"] for p in peer_answer["predictions"]]
    difference = max(
        abs(a - b) for a, b in zip(api_probabilities, peer_probabilities, strict=True)
    )
    logger.info("Largest API/MLflow probability difference: %.2e", difference)
    return {
        "api_first_prediction": api_answer["predictions"][0],
        "api_model": api_answer["model"],
        "mlflow_first_prediction": peer_answer["predictions"][0],
        "probability_max_abs_difference": difference,
    }


def chosen_model(project: Path) -> dict[str, Any]:
    """The model the pipeline chose in ``project`` and its test figures."""
    metrics = json.loads((project / METRICS_FILE).read_text())
    name = metrics["chosen_model"]
    test = metrics["models"][name]
    return {
        "chosen_model": name,
        "test_accuracy": test["accuracy"],
        "test_f1_negative": test["f1_negative"],
        "ood_drugs_test_accuracy": test.get("ood_drugs_test_accuracy"),
        "ood_drugs_test_f1_negative": test.get("ood_drugs_test_f1_negative"),
        "pipeline_latency_ms_per_text": test["latency_ms_per_text"],
    }


def train(config: SentimentServingConfig, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """A project copy trained on the default data (or the given trained one)."""
    if config.trained_project is not None:
        return config.trained_project, {
            "command": "kedro run --pipeline=sentiment",
            "reused": True,
            **chosen_model(config.trained_project),
        }
    project, figures = train_copy(
        config.train_command(), config.train_timeout_s, workdir
    )
    return project, {**figures, **chosen_model(project)}


def benchmark_targets(
    config: SentimentServingConfig,
    project: Path,
    workdir: Path,
    result: dict[str, Any],
) -> None:
    """Start both servers side by side, check them, then load each in turn,
    once per scenario (one text, a batch of ``BATCH_SIZE``)."""
    version = champion_version(project, REGISTERED_MODEL)
    api, peer = api_and_mlflow_targets(
        project,
        REGISTERED_MODEL,
        version,
        (free_port(), free_port()),
        "/sentiment/predict",
    )
    result["model_version"] = version
    result["servers"] = {t.name: {"command": " ".join(t.command)} for t in (api, peer)}
    scenarios = {"one_text": TEXTS[:1], f"batch_{BATCH_SIZE}": TEXTS[:BATCH_SIZE]}
    with ExitStack() as stack:
        for target in (api, peer):
            info = stack.enter_context(
                running_server(target, workdir, project, config.startup_timeout_s)
            )
            result["servers"][target.name].update(info)
        for scenario, texts in scenarios.items():
            api.body, peer.body = payloads(texts)
            result["answers"][scenario] = _check_answers(
                api, peer, config.startup_timeout_s
            )
            result["load_check"][scenario] = wait_for_low_load(
                config.max_load, config.max_wait_s
            )
            for target in (api, peer):
                measured = load_target(
                    config,
                    target,
                    workdir / f"{target.name}_{scenario}.json",
                    result["servers"],
                )
                measured.update(
                    texts_per_request=len(texts),
                    texts_per_s=round(measured["requests_per_s"] * len(texts), 1),
                )
                result["results"][f"{target.name}/{scenario}"] = measured


def run(
    config: SentimentServingConfig, workdir: Path, results_dir: Path
) -> dict[str, Any]:
    """The ``sentiment_serving`` benchmark; writes ``sentiment_serving.json``."""
    return run_against_mlflow(
        NAME,
        config,
        workdir,
        results_dir,
        train=train,
        measure=benchmark_targets,
        note=(
            "the API also validates the body (limits, blank texts) and returns "
            "the label's probability and the model version"
        ),
        remove_project=not config.keep and config.trained_project is None,
        sections=("answers", "load_check"),
    )
