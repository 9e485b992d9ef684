"""Progress lines of long steps: trial and batch counts, elapsed time, ETA."""

import logging
import math

import optuna
import pytest

from ia_portfolio.progress import (
    OptunaProgress,
    eta_seconds,
    format_duration,
    keras_progress,
    progress,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (42, "42 s"), (185, "3 min 05 s"), (3720, "1 h 02 min")],
)
def test_durations_read_short(seconds, text):
    assert format_duration(seconds) == text
    assert format_duration(math.inf) == "?"


def test_eta_is_the_mean_pace_times_what_is_left_capped_by_the_budget():
    assert eta_seconds(2, 10, 20.0) == pytest.approx(80.0)
    assert eta_seconds(2, 10, 20.0, budget_s=50.0) == pytest.approx(30.0)
    assert eta_seconds(0, 10, 5.0) == math.inf
    assert eta_seconds(3, None, 5.0, budget_s=60.0) == pytest.approx(55.0)


def test_an_optuna_search_logs_every_trial_with_best_and_eta(caplog):
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=0)
    )
    with caplog.at_level(logging.INFO, logger="ia_portfolio.progress"):
        study.optimize(
            lambda trial: trial.suggest_float("x", 0, 1),
            n_trials=3,
            callbacks=[OptunaProgress("demo search", 3, timeout_s=600)],
        )
    lines = [
        r.getMessage() for r in caplog.records if r.name == "ia_portfolio.progress"
    ]
    assert len(lines) == 3
    assert lines[0].startswith("demo search: trial 1/3 scored ")
    assert lines[-1].startswith("demo search: trial 3/3 ")
    assert f"best {study.best_value:.4f}" in lines[-1]
    assert "elapsed" in lines[-1] and "ETA 0 s" in lines[-1]
    # Optuna's own per-trial lines are replaced by these.
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING


def test_a_loop_logs_at_most_every_interval_and_at_the_end(caplog, monkeypatch):
    clock = iter(float(t) for t in range(100))
    monkeypatch.setattr("ia_portfolio.progress.time.perf_counter", lambda: next(clock))
    with caplog.at_level(logging.INFO, logger="ia_portfolio.progress"):
        assert list(progress(range(6), "batches", every_s=3)) == list(range(6))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("batches: 3/6 (50 %), elapsed 3 s, ETA 3 s")
    assert lines[-1].startswith("batches: 6/6 (100 %)")
    assert len(lines) == 2


def test_a_short_loop_logs_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="ia_portfolio.progress"):
        assert list(progress([1, 2], "quick", every_s=60)) == [1, 2]
    assert caplog.records == []


def test_a_keras_fit_logs_every_epoch(caplog):
    callback = keras_progress("demo fit", epochs=4)
    with caplog.at_level(logging.INFO, logger="ia_portfolio.progress"):
        callback.on_train_begin()
        callback.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.6})
        callback.on_epoch_end(1, {"loss": 0.4})
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith(
        "demo fit: epoch 1/4, loss 0.5000, validation loss 0.6000"
    )
    assert lines[1].startswith("demo fit: epoch 2/4, loss 0.4000, validation loss -")
    assert "ETA" in lines[1]
