"""ANOVA, PCA, outlier summary, metrics and figures of ``public_health``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure

from ia_portfolio.pipelines.public_health import analysis, plots, report

CANONICAL = ["Beverages", "Fat and Sauces", "Sugary snacks"]
VARIABLES = {
    "energy_100g": {"label": "Energy", "unit": "kJ per 100 g"},
    "fat_100g": {"label": "Fat", "unit": "g per 100 g"},
    "sugars_100g": {"label": "Sugars", "unit": "g per 100 g"},
    "salt_100g": {"label": "Salt", "unit": "g per 100 g"},
}
ANALYSIS = {
    "data_label": "test products",
    "variables": VARIABLES,
    "pca_columns": list(VARIABLES),
    "anova_columns": list(VARIABLES),
    "projection_sample_size": 150,
    "min_group_size": 5,
}


@pytest.fixture(scope="module")
def cleaned() -> pd.DataFrame:
    """300 products in three groups with distinct fat and sugar levels."""
    rng = np.random.default_rng(1)
    group = rng.choice(CANONICAL, 300)
    fat = np.select(
        [group == "Fat and Sauces", group == "Sugary snacks"], [80.0, 20.0], 0.5
    ) + rng.normal(0, 3, 300).clip(-0.5, None)
    sugars = np.where(group == "Sugary snacks", 50.0, 5.0) + rng.normal(0, 3, 300)
    return pd.DataFrame(
        {
            "product_name": [f"p{i}" for i in range(300)],
            "brands": "b",
            "pnns_groups_1": np.where(np.arange(300) % 10 == 0, None, group),
            "fat_100g": fat,
            "sugars_100g": sugars.clip(0),
            "energy_100g": 37 * fat + 17 * sugars.clip(0),
            "salt_100g": rng.gamma(1.0, 0.5, 300),
            "nutrition_grade_fr": rng.choice(list("abcde"), 300),
        }
    )


def test_anova_effect_sizes_match_their_definition() -> None:
    frame = pd.DataFrame(
        {"group": ["a"] * 3 + ["b"] * 3, "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    )
    table, means = analysis.anova_by_group(
        frame,
        pd.DataFrame(index=frame.index),
        {"anova_columns": ["x"], "min_group_size": 2},
        "group",
    )
    row = table.iloc[0]
    # between-group sum of squares 13.5, total 17.5, within mean square 1
    assert row["eta_squared"] == pytest.approx(13.5 / 17.5)
    assert row["omega_squared"] == pytest.approx((13.5 - 1) / (17.5 + 1))
    assert row["f_statistic"] == pytest.approx(13.5)
    assert row["effect"] == "large"
    assert means.set_index("group").loc["b", "mean"] == pytest.approx(5.0)


def test_anova_leaves_out_imputed_values_and_small_groups() -> None:
    frame = pd.DataFrame(
        {
            "group": ["a"] * 4 + ["b"] * 4 + ["c"],
            "x": [1.0, 2.0, 3.0, 100.0, 4.0, 5.0, 6.0, 7.0, 50.0],
        }
    )
    imputed = pd.DataFrame({"x": [False, False, False, True] + [False] * 5})
    table, means = analysis.anova_by_group(
        frame, imputed, {"anova_columns": ["x"], "min_group_size": 2}, "group"
    )
    assert table.iloc[0]["n"] == 7 and table.iloc[0]["groups"] == 2
    assert set(means["group"]) == {"a", "b"}
    assert means.set_index("group").loc["a", "mean"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("eta", "label"),
    [(0.005, "negligible"), (0.01, "small"), (0.06, "medium"), (0.14, "large")],
)
def test_effect_size_labels(eta: float, label: str) -> None:
    assert analysis.effect_size_label(eta) == label


def test_anova_finds_the_group_structure(cleaned: pd.DataFrame) -> None:
    table, _ = analysis.anova_by_group(
        cleaned, pd.DataFrame(index=cleaned.index), ANALYSIS, "pnns_groups_1"
    )
    effects = table.set_index("nutrient")["eta_squared"]
    assert effects["fat_100g"] > 0.9 and effects["sugars_100g"] > 0.9
    assert effects["salt_100g"] < 0.06  # drawn independently of the group
    assert table["eta_squared"].is_monotonic_decreasing


def _axis(loadings: pd.DataFrame, variance: pd.DataFrame) -> np.ndarray:
    """PC1's unit direction, from its loadings (correlation / sqrt(eigenvalue))."""
    return loadings["PC1"].to_numpy() / np.sqrt(variance["eigenvalue"].iloc[0])


