"""``recommendation_serving``: latency of the promoted recommender behind
``GET /recommendation/users/{id}``, ``POST /recommendation/recommend`` (the API,
uvicorn with one worker on 127.0.0.1) and the Azure Functions handler
(``deploy/azure_function/function_app.py``, called in process as the Functions
host would).

The model is the one ``kedro run --pipeline=recommendation`` promotes, trained in
a fresh project copy or reused from an already trained project. Requests are sent
one at a time (the app asks for one reader's list at a time): known readers and
lists of items just read drawn with a fixed seed, after a warm-up that also loads
the model. Figures: p50, p90, p99 and max latency in ms, and requests per second.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    VENV_BIN,
    latency_summary,
    machine_info,
    now_iso,
    timed_calls,
    train_copy,
    wait_for_low_load,
    write_result,
)
from benchmarks.serving import (
    api_target,
    free_port,
    running_server,
    tracking_uri,
)

logger = logging.getLogger(__name__)

NAME = "recommendation_serving"
FUNCTION_APP = (
    Path(__file__).resolve().parents[1] / "deploy/azure_function/function_app.py"
)
MODEL_URI = "models:/ia_portfolio_recommendation@champion"


@dataclass
class RecommendationServingConfig:
    """How the recommender is measured."""

    trained_project: Path | None = None
    requests: int = 500
    warmup: int = 20
    k: int = 5
    seed: int = 0
    train_timeout_s: float = 900.0
    max_load: float = 1.5
    max_wait_s: float = 600.0


def _requests(project: Path, config: RecommendationServingConfig) -> dict[str, list]:
    """Known reader ids and lists of 1 to 5 catalogue items, seeded."""
    import pandas as pd  # noqa: PLC0415

    clicks = pd.read_parquet(
        project / "data/03_primary/recommendation/interactions.parquet"
    )
    rng = np.random.default_rng(config.seed)
    n = config.requests + config.warmup
    users = rng.choice(clicks["user_id"].unique(), n).tolist()
    items = clicks["item_id"].unique()
    reads = [rng.choice(items, rng.integers(1, 6)).tolist() for _ in range(n)]
    return {
        "users": [int(u) for u in users],
        "reads": [[int(i) for i in r] for r in reads],
    }


def _api(project: Path, workdir: Path, config: RecommendationServingConfig, inputs):
    port = free_port()
    target = api_target(project, port, "/recommendation/recommend")

    def get(user: int) -> None:
        url = target.url(f"/recommendation/users/{user}?k={config.k}")
        with urllib.request.urlopen(url, timeout=60) as response:
            json.load(response)

    def post(items: list[int]) -> None:
        request = urllib.request.Request(
            target.url("/recommendation/recommend"),
            data=json.dumps({"item_ids": items, "k": config.k}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            json.load(response)

    with running_server(target, workdir, project, timeout_s=120) as server:
        return {
            "startup_s": server["startup_s"],
            "get_user": latency_summary(
                timed_calls(get, inputs["users"], config.warmup)
            ),
            "post_recommend": latency_summary(
                timed_calls(post, inputs["reads"], config.warmup)
            ),
        }


def _function(project: Path, config: RecommendationServingConfig, inputs):
    import azure.functions as func  # noqa: PLC0415

    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri(project)
    spec = importlib.util.spec_from_file_location("function_app", FUNCTION_APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = module.recommend_for_user.build().get_user_function()

    def get(user: int) -> None:
        response = handler(
            func.HttpRequest(
                "GET",
                f"/api/recommendations/{user}",
                body=b"",
                params={"k": str(config.k)},
                route_params={"user_id": str(user)},
            )
        )
        json.loads(response.get_body())

    start = time.perf_counter()
    get(inputs["users"][0])  # the cold start: loads the model
    cold_start_s = round(time.perf_counter() - start, 2)
    return {
        "cold_start_s": cold_start_s,
        "get_user": latency_summary(timed_calls(get, inputs["users"], config.warmup)),
    }


def run(
    config: RecommendationServingConfig, workdir: Path, results_dir: Path
) -> dict[str, Any]:
    """Train (or reuse) a project, measure the API and the function handler."""
    result: dict[str, Any] = {"benchmark": NAME, "started_at": now_iso()}
    workdir.mkdir(parents=True, exist_ok=True)
    if config.trained_project:
        project = config.trained_project
        training = {"reused": str(project)}
    else:
        command = [str(VENV_BIN / "kedro"), "run", "--pipeline=recommendation"]
        project, training = train_copy(command, config.train_timeout_s, workdir)
    result["training"] = training
    result["load_wait"] = wait_for_low_load(config.max_load, config.max_wait_s)
    result["machine"] = machine_info()
    inputs = _requests(project, config)
    result["config"] = {
        "requests": config.requests,
        "warmup": config.warmup,
        "k": config.k,
        "model": MODEL_URI,
    }
    result["api"] = _api(project, workdir, config, inputs)
    result["function"] = _function(project, config, inputs)
    result["ok"] = True
    write_result(NAME, result, results_dir)
    logger.info("API: %s; function: %s", result["api"], result["function"])
    return result
