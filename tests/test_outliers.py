"""Tests of the shared outlier rules (domain bounds, IQR, robust z-score)."""

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.outliers import (
    domain_violations,
    flag_column,
    flag_outliers,
)

# 60 values: Q1 = 9, median = 10, Q3 = 11, MAD = 1 (raw scale).
BASE = [8.0, 9.0, 10.0, 11.0, 12.0] * 12


def test_domain_bounds_respect_strictness_and_ignore_missing():
    values = pd.Series([0.0, 0.5, 50.0, 50.5, np.nan])
    strict = domain_violations(values, {"gt": 0, "le": 50})
    assert strict.tolist() == [True, False, False, True, False]
    loose = domain_violations(values, {"ge": 0, "lt": 50})
    assert loose.tolist() == [False, False, True, True, False]
    with pytest.raises(ValueError, match="Unknown bound"):
        domain_violations(values, {"max": 3})


def test_iqr_fences_on_raw_values():
    values = pd.Series([*BASE, 14.0, 15.0, 3.5, 2.0])
    flags = flag_column(values, {"iqr": {"k": 1.5}})
    # Fences 9 - 1.5 * 2 = 6 and 11 + 1.5 * 2 = 14 (values equal to a fence pass).
    assert flags["iqr_lower"].iloc[0] == pytest.approx(6.0)
    assert flags["iqr_upper"].iloc[0] == pytest.approx(14.0)
    flagged = values[flags["iqr"]].tolist()
    assert flagged == [15.0, 3.5, 2.0]


def test_robust_z_score_and_tails():
    values = pd.Series([*BASE, 16.0, 4.0])
    both = flag_column(values, {"robust_z": {"threshold": 3.5}})
    # 0.6745 * (16 - 10) / 1 = 4.05 and 0.6745 * (4 - 10) / 1 = -4.05
    assert both["robust_z_score"].iloc[-2] == pytest.approx(0.6745 * 6)
    assert values[both["robust_z"]].tolist() == [16.0, 4.0]
    upper = flag_column(values, {"robust_z": {"threshold": 3.5, "tail": "upper"}})
    assert values[upper["robust_z"]].tolist() == [16.0]
    lower = flag_column(values, {"iqr": {"k": 1.5, "tail": "lower"}})
    assert values[lower["iqr"]].tolist() == [4.0]
    with pytest.raises(ValueError, match="Unknown tail"):
        flag_column(values, {"iqr": {"tail": "left"}})


def test_statistical_rules_ignore_impossible_values_and_missing():
    values = pd.Series([*BASE, 881_818.0, np.nan, 0.0, 20.0])
    flags = flag_column(
        values,
        {"domain": {"gt": 0, "le": 50}, "iqr": {"k": 1.5, "log": True}},
    )
    # The absurd value does not widen the fences: 20 is still flagged.
    assert flags.loc[values == 20.0, "iqr"].all()
    assert flags.loc[values == 881_818.0, "domain"].all()
    assert flags.loc[values == 0.0, "domain"].all()
    assert not flags.loc[values.isna(), ["domain", "iqr"]].any(axis=None)
    # Log fences are reported in the column's unit: 9 * (9/11)^1.5 .. 11 * (11/9)^1.5
    assert flags["iqr_upper"].iloc[0] == pytest.approx(11 * (11 / 9) ** 1.5)


def test_groups_use_the_finest_level_with_enough_values_and_spread():
    n = 60
    frame = pd.DataFrame(
        {
            "genus": ["A"] * (2 * n) + ["B"] * 3,
            "stage": ["young"] * n + ["old"] * n + ["old"] * 3,
            "height": [v / 2 for v in BASE] + [v * 2 for v in BASE] + [1.0, 2.0, 30.0],
        }
    )
    flags = flag_column(
        frame["height"],
        {"iqr": {"k": 1.5}},
        groups=frame[["genus", "stage"]],
        min_group_size=50,
    )
    assert flags["group"].iloc[0] == "A / young"
    assert flags["group"].iloc[n] == "A / old"
    assert flags["group"].iloc[-1] == "(all values)"  # B has 3 values only
    # A young tree of 12 m would be normal among old ones, not among young ones.
    young_upper = flags["iqr_upper"].iloc[0]
    assert young_upper == pytest.approx(5.5 + 1.5 * 1.0)


def test_group_without_spread_falls_back_to_the_coarser_level():
    frame = pd.DataFrame(
        {
            "genus": ["A"] * 120,
            "stage": ["young"] * 60 + ["old"] * 60,
            "height": [2.0] * 60 + BASE,  # every young tree measured 2 m
        }
    )
    flags = flag_column(
        frame["height"], {"iqr": {"k": 1.5}}, frame[["genus", "stage"]], 50
    )
    assert flags["group"].iloc[0] == "A"  # not "A / young": Q1 == Q3 there
    assert not flags["iqr"].iloc[:60].any()


def test_flag_outliers_lists_each_flagged_value_with_its_rules():
    frame = pd.DataFrame(
        {
            "tree": range(100, 100 + len(BASE) + 2),
            "height": [*BASE, 881_818.0, 30.0],
            "girth": [*BASE, 10.0, 10.0],
        }
    )
    rules = {
        "height": {
            "domain": {"gt": 0, "le": 50},
            "iqr": {"k": 1.5},
            "robust_z": {"threshold": 3.5},
        },
        "girth": {"domain": {"gt": 0}},
    }
    flagged = flag_outliers(frame, rules, id_column="tree")
    assert flagged["column"].tolist() == ["height", "height"]
    absurd, unusual = flagged.to_dict(orient="records")
    assert absurd["tree"] == 100 + len(BASE)
    assert absurd["rules"] == "domain"
    assert unusual["tree"] == 101 + len(BASE)
    assert unusual["rules"] == "iqr, robust_z"
    assert unusual["iqr_upper"] == pytest.approx(14.0)
    assert list(flagged.columns[:4]) == ["tree", "column", "value", "group"]
    empty = flag_outliers(frame, {"girth": {"domain": {"gt": 0}}})
    assert empty.empty and "rules" in empty.columns
    with pytest.raises(ValueError, match="Unknown rule"):
        flag_outliers(frame, {"height": {"zscore": {}}})
