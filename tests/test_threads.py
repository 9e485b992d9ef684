"""Thread settings by workload (ia_portfolio.threads)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from ia_portfolio import threads


def test_lightgbm_uses_one_thread_on_small_tables_and_every_core_on_large_ones():
    small = threads.LIGHTGBM_PARALLEL_MIN_ROWS - 1
    large = threads.LIGHTGBM_PARALLEL_MIN_ROWS
    assert threads.lightgbm_threads(small) == 1
    assert threads.lightgbm_threads(large) == threads.usable_cores()
    assert threads.lightgbm_threads(large, "auto") == threads.usable_cores()


def test_a_number_given_in_the_parameters_wins():
    assert threads.lightgbm_threads(10, 2) == 2
    assert threads.lightgbm_threads(10**7, 1) == 1
    with pytest.raises(ValueError, match="positive"):
        threads.lightgbm_threads(10, 0)


def test_small_linear_fits_run_with_one_blas_thread():
    np.ones(1) @ np.ones(1)  # loads NumPy's BLAS
    with threads.small_linear_fits():
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas
        assert all(pool["num_threads"] == 1 for pool in blas)


def test_single_threaded_fits_of_the_folds_run_side_by_side(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    assert threads.fold_workers(1, n_folds=5) == 2
    assert threads.fold_workers(1, n_folds=1) == 1
    # Fits that already use every core run one fold at a time.
    assert threads.fold_workers(2, n_folds=5) == 1
