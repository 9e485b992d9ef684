"""Tests of the synthetic Open Food Facts generator: schema, determinism, and the
original file's defects at the spec's counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.generators.open_food_facts import (
    COLUMNS,
    FULL_SIZE,
    MEASURE_COLUMNS,
    PNNS_GROUPS,
    TEXT_COLUMNS,
    generate_products,
)
from ia_portfolio.pipelines.public_health import cleaning
from tests.support.in_memory import pipeline_parameters

PARAMS = pipeline_parameters("public_health")["public_health"]


@pytest.fixture(scope="module")
def full() -> pd.DataFrame:
    """The default table: 320,772 rows, seed 0."""
    return generate_products(FULL_SIZE, seed=0)


@pytest.fixture(scope="module")
def france(full: pd.DataFrame) -> pd.DataFrame:
    return full[full["countries_fr"].str.contains("France", na=False, regex=False)]


def test_schema_and_dtypes() -> None:
    small = generate_products(2_000, seed=1)
    assert list(small.columns) == list(COLUMNS) and len(COLUMNS) == 24
    assert all(pd.api.types.is_string_dtype(small[c]) for c in TEXT_COLUMNS)
    assert all(small[c].dtype == "float64" for c in MEASURE_COLUMNS)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    pd.testing.assert_frame_equal(generate_products(500, 3), generate_products(500, 3))
    assert not generate_products(500, 3).equals(generate_products(500, 4))


def test_tiny_tables_work() -> None:
    assert len(generate_products(5, 0)) == 5
    assert len(generate_products(0, 0)) == 0


def test_france_has_the_original_share(
    full: pd.DataFrame, france: pd.DataFrame
) -> None:
    assert len(full) == 320_772
    assert len(france) == 98_440
    us = full["countries_fr"].eq("États-Unis").mean()
    assert 0.5 < us < 0.6
    # outside France, products almost never have a food group
    assert full.loc[~full.index.isin(france.index), "pnns_groups_1"].isna().mean() > 0.9


def test_rules_find_the_spec_counts_at_full_scale(france: pd.DataFrame) -> None:
    bounded, _ = cleaning.set_impossible_values_missing(france, PARAMS["bounds"])
    consistent, parts = cleaning.resolve_part_whole_conflicts(bounded, PARAMS["parts"])
    kept, macro = cleaning.drop_macro_sum_violations(consistent, PARAMS["macro_sum"])
    assert macro["rows_removed"] == 13_185
    assert parts["values_set_missing"] == 2 * (
        round(0.006 * 98_440) + round(0.004 * 98_440)
    )
    over_energy = (france["energy_100g"] > PARAMS["bounds"]["energy_100g"]["le"]).sum()
    assert over_energy == round(0.003 * 98_440)
    usable, report = cleaning.drop_unusable_rows(
        kept, PARAMS["usable"], PARAMS["data"]["groups"]["column"]
    )
    unusable_share = report["rows_removed"] / len(france)
    assert 0.19 < unusable_share < 0.21
    grade_missing = france["nutrition_grade_fr"].isna().mean()
    assert grade_missing == pytest.approx(0.376, abs=0.001)
    assert (
        france["nutrition_grade_fr"].isna() == france["nutrition-score-fr_100g"].isna()
    ).all()


def test_duplicates_and_group_spellings(france: pd.DataFrame) -> None:
    keys = cleaning.duplicate_keys(france, PARAMS["duplicates"]).dropna()
    surplus = keys.duplicated().sum()
    assert 0.025 * len(france) <= surplus <= 0.035 * len(france)
    case_only = france.dropna(subset=["product_name"])
    assert case_only["product_name"].str.isupper().sum() > 300
    labels = set(france["pnns_groups_1"].dropna())
    assert set(PNNS_GROUPS) <= labels
    assert {"unknown", "fruits-and-vegetables", "cereals-and-potatoes"} <= labels
    normalised, _ = cleaning.normalise_groups(france, PARAMS["data"]["groups"])
    assert set(normalised["pnns_groups_1"].dropna()) == set(PNNS_GROUPS)


def test_clean_products_are_consistent_and_follow_their_group(
    france: pd.DataFrame,
) -> None:
    frame = france
    for step, rule in (
        (cleaning.set_impossible_values_missing, PARAMS["bounds"]),
        (cleaning.resolve_part_whole_conflicts, PARAMS["parts"]),
        (cleaning.drop_macro_sum_violations, PARAMS["macro_sum"]),
        (cleaning.normalise_groups, PARAMS["data"]["groups"]),
    ):
        frame, _ = step(frame, rule)
    macros = frame[["fat_100g", "carbohydrates_100g", "proteins_100g", "fiber_100g"]]
    complete = frame[macros.notna().all(axis=1) & frame["energy_100g"].notna()]
    atwater = complete[macros.columns].to_numpy() @ np.array([37, 17, 17, 8])
    close = (
        np.abs(complete["energy_100g"] - np.minimum(atwater, 3700))
        <= 0.035 * atwater + 1
    )
    assert close.mean() > 0.98
    means = frame.groupby("pnns_groups_1")[
        ["fat_100g", "sugars_100g", "proteins_100g"]
    ].mean()
    assert means["fat_100g"].idxmax() == "Fat and Sauces"
    assert means["sugars_100g"].idxmax() == "Sugary snacks"
    assert means["proteins_100g"].idxmax() == "Fish Meat Eggs"
    assert means["fat_100g"].idxmin() == "Beverages"
