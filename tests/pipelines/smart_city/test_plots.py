"""The smart_city figures and report, computed in-process on 4,000 generated trees:
readable (titles, labelled axes with units, legends), sampled, and labelled
synthetic when the data is."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure

from ia_portfolio.generators.paris_trees import generate_trees
from ia_portfolio.pipelines.smart_city import nodes, plots, report
from tests.pipelines.smart_city.test_nodes import COLUMNS, PARAMS, STAGES

SYNTHETIC = PARAMS["data"]
REAL = {"description": "the real file", "synthetic": False}


@pytest.fixture(scope="module")
def outputs() -> dict[str, Any]:
    """Every node of the pipeline, chained by hand on a small inventory."""
    raw = generate_trees(4000, seed=3)
    named, variants = nodes.harmonise_names(raw, PARAMS["names"])
    flagged, _, summary = nodes.detect_outliers(
        named, COLUMNS, PARAMS["missing_codes"], PARAMS["outliers"]
    )
    cleaned, log = nodes.clean_inventory(
        named, flagged, COLUMNS, PARAMS["missing_codes"], PARAMS["areas"], STAGES
    )
    trees, stage_metrics = nodes.estimate_stages(
        cleaned, COLUMNS, STAGES, PARAMS["stage_estimate"], PARAMS["seed"]
    )
    by_area, inspection = nodes.build_maintenance_view(
        trees, COLUMNS, PARAMS["areas"], PARAMS["maintenance"]
    )
    return {
        "raw": raw,
        "trees": trees,
        "variants": variants,
        "flagged": flagged,
        "outlier_summary": summary,
        "log": log,
        "stage_metrics": stage_metrics,
        "by_area": by_area,
        "statistics": nodes.describe_columns(raw, trees),
    }


def figures(outputs: dict[str, Any], data: dict[str, Any]) -> dict[str, Figure]:
    static, _ = plots.plot_maintenance(
        outputs["by_area"], COLUMNS, PARAMS["areas"], STAGES, data
    )
    return {
        "missing_values": plots.plot_missing_values(
            outputs["raw"], COLUMNS, PARAMS["missing_codes"], data
        ),
        "distributions": plots.plot_distributions(
            outputs["raw"],
            outputs["trees"],
            COLUMNS,
            STAGES,
            PARAMS["outliers"],
            data,
        ),
        "height_vs_circumference": plots.plot_height_vs_circumference(
            outputs["trees"], COLUMNS, STAGES, data
        ),
        "tree_map": plots.plot_tree_map(
            outputs["trees"],
            COLUMNS,
            PARAMS["areas"],
            PARAMS["plots"],
            data,
            PARAMS["seed"],
        ),
        "maintenance": static,
    }


def _title(figure: Figure) -> str:
    suptitle = figure._suptitle.get_text() if figure._suptitle else ""
    return suptitle + " ".join(a.get_title() for a in figure.axes)


def test_every_static_figure_has_titles_and_labelled_axes(outputs) -> None:
    for name, figure in figures(outputs, SYNTHETIC).items():
        assert "(synthetic data)" in _title(figure), name
        plotting_axes = [a for a in figure.axes if a.get_label() != "<colorbar>"]
        for axes in plotting_axes:
            assert axes.get_xlabel() and axes.get_ylabel(), (name, axes.get_title())
    real = figures(outputs, REAL)
    assert not any("synthetic" in _title(f) for f in real.values())


def test_units_and_legends_where_a_reader_needs_them(outputs) -> None:
    drawn = figures(outputs, SYNTHETIC)
    distributions = drawn["distributions"].axes
    assert "(m, log scale)" in distributions[0].get_xlabel()
    assert "(cm, log scale)" in distributions[1].get_xlabel()
    assert distributions[0].get_legend() is not None
    map_axes = drawn["tree_map"].axes[0]
    assert "longitude (° east)" == map_axes.get_xlabel()
    legend = map_axes.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} >= {
        "1er",
        "7e",
        "Bois de Vincennes",
    }
    assert drawn["maintenance"].axes[0].get_legend() is not None
    assert drawn["height_vs_circumference"].axes[0].get_xlabel().endswith("(cm)")


def test_map_scatter_is_sampled(outputs) -> None:
    small = {**PARAMS["plots"], "sample_size": 500, "interactive_sample_size": 300}
    figure = plots.plot_tree_map(
        outputs["trees"], COLUMNS, PARAMS["areas"], small, SYNTHETIC, PARAMS["seed"]
    )
    drawn = sum(len(c.get_offsets()) for c in figure.axes[0].collections)
    assert drawn == 500
    interactive = plots.interactive_tree_map(
        outputs["trees"], COLUMNS, PARAMS["areas"], small, SYNTHETIC, PARAMS["seed"]
    )
    assert isinstance(interactive, go.Figure)
    assert sum(len(trace.x) for trace in interactive.data) == 300
    assert "synthetic" in interactive.layout.title.text
    assert interactive.layout.xaxis.title.text == "longitude (° east)"
    assert interactive.layout.yaxis.scaleanchor == "x"


def test_interactive_maintenance_chart_matches_the_table(outputs) -> None:
    _, interactive = plots.plot_maintenance(
        outputs["by_area"], COLUMNS, PARAMS["areas"], STAGES, SYNTHETIC
    )
    assert interactive.layout.barmode == "stack"
    total = sum(sum(trace.x) for trace in interactive.data)
    assert total == outputs["by_area"]["to_inspect"].sum()
    assert {trace.name for trace in interactive.data} <= {*STAGES, "unknown"}


def test_report_and_metrics_state_the_figures(outputs) -> None:
    metrics, mlflow_metrics = report.build_metrics(
        outputs["raw"],
        outputs["trees"],
        outputs["variants"],
        outputs["outlier_summary"],
        outputs["stage_metrics"],
        outputs["by_area"],
        COLUMNS,
        PARAMS["missing_codes"],
        SYNTHETIC,
    )
    assert metrics["raw_shape"] == [4000, 18]
    assert metrics["not_measured"]["hauteur_m"] == int(
        (outputs["raw"]["hauteur_m"] == 0).sum()
    )
    assert mlflow_metrics["trees"] == {"value": 4000.0, "step": 0}
    assert mlflow_metrics["outliers_hauteur_m_domain"]["value"] >= 1
    report_inputs = (
        outputs["statistics"],
        outputs["outlier_summary"],
        outputs["variants"],
        outputs["log"],
        outputs["stage_metrics"],
        outputs["by_area"],
        COLUMNS,
        PARAMS["areas"],
        PARAMS["outliers"],
    )
    text = report.write_report(metrics, *report_inputs)
    assert "**Synthetic data.**" in text
    for heading in (
        "## Data",
        "## Method",
        "## Findings",
        "## Maintenance",
        "## Limits",
    ):
        assert heading in text
    assert f"{metrics['maintenance']['trees_to_inspect']:,} trees to inspect" in text
    assert "881818" in text.replace(",", "") or "8.82e+05" in text
    real = report.write_report({**metrics, "source": REAL}, *report_inputs)
    assert "Synthetic" not in real


def test_statistics_compare_raw_and_cleaned(outputs) -> None:
    stats = outputs["statistics"].set_index(["table", "column"])
    raw_height = stats.loc[("raw", "hauteur_m")]
    clean_height = stats.loc[("cleaned", "hauteur_m")]
    assert raw_height["magnitude_max"] == 5  # 881,818 m
    assert clean_height["magnitude_max"] <= 1
    assert raw_height["missing"] == 0 and clean_height["missing"] > 0
    assert pd.isna(stats.loc[("raw", "numero"), "mean"])
    assert ("cleaned", "numero") not in stats.index


def test_every_area_has_its_own_colour_on_both_maps(outputs) -> None:
    """25 areas, 25 colours: none repeated, the same in both maps."""
    from matplotlib.colors import to_hex  # noqa: PLC0415

    inputs = (
        outputs["trees"],
        COLUMNS,
        PARAMS["areas"],
        PARAMS["plots"],
        SYNTHETIC,
        PARAMS["seed"],
    )
    figure = plots.plot_tree_map(*inputs)
    static = {
        c.get_label(): to_hex(c.get_facecolor()[0])
        for c in figure.axes[0].collections
        if len(c.get_offsets())
    }
    interactive = plots.interactive_tree_map(*inputs)
    dynamic = {trace.name: trace.marker.color.lower() for trace in interactive.data}
    assert len(static) >= 20
    assert len(set(static.values())) == len(static)
    assert len(set(dynamic.values())) == len(dynamic)
    assert all(dynamic[name] == colour for name, colour in static.items())