def test_pca_tables_are_consistent(cleaned: pd.DataFrame) -> None:
    variance, loadings, projection = analysis.compute_pca(
        cleaned, ANALYSIS, "pnns_groups_1", 0
    )
    assert variance["explained_variance"].sum() == pytest.approx(1.0)
    assert variance["cumulative_variance"].iloc[-1] == pytest.approx(1.0)
    assert variance["eigenvalue"].is_monotonic_decreasing
    assert variance["eigenvalue"].sum() == pytest.approx(len(VARIABLES))
    # loadings are correlations between each variable and each component
    scaled = (cleaned[list(VARIABLES)] - cleaned[list(VARIABLES)].mean()) / cleaned[
        list(VARIABLES)
    ].std(ddof=0)
    direct = np.corrcoef(
        scaled["fat_100g"], scaled.to_numpy() @ _axis(loadings, variance)
    )
    assert loadings.set_index("variable").loc["fat_100g", "PC1"] == pytest.approx(
        direct[0, 1]
    )
    squared = (loadings.set_index("variable") ** 2).sum(axis=1)
    assert squared.to_numpy() == pytest.approx(np.ones(len(VARIABLES)))
    # energy moves with fat and sugars, salt on its own: PC1 carries the first
    # three, not salt
    assert variance["explained_variance"].iloc[0] > 0.4
    assert abs(loadings.set_index("variable").loc["salt_100g", "PC1"]) < 0.3
    # the projection is a stratified sample with the group of each product
    assert 140 <= len(projection) <= 160
    shares = projection["pnns_groups_1"].fillna("none").value_counts(normalize=True)
    expected = cleaned["pnns_groups_1"].fillna("none").value_counts(normalize=True)
    assert (shares - expected).abs().max() < 0.03


def test_component_descriptions_name_drivers_and_groups(cleaned: pd.DataFrame) -> None:
    variance, loadings, projection = analysis.compute_pca(
        cleaned, ANALYSIS, "pnns_groups_1", 0
    )
    lines = report.describe_components(
        variance, loadings, projection, "pnns_groups_1", ANALYSIS
    )
    assert len(lines) == 2
    assert lines[0].startswith("- **PC1**")
    assert "Energy" in lines[0] and "Fat and Sauces" in lines[0]


def test_outlier_summary_counts_within_groups() -> None:
    frame = pd.DataFrame(
        {
            "group": ["a"] * 40 + ["b"] * 40,
            "fat": [1.0] * 20 + [2.0] * 19 + [30.0] + [80.0] * 20 + [81.0] * 20,
        }
    )
    rules = {"fat": {"iqr": {"k": 1.5}, "robust_z": {"threshold": 3.5}}}
    summary = analysis.summarise_outliers(frame, rules, "group").set_index("column")
    # 30 g is extreme among group a only; group b's 80 g are normal there
    assert summary.loc["fat", "iqr_flagged"] == 1
    assert summary.loc["fat", "robust_z_flagged"] == 1
    assert summary.loc["fat", "values"] == 80


