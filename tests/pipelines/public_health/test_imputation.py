"""Imputation methods of ``public_health``: each on a frame where the right
answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.public_health import cleaning, imputation

NAN = np.nan
FACTORS = {"fat": 37.0, "carbohydrates": 17.0, "proteins": 17.0, "fiber": 8.0}
BOUNDS = {c: (0.0, 100.0) for c in ("fat", "carbohydrates", "proteins", "fiber")}


def products(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Products whose energy follows their macronutrients exactly, in two groups
    with different fat levels."""
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n_rows) < 0.5, "oily", "lean")
    fat = np.where(
        group == "oily", rng.uniform(30, 60, n_rows), rng.uniform(0, 10, n_rows)
    )
    carbohydrates = rng.uniform(0, 35, n_rows)
    proteins = rng.uniform(0, 5, n_rows)
    fiber = rng.uniform(0, 3, n_rows)
    frame = pd.DataFrame(
        {
            "group": group,
            "fat": fat,
            "carbohydrates": carbohydrates,
            "proteins": proteins,
            "fiber": fiber,
        }
    )
    frame["energy"] = imputation.energy_from_macros(frame, FACTORS)
    return frame


def test_energy_from_macros_uses_the_conversion_factors() -> None:
    frame = pd.DataFrame(
        {
            "fat": [10.0, NAN, NAN],
            "carbohydrates": [20.0, 5.0, NAN],
            "proteins": [5.0, NAN, NAN],
        }
    )
    energy = imputation.energy_from_macros(frame, FACTORS)
    assert energy.iloc[0] == pytest.approx(37 * 10 + 17 * 20 + 17 * 5)
    assert energy.iloc[1] == pytest.approx(17 * 5)
    assert np.isnan(energy.iloc[2])


def test_iterative_recovers_a_macro_from_energy_far_better_than_a_median() -> None:
    truth = products()
    masked = truth.copy()
    hidden = truth.index[::5]
    masked.loc[hidden, "fat"] = NAN
    features = ["energy", "fat", "carbohydrates", "proteins", "fiber"]
    filled = imputation.impute_iterative(
        masked, ["fat"], features, "group", BOUNDS, max_iter=10, seed=0
    )
    error = (filled.loc[hidden, "fat"] - truth.loc[hidden, "fat"]).abs().mean()
    by_group = imputation.impute_median_by_group(masked, ["fat"], "group", 5)
    baseline = (by_group.loc[hidden, "fat"] - truth.loc[hidden, "fat"]).abs().mean()
    assert error < baseline / 5
    # only the gaps are filled; other columns are untouched
    kept = truth.index.difference(hidden)
    pd.testing.assert_series_equal(filled.loc[kept, "fat"], truth.loc[kept, "fat"])
    pd.testing.assert_frame_equal(filled[features[2:]], masked[features[2:]])


def test_iterative_respects_the_bounds() -> None:
    masked = products()
    masked.loc[masked.index[::3], "fat"] = NAN
    filled = imputation.impute_iterative(
        masked, ["fat"], ["energy", "fat"], "group", {"fat": (0.0, 5.0)}, 5, 0
    )
    assert filled["fat"].notna().all()
    assert filled.loc[masked["fat"].isna(), "fat"].between(0, 5).all()


def test_knn_takes_the_mean_of_the_nearest_products() -> None:
    frame = pd.DataFrame(
        {
            "fat": [1.0, 1.1, 0.9, 50.0, 51.0, 49.0, 1.0, 50.0],
            "fiber": [2.0, 4.0, 3.0, 10.0, 12.0, 14.0, NAN, NAN],
        }
    )
    filled = imputation.impute_knn(frame, ["fiber"], ["fat"], n_neighbors=3)
    assert filled["fiber"].iloc[6] == pytest.approx(3.0)
    assert filled["fiber"].iloc[7] == pytest.approx(12.0)
    assert filled["fiber"].iloc[:6].tolist() == frame["fiber"].iloc[:6].tolist()


def test_median_by_group_falls_back_to_the_overall_median() -> None:
    frame = pd.DataFrame(
        {
            "group": ["a", "a", "a", "a", "b", "b", NAN, "c"],
            "salt": [1.0, 2.0, 3.0, NAN, 10.0, NAN, NAN, NAN],
        }
    )
    filled = imputation.impute_median_by_group(frame, ["salt"], "group", 2)
    overall = frame["salt"].median()  # 2.5
    assert filled["salt"].tolist()[3] == 2.0  # group a's median
    # b has 1 known value (< 2), no group and unseen group c: overall median
    assert filled["salt"].tolist()[5:] == [overall, overall, overall]


