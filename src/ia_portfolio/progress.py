"""Progress of long steps as log lines: done / total, elapsed time and an ETA.

Log lines, not progress bars: a bar redrawn in a file or an Airflow task log
collapses into one huge line. Two shapes cover the pipelines' long steps:

- ``OptunaProgress``, an Optuna callback: ``trial i/n, best, elapsed, ETA`` after
  every trial of a search (Optuna's own INFO lines are silenced once this module
  is imported, so a search reads in one format);
- ``progress(items, ...)``, a generator wrapped around a loop (batches of
  inference, folds, candidate values): a line at most every ``every_s`` seconds
  and one at the end.

The ETA assumes the remaining items take as long as the finished ones on average;
with a time budget (an Optuna ``timeout``) it is capped by the budget left.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Iterator, Sized
from typing import Any, TypeVar

import optuna

logger = logging.getLogger(__name__)

# The project's searches report their trials through OptunaProgress; Optuna's own
# INFO lines (study created, each trial) would repeat them in another format.
optuna.logging.set_verbosity(optuna.logging.WARNING)

T = TypeVar("T")


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``: short enough for a log line."""
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, round(seconds))
    if seconds < 60:  # noqa: PLR2004
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:  # noqa: PLR2004
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def eta_seconds(
    done: int, total: int | None, elapsed_s: float, budget_s: float | None = None
) -> float:
    """Seconds left: the mean time per finished item times the items left, capped
    by what remains of ``budget_s``; ``inf`` when it cannot be told yet."""
    if done <= 0 or total is None:
        estimate = math.inf
    else:
        estimate = elapsed_s / done * max(total - done, 0)
    if budget_s is not None:
        estimate = min(estimate, max(budget_s - elapsed_s, 0.0))
    return estimate


class OptunaProgress:
    """Optuna callback logging ``<name>: trial i/n, best <value>, elapsed, ETA``.

    ``n_trials`` and ``timeout_s`` are the search's own limits (either may be
    None). Creating one turns Optuna's per-trial INFO lines off (again, in case
    something turned them on): this callback replaces them.
    """

    def __init__(
        self,
        name: str,
        n_trials: int | None,
        timeout_s: float | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.name = name
        self.n_trials = n_trials
        self.timeout_s = timeout_s
        self.log = log or logger
        self.started = time.perf_counter()
        optuna.logging.set_verbosity(optuna.logging.WARNING)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done = sum(1 for t in study.trials if t.state.is_finished())
        elapsed = time.perf_counter() - self.started
        try:
            best = f"{study.best_value:.4f}"
        except ValueError:  # no trial completed yet
            best = "none yet"
        value = "failed" if trial.value is None else f"{trial.value:.4f}"
        total = f"/{self.n_trials}" if self.n_trials else ""
        self.log.info(
            "%s: trial %d%s scored %s, best %s; elapsed %s, ETA %s.",
            self.name,
            done,
            total,
            value,
            best,
            format_duration(elapsed),
            format_duration(eta_seconds(done, self.n_trials, elapsed, self.timeout_s)),
        )


def progress(
    items: Iterable[T],
    what: str,
    total: int | None = None,
    every_s: float = 10.0,
    log: logging.Logger | None = None,
) -> Iterator[T]:
    """Yield ``items``, logging ``<what>: i/n (p %), elapsed, ETA`` at most every
    ``every_s`` seconds and once at the end (not at all for a step that ends
    before the first line is due)."""
    log = log or logger
    if total is None and isinstance(items, Sized):
        total = len(items)
    started = time.perf_counter()
    last = started
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.perf_counter()
        if now - last >= every_s and (total is None or done < total):
            last = now
            _log_progress(log, what, done, total, now - started)
    elapsed = time.perf_counter() - started
    if elapsed >= every_s:
        _log_progress(log, what, done, total, elapsed)


def _log_progress(
    log: logging.Logger, what: str, done: int, total: int | None, elapsed: float
) -> None:
    if total:
        log.info(
            "%s: %d/%d (%.0f %%), elapsed %s, ETA %s.",
            what,
            done,
            total,
            100 * done / total,
            format_duration(elapsed),
            format_duration(eta_seconds(done, total, elapsed)),
        )
    else:
        log.info("%s: %d done, elapsed %s.", what, done, format_duration(elapsed))


def keras_progress(what: str, epochs: int, log: logging.Logger | None = None) -> Any:
    """A Keras callback logging ``<what>: epoch i/n, loss, validation loss,
    elapsed, ETA`` after every epoch (the ETA assumes every epoch runs: early
    stopping may end sooner). For fits run with ``verbose=0``."""
    import keras  # noqa: PLC0415 - only where a network trains

    log = log or logger
    clock: dict[str, float] = {}

    def on_train_begin(logs: dict | None = None) -> None:
        clock["started"] = time.perf_counter()

    def on_epoch_end(epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        elapsed = time.perf_counter() - clock.get("started", time.perf_counter())
        validation = logs.get("val_loss")
        log.info(
            "%s: epoch %d/%d, loss %.4f, validation loss %s; elapsed %s, ETA %s.",
            what,
            epoch + 1,
            epochs,
            logs.get("loss", math.nan),
            "-" if validation is None else f"{validation:.4f}",
            format_duration(elapsed),
            format_duration(eta_seconds(epoch + 1, epochs, elapsed)),
        )

    return keras.callbacks.LambdaCallback(
        on_train_begin=on_train_begin, on_epoch_end=on_epoch_end
    )
