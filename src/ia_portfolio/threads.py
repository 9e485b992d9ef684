"""Thread settings for model fitting, chosen per workload, in one place.

Measured on 2 cores (``python -m benchmarks threads``, figures in
``benchmarks/results/threads.json`` and ``docs/architecture.md``):

- **BLAS** (NumPy/SciPy's OpenBLAS): a logistic-regression fit on a few
  thousand to a few tens of thousands of rows is several times *slower* with two
  BLAS threads than with one (a known OpenBLAS behaviour on small matrices: the
  threads synchronise on every small product). Small linear fits run under
  :func:`small_linear_fits`, one BLAS thread.
- **LightGBM**: on a few thousand rows a second thread costs more in
  synchronisation than it saves; on hundreds of thousands of rows it pays.
  :func:`lightgbm_threads` gives one thread below :data:`LIGHTGBM_PARALLEL_MIN_ROWS`
  training rows, every usable core from there on.

- **Folds**: where each fit runs on one thread, the folds of a cross-validation
  are fitted at once, one per usable core (:func:`fold_workers`); LightGBM and
  BLAS release the GIL while they compute, and each fold's result is the same
  as when fitted alone.

A parameter set to a number keeps that number (``n_jobs: 2``); :data:`AUTO`
applies the rule.
"""

from __future__ import annotations

import os
from typing import Any

from threadpoolctl import threadpool_limits

AUTO = "auto"
# Training rows from which a second LightGBM thread pays (the measured crossover
# on 2 cores, rounded down: 1 thread wins at 30,000 rows, 2 threads win at
# 100,000 and above).
LIGHTGBM_PARALLEL_MIN_ROWS = 60_000


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0))


def small_linear_fits() -> threadpool_limits:
    """A context in which BLAS uses one thread (small linear-model fits)."""
    return threadpool_limits(limits=1, user_api="blas")


def lightgbm_threads(n_rows: int, requested: Any = AUTO) -> int:
    """LightGBM's ``n_jobs`` for a fit on ``n_rows`` training rows: ``requested``
    when it is a number, else one thread below
    :data:`LIGHTGBM_PARALLEL_MIN_ROWS` rows and every usable core above."""
    if requested is None or requested == AUTO:
        return 1 if n_rows < LIGHTGBM_PARALLEL_MIN_ROWS else usable_cores()
    threads = int(requested)
    if threads < 1:
        raise ValueError(
            f"n_jobs must be a positive number or '{AUTO}', got {requested!r}."
        )
    return threads


def fold_workers(fit_threads: int, n_folds: int) -> int:
    """Folds to fit at once: one per usable core when each fit uses a single
    thread (a single-threaded fit leaves the other cores idle), else one."""
    if fit_threads > 1:
        return 1
    return max(1, min(usable_cores(), n_folds))