def test_metrics_are_json_and_mlflow_shaped() -> None:
    steps = pd.DataFrame(
        {"step": ["a", "b"], "rows_before": [10, 8], "rows_after": [8, 5]}
    ).assign(values_imputed=[0, 3])
    variance = pd.DataFrame({"explained_variance": [0.6, 0.3, 0.1]})
    anova = pd.DataFrame(
        {"nutrient": ["fat_100g", "saturated-fat_100g"], "eta_squared": [0.4, np.nan]}
    )
    metrics, mlflow_metrics = report.build_metrics(steps, variance, anova)
    assert metrics["rows_raw"] == 10.0
    assert metrics["eta_squared_saturated_fat_100g"] is None  # not finite
    assert mlflow_metrics["rows_raw"] == {"value": 10.0, "step": 0}
    assert mlflow_metrics["rows_after_b"]["value"] == 5.0
    assert mlflow_metrics["values_imputed"]["value"] == 3.0
    assert mlflow_metrics["pca_explained_pc2"]["value"] == pytest.approx(0.3)
    assert mlflow_metrics["eta_squared_fat_100g"]["value"] == pytest.approx(0.4)
    assert "eta_squared_saturated_fat_100g" not in mlflow_metrics


def _assert_readable(figure: Figure) -> None:
    """Every visible plot has a title, labelled axes; the figure names the data."""
    visible = [
        a for a in figure.axes if a.get_visible() and a.get_label() != "<colorbar>"
    ]
    assert visible
    text = (figure._suptitle.get_text() if figure._suptitle else "") + " ".join(
        a.get_title() for a in visible
    )
    assert "test products" in text
    for axes in visible:
        assert axes.get_title(), axes
        assert axes.get_xlabel() and axes.get_ylabel(), axes.get_title()


def test_figures_are_titled_labelled_and_name_the_data(cleaned: pd.DataFrame) -> None:
    variance, loadings, projection = analysis.compute_pca(
        cleaned, ANALYSIS, "pnns_groups_1", 0
    )
    anova, _ = analysis.anova_by_group(
        cleaned, pd.DataFrame(index=cleaned.index), ANALYSIS, "pnns_groups_1"
    )
    imputed = pd.DataFrame({"fat_100g": cleaned.index % 7 == 0})
    label = "test products"
    figures = [
        plots.plot_missing_values(cleaned.assign(extra=np.nan), cleaned, label),
        plots.plot_distributions(cleaned, imputed, VARIABLES, label),
        plots.plot_group_counts(
            cleaned, "pnns_groups_1", "nutrition_grade_fr", CANONICAL, label
        ),
        plots.plot_nutrients_by_group(
            cleaned, VARIABLES, "pnns_groups_1", CANONICAL, label
        ),
        plots.plot_correlations(cleaned, VARIABLES, label),
        plots.plot_hexbins(cleaned, [["fat_100g", "energy_100g"]], VARIABLES, label),
        plots.plot_scree(variance, label),
        plots.plot_correlation_circle(loadings, variance, VARIABLES, label),
        plots.plot_pca_projection(
            projection, variance, "pnns_groups_1", CANONICAL, label
        ),
        plots.plot_anova_effect_sizes(anova, VARIABLES, label),
    ]
    for figure in figures:
        _assert_readable(figure)
    # units appear on the nutrient axes
    distributions = figures[1]
    assert "Fat (g per 100 g)" in [a.get_xlabel() for a in distributions.axes]
    assert figures[8].axes[0].get_legend() is not None


def test_explorer_samples_and_switches_axes(cleaned: pd.DataFrame) -> None:
    figure = plots.nutrient_explorer(
        cleaned, VARIABLES, "pnns_groups_1", CANONICAL, 100, 0, "test products"
    )
    assert isinstance(figure, go.Figure)
    points = sum(len(trace.x) for trace in figure.data)
    assert 90 <= points <= 110
    assert {trace.name.split(" (")[0] for trace in figure.data} == {
        *CANONICAL,
        plots.NO_GROUP,
    }
    x_menu = figure.layout.updatemenus[0]
    assert [b.label for b in x_menu.buttons] == [v["label"] for v in VARIABLES.values()]
    salt = x_menu.buttons[3].args
    assert salt[1]["xaxis.title.text"] == "Salt (g per 100 g)"
    assert sum(len(values) for values in salt[0]["x"]) == points
    assert "test products" in figure.layout.title.text
