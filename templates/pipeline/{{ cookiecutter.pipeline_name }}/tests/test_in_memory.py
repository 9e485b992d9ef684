"""The ``{{ cookiecutter.pipeline_name }}`` pipeline run in memory on a hand-made
table with the project's parameters: every node, no files, no MLflow."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from ia_portfolio.pipelines.{{ cookiecutter.pipeline_name }} import create_pipeline
from tests.support.in_memory import InMemoryRun, pipeline_parameters, run_in_memory

PIPELINE = "{{ cookiecutter.pipeline_name }}"


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    """What the raw table means (parameters ``{{ cookiecutter.pipeline_name }}.data``)."""
    return pipeline_parameters(PIPELINE)[PIPELINE]["data"]


@pytest.fixture(scope="module")
def run(data: dict[str, Any]) -> InMemoryRun:
    """Six rows in two groups; two of them miss the group or the value."""
    raw = pd.DataFrame(
        {
            data["group_column"]: ["a", "a", "b", "b", "b", None],
            data["value_column"]: [1.0, 3.0, 4.0, 6.0, None, 5.0],
        }
    )
    return run_in_memory(create_pipeline(), {"raw_table": raw})


def test_rows_missing_a_group_or_value_are_left_out(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    assert (metrics["rows"], metrics["groups"]) == (4, 2)
    assert metrics["mean"] == pytest.approx(3.5)
    assert run["mlflow_metrics"]["rows"] == {"value": 4.0, "step": 0}


def test_report_shows_the_summary_per_group(run: InMemoryRun) -> None:
    report = run["report"]
    assert "## Results" in report
    assert "| a " in report and "| b " in report


def test_figure_has_a_title_units_and_a_legend(
    run: InMemoryRun, data: dict[str, Any]
) -> None:
    axes = run["value_by_group_plot"].axes[0]
    assert axes.get_title()
    assert axes.get_xlabel().endswith(f"({data['value_unit']})")
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend == ["a", "b"]
