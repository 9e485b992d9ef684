"""Optuna searches over declarative search spaces, shared by pipelines.

A search space is a mapping from hyperparameter name to its distribution::

    C: {type: float, low: 0.01, high: 100.0, log: true}
    units: {type: int, low: 16, high: 64, step: 16}
    loss: {type: categorical, choices: [binary_crossentropy, binary_focal_crossentropy]}
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna

from ia_portfolio.progress import OptunaProgress

logger = logging.getLogger(__name__)


def suggest_params(trial: optuna.Trial, search_space: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters for one trial from a declarative search space."""
    params = {}
    for name, spec in search_space.items():
        if spec["type"] == "float":
            params[name] = trial.suggest_float(
                name, spec["low"], spec["high"], log=spec.get("log", False)
            )
        elif spec["type"] == "int":
            params[name] = trial.suggest_int(
                name,
                spec["low"],
                spec["high"],
                step=spec.get("step", 1),
                log=spec.get("log", False),
            )
        elif spec["type"] == "categorical":
            params[name] = trial.suggest_categorical(name, spec["choices"])
        else:
            raise ValueError(f"Unknown search-space type '{spec['type']}' for {name}.")
    return params


@dataclass
class SearchResult:
    """The best trial of a search: its fitted object, parameters and costs."""

    model: Any
    params: dict[str, Any]
    score: float
    fit_seconds: float
    search_seconds: float
    n_trials: int


def maximise(
    name: str,
    fit_and_score: Callable[[dict[str, Any]], tuple[Any, float]],
    search_space: dict[str, Any],
    tuning: dict[str, Any],
) -> SearchResult:
    """Run a seeded TPE search of ``fit_and_score(params) -> (model, score)``.

    Only the best trial's fitted object is kept, so the winner is not refitted.
    ``tuning`` holds ``n_trials``, ``timeout_s`` (checked between trials) and
    ``seed``. An empty search space runs one trial.
    """
    best: dict[str, Any] = {}

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, search_space)
        started = time.perf_counter()
        model, score = fit_and_score(params)
        fit_seconds = time.perf_counter() - started
        if not best or score > best["score"]:
            best.update(model=model, params=params, score=score, fit=fit_seconds)
        return score

    study = optuna.create_study(
        study_name=name,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=tuning["seed"]),
    )
    started = time.perf_counter()
    n_trials = tuning["n_trials"] if search_space else 1
    study.optimize(
        objective,
        n_trials=n_trials,
        timeout=tuning["timeout_s"],
        callbacks=[OptunaProgress(f"{name} search", n_trials, tuning["timeout_s"])],
    )
    search_seconds = time.perf_counter() - started
    logger.info(
        "%s: best validation score %.4f after %d trials (%.1f s), params %s.",
        name,
        best["score"],
        len(study.trials),
        search_seconds,
        best["params"],
    )
    return SearchResult(
        model=best["model"],
        params=best["params"],
        score=best["score"],
        fit_seconds=best["fit"],
        search_seconds=search_seconds,
        n_trials=len(study.trials),
    )
