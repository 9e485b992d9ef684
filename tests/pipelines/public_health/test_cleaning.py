"""Each cleaning rule of ``public_health`` on hand-made frames that pin its edge
cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.pipelines.public_health import cleaning

NAN = np.nan
GROUPS = {
    "column": "group",
    "canonical": ["Fruits and vegetables", "Sugary snacks", "Beverages"],
    "missing_labels": ["unknown"],
}


def test_select_columns_keeps_the_listed_columns_in_order() -> None:
    raw = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
    selected, report = cleaning.select_columns(raw, ["c", "a"])
    assert list(selected.columns) == ["c", "a"]
    assert (report["columns_before"], report["columns_after"]) == (3, 2)


def test_select_columns_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="sugars_100g"):
        cleaning.select_columns(pd.DataFrame({"a": [1]}), ["a", "sugars_100g"])


def test_filter_country_keeps_every_listing_that_contains_the_country() -> None:
    products = pd.DataFrame(
        {
            "countries": [
                "France",
                "France,Suisse",
                "Belgique,France",
                "États-Unis",
                NAN,
                "france",
            ]
        }
    )
    kept, report = cleaning.filter_country(
        products, {"column": "countries", "contains": "France"}
    )
    assert kept["countries"].tolist() == ["France", "France,Suisse", "Belgique,France"]
    assert report["rows_removed"] == 3
    loose, _ = cleaning.filter_country(
        products, {"column": "countries", "contains": "France", "case": False}
    )
    assert len(loose) == 4
    everything, _ = cleaning.filter_country(
        products, {"column": "countries", "contains": None}
    )
    assert len(everything) == len(products)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("fruits-and-vegetables", "Fruits and vegetables"),
        ("  Fruits   and Vegetables ", "Fruits and vegetables"),
        ("sugary_snacks", "Sugary snacks"),
        ("Sugary snacks", "Sugary snacks"),
        ("unknown", None),
        ("Unknown", None),
        ("Alcoholic beverages", "Alcoholic beverages"),
    ],
)
def test_normalise_groups_merges_spellings(label: str, expected: str | None) -> None:
    products = pd.DataFrame({"group": [label, NAN]})
    normalised, _ = cleaning.normalise_groups(products, GROUPS)
    value = normalised["group"].iloc[0]
    assert (pd.isna(value) and expected is None) or value == expected
    assert pd.isna(normalised["group"].iloc[1])


def test_normalise_groups_reports_what_it_changed() -> None:
    products = pd.DataFrame(
        {
            "group": [
                "fruits-and-vegetables",
                "fruits-and-vegetables",
                "Beverages",
                "unknown",
                "Alcoholic beverages",
            ]
        }
    )
    _, report = cleaning.normalise_groups(products, GROUPS)
    assert report["values_set_missing"] == 1
    assert "2 labels respelled" in report["detail"]
    assert "'fruits-and-vegetables' x2" in report["detail"]
    assert "Alcoholic beverages" in report["detail"]


def test_bounds_are_inclusive_and_only_outside_values_become_missing() -> None:
    products = pd.DataFrame(
        {
            "fat_100g": [0.0, 100.0, -0.1, 100.1, NAN],
            "energy_100g": [3800.0, 3800.5, 0.0, NAN, 12.0],
        }
    )
    bounds = {"fat_100g": {"ge": 0, "le": 100}, "energy_100g": {"ge": 0, "le": 3800}}
    cleaned, report = cleaning.set_impossible_values_missing(products, bounds)
    assert cleaned["fat_100g"].isna().tolist() == [False, False, True, True, True]
    assert cleaned["energy_100g"].isna().tolist() == [False, True, False, True, False]
    assert report["values_set_missing"] == 3
    assert "fat_100g: 2" in report["detail"] and "energy_100g: 1" in report["detail"]
    assert products["fat_100g"].notna().sum() == 4  # the input is left alone


def test_bounds_on_an_absent_column_fail_with_its_name() -> None:
    with pytest.raises(KeyError, match="iron_100g"):
        cleaning.set_impossible_values_missing(
            pd.DataFrame({"fat_100g": [1.0]}), {"iron_100g": {"ge": 0}}
        )


def test_a_part_above_its_whole_makes_both_missing() -> None:
    products = pd.DataFrame(
        {
            "sugars": [5.0, 5.0, 5.1, NAN, 3.0],
            "carbohydrates": [5.0, 10.0, 5.0, 2.0, NAN],
            "other": [1, 2, 3, 4, 5],
        }
    )
    resolved, report = cleaning.resolve_part_whole_conflicts(
        products, [{"part": "sugars", "whole": "carbohydrates"}]
    )
    conflict = resolved[["sugars", "carbohydrates"]].isna().all(axis=1)
    assert conflict.tolist() == [False, False, True, False, False]
    assert resolved["other"].tolist() == [1, 2, 3, 4, 5]
    assert report["values_set_missing"] == 2


def test_macro_sum_above_the_bound_drops_the_row() -> None:
    products = pd.DataFrame(
        {
            "fat": [50.0, 50.0, 60.0, NAN, 101.0],
            "carbohydrates": [50.0, 50.1, NAN, NAN, 0.0],
        }
    )
    kept, report = cleaning.drop_macro_sum_violations(
        products, {"columns": ["fat", "carbohydrates"], "max": 100}
    )
    # exactly 100 g is possible; a missing value counts as zero
    assert kept.index.tolist() == [0, 2, 3]
    assert report["rows_removed"] == 2


def test_rows_with_nothing_usable_are_dropped_but_zero_waters_kept() -> None:
    products = pd.DataFrame(
        {
            "fat": [NAN, 0.0, 0.0, 0.0, 0.0, 1.0],
            "sugars": [NAN, 0.0, NAN, 0.0, 0.0, NAN],
            "group": ["Sugary snacks", "Sugary snacks", NAN, "Beverages", NAN, NAN],
        }
    )
    usable = {"columns": ["fat", "sugars"], "keep_all_zero_groups": ["Beverages"]}
    kept, report = cleaning.drop_unusable_rows(products, usable, "group")
    assert kept.index.tolist() == [3, 5]
    assert "all missing: 1" in report["detail"]
    assert "all zero: 3" in report["detail"]
    strict, _ = cleaning.drop_unusable_rows(
        products, {"columns": ["fat", "sugars"]}, "group"
    )
    assert strict.index.tolist() == [5]


def test_duplicates_keep_the_most_complete_row_of_each_product() -> None:
    products = pd.DataFrame(
        {
            "product_name": [
                "Nutella",
                "NUTELLA ",
                "Nutella",
                "Nutella",
                "Yaourt",
                "Yaourt",
                NAN,
                NAN,
            ],
            "brands": [
                "Ferrero",
                "ferrero",
                "Ferrero",
                NAN,
                "Danone",
                "Danone",
                "X",
                "X",
            ],
            "fat_100g": [30.9, 30.9, NAN, 30.9, 3.0, 3.0, 1.0, 1.0],
            "sugars_100g": [NAN, 56.3, NAN, 56.3, 4.0, 4.0, 1.0, 1.0],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )
    kept, report = cleaning.drop_duplicate_products(
        products, {"keys": ["product_name", "brands"], "ignore_case": True}
    )
    # Nutella/Ferrero: row 11 is the most complete; Yaourt: a tie keeps the first.
    # A missing brand or name is no identity: rows 13, 16, 17 stay.
    assert kept.index.tolist() == [11, 13, 14, 16, 17]
    assert "products entered more than once: 2" in report["detail"]
    assert "surplus rows dropped: 3" in report["detail"]
    assert "rows identical in every column: 2" in report["detail"]
    exact_case, _ = cleaning.drop_duplicate_products(
        products, {"keys": ["product_name", "brands"], "ignore_case": False}
    )
    assert exact_case.index.tolist() == [10, 11, 13, 14, 16, 17]


def test_sparse_columns_above_the_share_are_dropped_unless_kept() -> None:
    products = pd.DataFrame(
        {
            "full": [1.0] * 10,
            "ninety": [1.0] + [NAN] * 9,
            "eighty": [1.0, 1.0] + [NAN] * 8,
            "empty": [NAN] * 10,
        }
    )
    result, report = cleaning.drop_sparse_columns(
        products, {"max_missing_share": 0.85, "keep": ["empty"]}
    )
    assert list(result.columns) == ["full", "eighty", "empty"]
    assert "ninety (90.0% missing)" in report["detail"]


def test_cleaning_report_chains_the_steps() -> None:
    products = pd.DataFrame(
        {
            "countries": ["France", "Suisse", "France"],
            "fat": [10.0, 20.0, 120.0],
        }
    )
    step1, r1 = cleaning.filter_country(
        products, {"column": "countries", "contains": "France"}
    )
    step2, r2 = cleaning.set_impossible_values_missing(
        step1, {"fat": {"ge": 0, "le": 100}}
    )
    _, r3 = cleaning.drop_unusable_rows(step2, {"columns": ["fat"]}, None)
    report = cleaning.build_cleaning_report(r1, r2, r3)
    assert report["step"].tolist() == [
        "filter_country",
        "set_impossible_values_missing",
        "drop_unusable_rows",
    ]
    assert report["rows_after"].tolist() == [2, 2, 1]
    assert (
        report["rows_after"].iloc[:-1].to_numpy()
        == report["rows_before"].iloc[1:].to_numpy()
    ).all()
    assert list(report.columns) == list(cleaning.REPORT_COLUMNS)
