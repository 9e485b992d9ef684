"""The scale benchmark's figures: tuning apart from whole-table work, spread over
runs, the ratio to the plain-LightGBM baseline, and the README table."""

from __future__ import annotations

from benchmarks import report, scale, threads


def _run(n_rows: int, index: int, wall: float, tuning: float) -> dict:
    node_times = {
        "scoring.prepare_applications": 2.0,
        "scoring.tune_lightgbm": tuning / 2,
        "scoring.tune_logistic_regression": tuning / 2,
        "scoring.cross_validate_lightgbm": 10.0,
    }
    return {
        "n_rows": n_rows,
        "run": index,
        "exit_code": 0,
        "wall_s": wall,
        "node_times_s": node_times,
        "slowest_nodes": sorted(node_times, key=node_times.get, reverse=True),
        **scale.split_node_times(node_times),
        "startup_and_teardown_s": wall - sum(node_times.values()),
        "peak_rss_bytes": 2**30 * index,
        "test_roc_auc": 0.75,
        "chosen_model": "logistic_regression",
        "load_1min_during": {"mean": 1.0 + index, "max": 2.0 + index},
        "load_average_before": {"1min": 1.0},
        "cpu_percent": 150.0,
        "optuna": {},
    }


def test_tuning_nodes_are_counted_apart_from_the_whole_table_work():
    split = scale.split_node_times(
        {
            "scoring.tune_dummy": 1.0,
            "scoring.tune_lightgbm": 4.0,
            "scoring.refit_model": 3.5,
        }
    )
    assert split == {"tuning_s": 5.0, "full_table_s": 3.5}


def test_summary_gives_the_spread_and_the_ratio_of_medians():
    result = {
        "runs": [_run(1000, i, wall, 20.0) for i, wall in enumerate((60, 30, 45), 1)],
        "baselines": [
            {"n_rows": 1000, "run": i, "exit_code": 0, "wall_s": w, "roc_auc": 0.74}
            for i, w in enumerate((4.0, 6.0, 5.0), 1)
        ],
    }
    [size] = scale.summarise(result)
    assert size["wall_s"] == {"median": 45, "min": 30, "max": 60}
    assert size["baseline_wall_s"]["median"] == 5.0
    assert size["ratio_of_medians"] == 9.0
    assert size["tuning_s"]["median"] == 20.0
    assert size["peak_rss_bytes_max"] == 3 * 2**30
    assert size["runs_ok"] == 3


def test_failed_runs_are_left_out_of_the_spread_but_counted():
    runs = [_run(1000, 1, 40, 10.0), {**_run(1000, 2, 5, 1.0), "exit_code": 1}]
    [size] = scale.summarise({"runs": runs, "baselines": []})
    assert (size["runs"], size["runs_ok"]) == (2, 1)
    assert size["wall_s"]["median"] == 40
    assert size["ratio_of_medians"] is None


def test_readme_table_shows_one_row_per_size_with_the_ratio():
    result = {
        "runs": [_run(n, 1, 50.0, 20.0) for n in (1000, 2000)],
        "baselines": [
            {"n_rows": n, "run": 1, "exit_code": 0, "wall_s": 5.0, "roc_auc": 0.7}
            for n in (1000, 2000)
        ],
    }
    result["summary"] = scale.summarise(result)
    rows = report.scale_summary_rows(result)
    assert [row[0] for row in rows] == ["1,000", "2,000"]
    assert all(row[9] == "10.0×" for row in rows)


def test_crossover_is_the_first_size_where_two_threads_win():
    def row(n_rows: int, one: float, two: float) -> dict:
        return {
            "rows": n_rows,
            "threads": {"1": {"median_s": one}, "2": {"median_s": two}},
        }

    rows = [row(10, 1.0, 2.0), row(100, 2.0, 1.5), row(1000, 9.0, 5.0)]
    assert threads.crossover(rows, "threads") == 100
    assert threads.crossover(rows[:1], "threads") is None
