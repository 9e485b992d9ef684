"""The ``scoping`` pipeline run in memory on hand-made measurements with the
project's parameters: every node, no files, no MLflow store."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pandas as pd
import pytest

from ia_portfolio.pipelines.scoping import create_pipeline, plots, report
from tests.support.in_memory import InMemoryRun, pipeline_parameters, run_in_memory

PIPELINE = "scoping"
MIB = 2**20
RUN_IDS = itertools.count()


@pytest.fixture(scope="module")
def parameters() -> dict[str, Any]:
    return pipeline_parameters(PIPELINE)[PIPELINE]


def _machine() -> dict[str, Any]:
    return {"usable_cpus": 2, "load_average": {"1min": 0.4}}


def _mlflow_run(name: str, status: str = "FINISHED", **fields: Any) -> dict[str, Any]:
    return {
        "run_id": f"{name}-{next(RUN_IDS)}",
        "run_name": name,
        "pipeline": name,
        "parent_run_id": None,
        "experiment": "ia_portfolio",
        "status": status,
        "start_time": pd.Timestamp("2026-01-02", tz="UTC"),
        "duration_s": 100.0,
        "env": "local",
        "partial": False,
        "runtime_params": False,
        "artifact_bytes": 1 * MIB,
        "model_bytes": 4 * MIB,
        **fields,
    }


@pytest.fixture(scope="module")
def run() -> InMemoryRun:
    """Three pipelines: ``smart_city`` timed by a benchmark and with data and runs
    on disk, ``scoring`` served (throughput and memory measured) but trained only
    in MLflow, ``product_insights`` never measured."""
    benchmarks = {
        "smart_city": {
            "started_at": "2026-01-01T00:00:00+00:00",
            "machine": _machine(),
            "config": {"command": "kedro run --pipeline=smart_city"},
            "runs": [
                {
                    "exit_code": 0,
                    "wall_s": 10.0,
                    "user_cpu_s": 8.0,
                    "system_cpu_s": 1.0,
                    "peak_rss_bytes": 600 * MIB,
                },
                {
                    "exit_code": 0,
                    "wall_s": 30.0,
                    "user_cpu_s": 20.0,
                    "system_cpu_s": 2.0,
                    "peak_rss_bytes": 700 * MIB,
                },
                {"exit_code": 1, "wall_s": 1.0, "peak_rss_bytes": 9000 * MIB},
            ],
        },
        # Another environment, or part of the pipeline, is not the default run.
        "smart_city_original": {
            "started_at": "2026-01-05T00:00:00+00:00",
            "config": {"command": "kedro run --pipeline=smart_city --env original"},
            "runs": [{"exit_code": 0, "wall_s": 500.0, "peak_rss_bytes": 9 * 2**30}],
        },
        "smart_city_first_node": {
            "started_at": "2026-01-06T00:00:00+00:00",
            "config": {
                "command": "kedro run --pipeline=smart_city --to-nodes=harmonise_names"
            },
            "runs": [{"exit_code": 0, "wall_s": 2.0, "peak_rss_bytes": 100 * MIB}],
        },
        "serving": {
            "started_at": "2026-01-03T00:00:00+00:00",
            "machine": _machine(),
            "results": {
                "ia_portfolio_api": {
                    "requests_per_s": 500.0,
                    "server_rss_bytes_after": 800 * MIB,
                }
            },
            "training": {
                "command": "kedro run --pipeline=scoring --params scoring.x=1",
                "wall_s": 5.0,
            },
        },
    }
    mlflow_runs = pd.DataFrame(
        [
            _mlflow_run("smart_city", artifact_bytes=10 * MIB, model_bytes=0),
            _mlflow_run("smart_city", partial=True, duration_s=1.0),
            _mlflow_run("scoring", run_id="scoring-run"),
            # A candidate model logged as a run nested in the pipeline's run.
            _mlflow_run(
                "lightgbm",
                parent_run_id="scoring-run",
                artifact_bytes=2 * MIB,
                model_bytes=0,
            ),
            _mlflow_run("scoring", status="FAILED", duration_s=1.0),
            _mlflow_run("scoring", runtime_params=True, duration_s=1.0),
            _mlflow_run("scoring", env="original", duration_s=1.0),
        ]
    )
    footprint = pd.DataFrame(
        [
            {
                "pipeline": "smart_city",
                "layer": "08_reporting",
                "files": 3,
                "bytes": 20 * MIB,
            },
            {"pipeline": "scoring", "layer": "06_models", "files": 2, "bytes": 5 * MIB},
            {"pipeline": "scoping", "layer": "08_reporting", "files": 4, "bytes": MIB},
        ]
    )
    pipelines = pd.DataFrame(
        {
            "pipeline": ["smart_city", "scoring", "product_insights"],
            "served": [False, True, False],
        }
    )
    return run_in_memory(
        create_pipeline(),
        {
            "benchmark_results": benchmarks,
            "mlflow_runs": mlflow_runs,
            "data_footprint": footprint,
            "project_pipelines": pipelines,
        },
    )


def _figure(run: InMemoryRun, pipeline: str, quantity: str) -> pd.Series:
    table = run["measurements"]
    rows = table[(table["pipeline"] == pipeline) & (table["quantity"] == quantity)]
    assert len(rows) == 1, (pipeline, quantity)
    return rows.iloc[0]


def test_benchmark_figures_of_the_default_run_are_read(run: InMemoryRun) -> None:
    assert _figure(run, "smart_city", "train_wall_s")["value"] == 20.0  # median
    assert _figure(run, "smart_city", "train_cpu_s")["value"] == 15.5  # noqa: PLR2004
    peak = _figure(run, "smart_city", "train_peak_rss_mib")
    assert peak["value"] == 700.0  # noqa: PLR2004 - failed run left out
    assert peak["source"] == "benchmarks/results/smart_city.json"
    # The serving benchmark's training run overrode parameters: not the default.
    assert _figure(run, "scoring", "train_wall_s")["status"] == "not measured"
    # The original dataset's run is kept apart; a partial run is left out.
    assert _figure(run, "smart_city", "original_train_wall_s")["value"] == 500.0  # noqa: PLR2004
    original = _figure(run, "smart_city", "original_train_peak_rss_mib")
    assert original["value"] == 9 * 1024
    assert _figure(run, "scoring", "original_train_wall_s")["status"] == "not measured"


def test_only_complete_default_mlflow_runs_count(run: InMemoryRun) -> None:
    assert _figure(run, "scoring", "mlflow_runs")["value"] == 1
    assert _figure(run, "scoring", "mlflow_run_s")["value"] == 100.0  # noqa: PLR2004
    # Its own 1 + 4 MiB and the nested candidate's 2 MiB.
    assert _figure(run, "scoring", "mlflow_mib_per_run")["value"] == 7.0  # noqa: PLR2004
    assert _figure(run, "smart_city", "data_mib")["value"] == 20.0  # noqa: PLR2004


def test_serving_figures_per_1000_predictions(run: InMemoryRun) -> None:
    assert _figure(run, "scoring", "s_per_1k_predictions")["value"] == 2.0
    assert _figure(run, "scoring", "serving_rss_mib")["value"] == 800.0  # noqa: PLR2004
    assert _figure(run, "smart_city", "serving_rss_mib")["status"] == "not applicable"


def test_every_pipeline_has_every_quantity_and_nothing_is_invented(
    run: InMemoryRun,
) -> None:
    table = run["measurements"]
    assert len(table) == 3 * table["quantity"].nunique()
    never = table[table["pipeline"] == "product_insights"]
    assert set(never["status"]) <= {"not measured", "not applicable"}
    assert never["value"].isna().all()
    assert (never["status"] == "not measured").sum() >= 6  # noqa: PLR2004


def test_costs_follow_the_stated_prices_and_cadence(
    run: InMemoryRun, parameters: dict[str, Any]
) -> None:
    prices = parameters["prices"]
    vcpu, ram = prices["vcpu_hour"]["price"], prices["gib_ram_hour"]["price"]
    costs = run["cost_table"].set_index("pipeline")
    city = costs.loc["smart_city"]
    # 20 s on 2 vCPUs with 700 MiB rounded up to 1 GiB, 30 runs a month.
    assert city["train_cost_per_run"] == pytest.approx(20 / 3600 * (2 * vcpu + ram))
    assert city["train_cost_month"] == pytest.approx(30 * city["train_cost_per_run"])
    stored_gib = (20 + 10 * parameters["deployment"]["retained_runs"]) / 1024
    assert city["storage_cost_month"] == pytest.approx(
        stored_gib * prices["gib_month_storage"]["price"]
    )
    assert city["complete"]
    scoring = costs.loc["scoring"]
    per_1k = 2 / 3600 * (vcpu + ram) + 1000 / 1e6 * prices["million_requests"]["price"]
    assert scoring["serve_cost_per_1k"] == pytest.approx(per_1k)
    assert scoring["serve_cost_month"] == pytest.approx(per_1k * 10_000 * 30 / 1000)
    assert scoring["warm_instance_cost_month"] == pytest.approx(30 * 24 * (vcpu + ram))
    assert scoring["train_wall_source"] == "MLflow"
    assert not scoring["complete"]
    assert "training memory" in scoring["not_measured"]
    assert pd.isna(scoring["train_cost_month"])


def test_report_says_what_is_not_measured(run: InMemoryRun) -> None:
    report = run["report"]
    assert "## Not measured" in report
    assert "- `product_insights`:" in report
    assert "cloud.google.com/run/pricing" in report
    table = run["cost_table_markdown"]
    for pipeline in ("smart_city", "scoring", "product_insights"):
        assert f"`{pipeline}`" in table
    assert "not measured" in table and "(incomplete)" in table
    assert run["metrics"]["pipelines_priced_completely"] == 1
    assert run["mlflow_metrics"]["pipelines"] == {"value": 3.0, "step": 0}


def test_figures_have_titles_units_and_legends(
    run: InMemoryRun, parameters: dict[str, Any]
) -> None:
    cost = run["cost_plot"].axes[0]
    assert cost.get_title()
    assert cost.get_xlabel() == "USD per month"
    labels = [text.get_text() for text in cost.get_legend().get_texts()]
    assert {"training", "serving", "storage"} <= set(labels)
    matrix = run["risk_matrix_plot"].axes[0]
    placed = " ".join(text.get_text() for text in matrix.texts)
    assert all(risk["id"] in placed for risk in parameters["risks"])
    assert matrix.get_legend() is not None


def test_risk_register_lists_every_risk_highest_first(
    run: InMemoryRun, parameters: dict[str, Any]
) -> None:
    register = run["risk_register"]
    rows = [line for line in register.splitlines() if line.startswith("| R")]
    assert len(rows) == len(parameters["risks"])
    scores = [int(row.split("|")[6]) for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_tables_read_back_from_csv_give_the_same_documents(
    run: InMemoryRun, parameters: dict[str, Any]
) -> None:
    """The report nodes get the tables as the CSV files hold them (missing text
    and figures read back as NaN) in a real run."""
    measurements = pd.read_csv(io.StringIO(run["measurements"].to_csv(index=False)))
    costs = pd.read_csv(io.StringIO(run["cost_table"].to_csv(index=False)))
    prices, cadence = parameters["prices"], parameters["cadence"]
    table = report.write_cost_table(costs, prices)
    assert table == run["cost_table_markdown"]
    metrics, _ = report.build_metrics(costs, measurements, prices, cadence)
    text = report.write_report(
        metrics, measurements, table, prices, cadence, parameters["deployment"]
    )
    assert text == run["report"]
    assert plots.plot_costs(costs, prices).axes[0].get_title()