def test_rules_fix_imputed_values_and_never_observed_ones() -> None:
    frame = pd.DataFrame(
        {
            "sugars": [8.0, 5.0, 1.0],
            "carbohydrates": [6.0, 3.0, 70.0],
            "fat": [10.0, 10.0, 50.0],
        }
    )
    imputed = pd.DataFrame(
        {
            "sugars": [True, False, False],
            "carbohydrates": [False, True, True],
            "fat": [False, False, False],
        }
    )
    fixed, counts = imputation.enforce_rules(
        frame,
        imputed,
        [{"part": "sugars", "whole": "carbohydrates"}],
        ["fat", "carbohydrates"],
        100.0,
    )
    assert fixed.loc[0, "sugars"] == 6.0  # imputed part lowered to its whole
    assert fixed.loc[1, "carbohydrates"] == 5.0  # imputed whole raised to the part
    assert fixed.loc[2, "carbohydrates"] == 50.0  # imputed macro scaled to fit
    assert fixed.loc[2, "fat"] == 50.0  # observed: untouched
    assert (fixed[["fat", "carbohydrates"]].sum(axis=1) <= 100).all()
    assert counts["rows with imputed macronutrients scaled to 100 g"] == 1


def test_impute_runs_each_method_and_leaves_none_columns_missing() -> None:
    truth = products(300)
    masked = truth.assign(score=np.where(np.arange(300) % 4 == 0, NAN, 1.0))
    masked.loc[masked.index[::7], ["fat", "energy"]] = NAN
    masked.loc[masked.index[1::9], "fiber"] = NAN
    columns = {
        "fat": {"method": "iterative", "reason": "r"},
        "fiber": {"method": "median_by_group", "reason": "r"},
        "energy": {"method": "energy_from_macros", "reason": "r"},
        "score": {"method": "none", "reason": "r"},
    }
    settings = {
        "iterative": {"features": ["fat", "carbohydrates", "proteins", "energy"]},
        "energy": {"factors": FACTORS},
    }
    cleaned, mask, _ = imputation.impute(masked, columns, settings, "group", BOUNDS, 0)
    assert cleaned[["fat", "fiber", "energy"]].notna().all().all()
    assert cleaned["score"].isna().sum() == masked["score"].isna().sum()
    assert list(mask.columns) == ["fat", "fiber", "energy"]
    assert (mask["fat"] == masked["fat"].isna()).all()
    # energy is recomputed from the completed macronutrients
    gaps = masked["energy"].isna()
    expected = imputation.energy_from_macros(cleaned, FACTORS).round()
    pd.testing.assert_series_equal(
        cleaned.loc[gaps, "energy"], expected[gaps], check_names=False
    )


def test_an_unknown_method_names_the_column() -> None:
    with pytest.raises(ValueError, match="'fat'.*'magic'|'magic'.*'fat'"):
        imputation.impute(
            products(20), {"fat": {"method": "magic"}}, {}, "group", BOUNDS, 0
        )


def test_impute_node_reports_per_column_and_resets_the_index() -> None:
    masked = products(200)
    masked.index = masked.index + 1000
    masked.loc[masked.index[::4], "proteins"] = NAN
    imputation_params = {
        "columns": {"proteins": {"method": "median_by_group", "reason": "skewed"}},
    }
    cleaned, mask, report, step = cleaning.impute_missing_values(
        masked, imputation_params, "group", {"proteins": {"ge": 0, "le": 100}}, 0
    )
    assert cleaned.index.equals(pd.RangeIndex(200)) and mask.index.equals(cleaned.index)
    row = report.set_index("column").loc["proteins"]
    assert (row["missing_before"], row["imputed"], row["still_missing"]) == (50, 50, 0)
    assert row["reason"] == "skewed"
    assert step["values_imputed"] == 50


def test_holdout_check_shows_the_regression_beats_the_medians() -> None:
    frame = products(800)
    frame.loc[frame.index[::10], "fat"] = NAN
    columns = {"fat": {"method": "iterative"}, "fiber": {"method": "median_by_group"}}
    settings = {
        "iterative": {"features": ["fat", "carbohydrates", "proteins", "energy"]},
        "check": {"holdout_share": 0.1, "max_per_column": 50},
    }
    table = imputation.holdout_check(frame, columns, settings, "group", BOUNDS, 0)
    fat = table.set_index("column").loc["fat"]
    assert fat["values_hidden"] == 50
    assert fat["mae_method"] < fat["mae_group_median"] / 5
    assert fat["mae_group_median"] < fat["mae_overall_median"]
    fiber = table.set_index("column").loc["fiber"]
    assert fiber["mae_method"] == pytest.approx(fiber["mae_group_median"])
