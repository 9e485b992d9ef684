"""Synthetic Home Credit Default Risk applications (``application_train.csv``).

The data is entirely synthetic: no row comes from the Kaggle competition. It
mimics the original table's schema (the same 122 columns in the same order, with
the dtypes ``pandas.read_csv`` gives the original) and its well-known defects:

* ``DAYS_EMPLOYED`` holds the sentinel 365243 for pensioners and the unemployed;
* ``ORGANIZATION_TYPE`` is ``"XNA"`` for the same rows, ``CODE_GENDER`` has a few
  ``"XNA"`` and ``REGION_RATING_CLIENT_W_CITY`` a rare ``-1``;
* ``AMT_INCOME_TOTAL`` has a few absurd outliers (117,000,000) and
  ``AMT_REQ_CREDIT_BUREAU_QRT`` a rare 261;
* missing values where the original has them: ``EXT_SOURCE_1`` (~56 %), the
  building-information block (~50-70 %, rows missing together), ``OWN_CAR_AGE``
  for clients without a car, ``OCCUPATION_TYPE`` (~31 %), the credit-bureau
  request counts (~13.5 %) and a handful of ``AMT_ANNUITY``/``AMT_GOODS_PRICE``.

``TARGET`` (1 = payment difficulties, 8.07 %) is drawn from a logistic model of
the complete latent features before missing values are punched in, so the
signal is real but modest: mostly the external scores, then age, employment,
gender, education, the loan's amounts and the region rating.

String columns use pandas' default string dtype (``str``), which is what
``pandas.read_csv`` returns for them since pandas 3. Everything is vectorised
numpy driven by one ``numpy.random.default_rng(seed)``: the same
``(n_rows, seed)`` always gives the same frame.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ia_portfolio.generators.original_dtypes import frame_with_original_dtypes

logger = logging.getLogger(__name__)

Columns = dict[str, np.ndarray]

_BUILDING_ATTRIBUTES: tuple[str, ...] = (
    "APARTMENTS",
    "BASEMENTAREA",
    "YEARS_BEGINEXPLUATATION",
    "YEARS_BUILD",
    "COMMONAREA",
    "ELEVATORS",
    "ENTRANCES",
    "FLOORSMAX",
    "FLOORSMIN",
    "LANDAREA",
    "LIVINGAPARTMENTS",
    "LIVINGAREA",
    "NONLIVINGAPARTMENTS",
    "NONLIVINGAREA",
)

COLUMNS: tuple[str, ...] = (
    "SK_ID_CURR",
    "TARGET",
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "FLAG_OWN_CAR",
    "FLAG_OWN_REALTY",
    "CNT_CHILDREN",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_HOUSING_TYPE",
    "REGION_POPULATION_RELATIVE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_REGISTRATION",
    "DAYS_ID_PUBLISH",
    "OWN_CAR_AGE",
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
    "OCCUPATION_TYPE",
    "CNT_FAM_MEMBERS",
    "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY",
    "WEEKDAY_APPR_PROCESS_START",
    "HOUR_APPR_PROCESS_START",
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
    "ORGANIZATION_TYPE",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    *(f"{name}_AVG" for name in _BUILDING_ATTRIBUTES),
    *(f"{name}_MODE" for name in _BUILDING_ATTRIBUTES),
    *(f"{name}_MEDI" for name in _BUILDING_ATTRIBUTES),
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "TOTALAREA_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE",
    "DAYS_LAST_PHONE_CHANGE",
    *(f"FLAG_DOCUMENT_{number}" for number in range(2, 22)),
    "AMT_REQ_CREDIT_BUREAU_HOUR",
    "AMT_REQ_CREDIT_BUREAU_DAY",
    "AMT_REQ_CREDIT_BUREAU_WEEK",
    "AMT_REQ_CREDIT_BUREAU_MON",
    "AMT_REQ_CREDIT_BUREAU_QRT",
    "AMT_REQ_CREDIT_BUREAU_YEAR",
)
"""The 122 columns of ``application_train.csv``, in the original order."""

STRING_COLUMNS: tuple[str, ...] = (
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "FLAG_OWN_CAR",
    "FLAG_OWN_REALTY",
    "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_HOUSING_TYPE",
    "OCCUPATION_TYPE",
    "WEEKDAY_APPR_PROCESS_START",
    "ORGANIZATION_TYPE",
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
)
"""Columns read as strings (``object`` before pandas 3, ``str`` since)."""

INTEGER_COLUMNS: tuple[str, ...] = (
    "SK_ID_CURR",
    "TARGET",
    "CNT_CHILDREN",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_ID_PUBLISH",
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
    "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY",
    "HOUR_APPR_PROCESS_START",
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
    *(f"FLAG_DOCUMENT_{number}" for number in range(2, 22)),
)
"""Columns without missing values in the original, hence ``int64``."""

FLOAT_COLUMNS: tuple[str, ...] = tuple(
    name for name in COLUMNS if name not in STRING_COLUMNS + INTEGER_COLUMNS
)
"""Every other column is ``float64``."""

DAYS_EMPLOYED_SENTINEL = 365243
"""Placeholder the original uses in ``DAYS_EMPLOYED`` for clients without a job."""

POSITIVE_RATE = 0.0807
"""Share of ``TARGET == 1`` in the original training table."""

_MIN_AGE_DAYS, _MAX_AGE_DAYS = 7489, 25229
_ID_START = 100002

# Category -> share in the original table (missing values excluded).
_CONTRACT_TYPES = {"Cash loans": 0.9048, "Revolving loans": 0.0952}
_INCOME_TYPES = {
    "Working": 0.5163,
    "Commercial associate": 0.2329,
    "Pensioner": 0.1800,
    "State servant": 0.0706,
    "Unemployed": 7.2e-5,
    "Student": 5.9e-5,
    "Businessman": 3.3e-5,
    "Maternity leave": 1.6e-5,
}
_EDUCATION_TYPES = {
    "Secondary / secondary special": 0.7102,
    "Higher education": 0.2434,
    "Incomplete higher": 0.0334,
    "Lower secondary": 0.0124,
    "Academic degree": 0.00053,
}
_FAMILY_STATUSES = ("Married", "Single / not married", "Civil marriage")
_FAMILY_STATUSES += ("Separated", "Widow", "Unknown")
_FAMILY_WORKING = (0.650, 0.163, 0.105, 0.065, 0.017, 7e-6)
_FAMILY_PENSIONER = (0.590, 0.075, 0.060, 0.060, 0.215, 7e-6)
_HOUSING_TYPES = {
    "House / apartment": 0.8873,
    "With parents": 0.0483,
    "Municipal apartment": 0.0364,
    "Rented apartment": 0.0159,
    "Office apartment": 0.0085,
    "Co-op apartment": 0.0036,
}
_TYPE_SUITES = {
    "Unaccompanied": 0.8082,
    "Family": 0.1306,
    "Spouse, partner": 0.0370,
    "Children": 0.0106,
    "Other_B": 0.0058,
    "Other_A": 0.0028,
    "Group of people": 0.0009,
}
_OCCUPATIONS = {
    "Laborers": 55186,
    "Sales staff": 32102,
    "Core staff": 27570,
    "Managers": 21371,
    "Drivers": 18603,
    "High skill tech staff": 11380,
    "Accountants": 9813,
    "Medicine staff": 8537,
    "Security staff": 6721,
    "Cooking staff": 5946,
    "Cleaning staff": 4653,
    "Private service staff": 2652,
    "Low-skill Laborers": 2093,
    "Waiters/barmen staff": 1348,
    "Secretaries": 1305,
    "Realty agents": 751,
    "HR staff": 563,
    "IT staff": 526,
}
_WEEKDAYS = {
    "TUESDAY": 0.1753,
    "WEDNESDAY": 0.1689,
    "MONDAY": 0.1649,
    "THURSDAY": 0.1645,
    "FRIDAY": 0.1637,
    "SATURDAY": 0.1101,
    "SUNDAY": 0.0526,
}
_HOUR_SHARES = (
    0.00013, 0.0002, 0.001, 0.006, 0.0068, 0.012, 0.019, 0.029,
    0.049, 0.089, 0.123, 0.121, 0.111, 0.101, 0.090, 0.080,
    0.065, 0.048, 0.029, 0.012, 0.004, 0.0013, 0.0005, 0.00013,
)  # fmt: skip
# Shares among clients with an employer (everyone but ORGANIZATION_TYPE "XNA").
_ORGANIZATIONS = {
    "Business Entity Type 3": 67992,
    "Self-employed": 38412,
    "Other": 16683,
    "Medicine": 11193,
    "Business Entity Type 2": 10553,
    "Government": 10404,
    "School": 8893,
    "Trade: type 7": 7831,
    "Kindergarten": 6880,
    "Construction": 6721,
    "Business Entity Type 1": 5984,
    "Transport: type 4": 5398,
    "Trade: type 3": 3492,
    "Industry: type 9": 3368,
    "Industry: type 3": 3278,
    "Security": 3247,
    "Housing": 2958,
    "Industry: type 11": 2704,
    "Military": 2634,
    "Bank": 2507,
    "Agriculture": 2454,
    "Police": 2341,
    "Transport: type 2": 2204,
    "Postal": 2157,
    "Security Ministries": 1974,
    "Trade: type 2": 1900,
    "Restaurant": 1811,
    "Services": 1575,
    "University": 1327,
    "Industry: type 7": 1307,
    "Transport: type 3": 1187,
    "Industry: type 1": 1039,
    "Hotel": 966,
    "Electricity": 950,
    "Industry: type 4": 877,
    "Trade: type 6": 631,
    "Industry: type 5": 599,
    "Insurance": 597,
    "Telecom": 577,
    "Emergency": 560,
    "Industry: type 2": 458,
    "Advertising": 429,
    "Realtor": 396,
    "Culture": 379,
    "Industry: type 12": 369,
    "Trade: type 1": 348,
    "Mobile": 317,
    "Legal Services": 305,
    "Cleaning": 260,
    "Transport: type 1": 201,
    "Industry: type 6": 112,
    "Industry: type 10": 109,
    "Religion": 85,
    "Industry: type 13": 67,
    "Trade: type 4": 64,
    "Trade: type 5": 49,
    "Industry: type 8": 24,
}
# (REGION_POPULATION_RELATIVE, share, REGION_RATING_CLIENT)
_REGIONS: tuple[tuple[float, float, int], ...] = (
    (0.072508, 0.027, 1),
    (0.04622, 0.044, 1),
    (0.032561, 0.024, 1),
    (0.035792, 0.053, 2),
    (0.030755, 0.039, 2),
    (0.025164, 0.039, 2),
    (0.026392, 0.037, 2),
    (0.031329, 0.037, 2),
    (0.028663, 0.036, 2),
    (0.019101, 0.035, 2),
    (0.020713, 0.026, 2),
    (0.01885, 0.026, 2),
    (0.010006, 0.023, 2),
    (0.018634, 0.022, 2),
    (0.022625, 0.022, 2),
    (0.015221, 0.020, 2),
    (0.018029, 0.020, 2),
    (0.014520, 0.020, 2),
    (0.010032, 0.019, 2),
    (0.011657, 0.018, 2),
    (0.009657, 0.018, 2),
    (0.024610, 0.018, 2),
    (0.020246, 0.017, 2),
    (0.016612, 0.017, 2),
    (0.022800, 0.017, 2),
    (0.009334, 0.016, 2),
    (0.010966, 0.016, 2),
    (0.013100, 0.015, 2),
    (0.010147, 0.015, 2),
    (0.008575, 0.014, 2),
    (0.007330, 0.014, 2),
    (0.011703, 0.014, 2),
    (0.008625, 0.013, 2),
    (0.010500, 0.013, 2),
    (0.009549, 0.012, 2),
    (0.007305, 0.012, 2),
    (0.015432, 0.011, 2),
    (0.006008, 0.011, 2),
    (0.005144, 0.010, 2),
    (0.009175, 0.020, 3),
    (0.006671, 0.019, 3),
    (0.008019, 0.018, 3),
    (0.007020, 0.017, 3),
    (0.006207, 0.016, 3),
    (0.003122, 0.014, 3),
    (0.003541, 0.012, 3),
    (0.004960, 0.011, 3),
    (0.005002, 0.010, 3),
    (0.002042, 0.008, 3),
    (0.003813, 0.008, 3),
    (0.001808, 0.006, 3),
    (0.001276, 0.005, 3),
    (0.000533, 0.003, 3),
    (0.00029, 0.001, 3),
)
_ROUND_GOODS_PRICES = np.array(
    [135000, 180000, 225000, 270000, 315000, 360000, 405000, 450000]
    + [495000, 540000, 675000, 810000, 900000, 1125000, 1350000],
    dtype=np.float64,
)
_LOAN_TERMS = np.array([6, 10, 12, 18, 24, 30, 36, 48, 60], dtype=np.float64)
_LOAN_TERM_SHARES = (0.01, 0.03, 0.15, 0.10, 0.27, 0.06, 0.22, 0.09, 0.07)
_INCOME_OUTLIERS = (117_000_000.0, 18_000_090.0, 13_500_000.0, 9_000_000.0)
_INCOME_OUTLIERS += (6_750_000.0, 4_500_000.0)

# Share of rows where each building attribute is present (the rest are missing).
_BUILDING_PRESENT = {
    "APARTMENTS": 0.4925,
    "BASEMENTAREA": 0.4148,
    "YEARS_BEGINEXPLUATATION": 0.5122,
    "YEARS_BUILD": 0.3350,
    "COMMONAREA": 0.3013,
    "ELEVATORS": 0.4670,
    "ENTRANCES": 0.4965,
    "FLOORSMAX": 0.5024,
    "FLOORSMIN": 0.3215,
    "LANDAREA": 0.4063,
    "LIVINGAPARTMENTS": 0.3165,
    "LIVINGAREA": 0.4981,
    "NONLIVINGAPARTMENTS": 0.3057,
    "NONLIVINGAREA": 0.4482,
    "FONDKAPREMONT_MODE": 0.3161,
    "HOUSETYPE_MODE": 0.4978,
    "TOTALAREA_MODE": 0.5173,
    "WALLSMATERIAL_MODE": 0.4916,
    "EMERGENCYSTATE_MODE": 0.5260,
}
_FONDKAPREMONT = {
    "reg oper account": 73830,
    "reg oper spec account": 12080,
    "org spec account": 5687,
    "not specified": 5619,
}
_HOUSETYPES = {"block of flats": 150503, "specific housing": 1499}
_HOUSETYPES |= {"terraced house": 1212}
_WALLSMATERIALS = {
    "Panel": 66040,
    "Stone, brick": 64815,
    "Block": 9253,
    "Wooden": 5362,
    "Mixed": 2296,
    "Monolithic": 1779,
    "Others": 1625,
}
_EMERGENCYSTATES = {"No": 159428, "Yes": 2328}
# Attributes counted in whole units (value = count * step).
_BUILDING_GRIDS = {
    "ELEVATORS": 0.08,
    "ENTRANCES": 1 / 29,
    "FLOORSMAX": 1 / 24,
    "FLOORSMIN": 1 / 24,
}
_FLOOR_STEPS = np.array([2, 3, 4, 5, 6, 8, 9, 12, 16, 24], dtype=np.float64)
_FLOOR_STEP_SHARES = (0.08, 0.08, 0.40, 0.05, 0.07, 0.17, 0.06, 0.05, 0.03, 0.01)
# Share of each rare document flag (3, 6 and 8 are drawn jointly).
_RARE_DOCUMENTS = {
    2: 4.2e-5,
    4: 8.1e-5,
    5: 0.0151,
    7: 1.9e-4,
    9: 0.0039,
    10: 2.3e-5,
    11: 0.0039,
    12: 6.5e-6,
    13: 0.0035,
    14: 0.0029,
    15: 0.0012,
    16: 0.0099,
    17: 2.7e-4,
    18: 0.0081,
    19: 5.9e-4,
    20: 5.1e-4,
    21: 3.3e-4,
}

# Log-odds contributions of the TARGET model (relative to the modal category).
_EDUCATION_RISK = {
    "Lower secondary": 0.25,
    "Incomplete higher": -0.05,
    "Higher education": -0.45,
    "Academic degree": -1.8,
}
_INCOME_TYPE_RISK = {
    "Working": 0.12,
    "State servant": -0.35,
    "Pensioner": 0.25,
    "Commercial associate": -0.12,
    "Unemployed": 1.8,
    "Maternity leave": 2.0,
    "Student": -2.0,
    "Businessman": -2.0,
}
_OCCUPATION_RISK = {
    "Low-skill Laborers": 0.55,
    "Drivers": 0.25,
    "Waiters/barmen staff": 0.2,
    "Security staff": 0.2,
    "Laborers": 0.15,
    "Cooking staff": 0.15,
    "Accountants": -0.3,
    "High skill tech staff": -0.2,
    "Managers": -0.15,
    "Core staff": -0.1,
}
_ORGANIZATION_RISK = {
    "Transport: type 3": 0.3,
    "Construction": 0.2,
    "Restaurant": 0.2,
    "Self-employed": 0.15,
    "Bank": -0.3,
    "Police": -0.3,
    "Military": -0.35,
    "Security Ministries": -0.35,
    "University": -0.4,
    "School": -0.2,
}


def _shares(weights: dict[str, float] | tuple[float, ...]) -> np.ndarray:
    """Normalise weights (a category->weight mapping or a tuple) to probabilities."""
    values = np.fromiter(
        weights.values() if isinstance(weights, dict) else weights, dtype=np.float64
    )
    return values / values.sum()


def _draw_codes(
    rng: np.random.Generator, probabilities: np.ndarray, n: int
) -> np.ndarray:
    """Draw ``n`` category codes with the given probabilities."""
    cumulative = np.cumsum(probabilities)
    codes = np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")
    return np.minimum(codes, len(probabilities) - 1)


def _labels(categories: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Map codes to an object array of labels; code ``-1`` becomes NaN."""
    lookup = np.array([*categories, np.nan], dtype=object)
    return lookup[np.where(codes < 0, len(categories), codes)]


def _draw_labels(
    rng: np.random.Generator, weights: dict[str, float], n: int
) -> np.ndarray:
    """Draw ``n`` labels from a category->weight mapping."""
    return _labels(tuple(weights), _draw_codes(rng, _shares(weights), n))


def _kumaraswamy(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """Kumaraswamy(a, b) quantile of uniforms ``u``: a closed-form Beta lookalike."""
    return (1.0 - (1.0 - u) ** (1.0 / b)) ** (1.0 / a)


def _normal_to_uniform(z: np.ndarray) -> np.ndarray:
    """Approximate standard-normal CDF (logistic, max error ~0.01)."""
    return 1.0 / (1.0 + np.exp(-1.702 * z))


def _round_to(values: np.ndarray, step: float) -> np.ndarray:
    """Round to the nearest multiple of ``step``."""
    return np.round(values / step) * step


def _sk_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ascending ids from 100002 with gaps (the test set's ids are left out)."""
    gaps = rng.geometric(0.863, n - 1)
    return _ID_START + np.concatenate(([0], np.cumsum(gaps))).astype(np.int64)


def _demographics(rng: np.random.Generator, n: int) -> Columns:
    """Contract and income type, gender, age, family, education and housing."""
    income_type_codes = _draw_codes(rng, _shares(_INCOME_TYPES), n)
    income_type = _labels(tuple(_INCOME_TYPES), income_type_codes)
    pensioner = income_type == "Pensioner"
    female = rng.random(n) < np.where(pensioner, 0.78, 0.631)
    gender = np.where(female, "F", "M").astype(object)
    gender[rng.random(n) < 1.3e-5] = "XNA"
    age_years = 20.5 + 48.5 * np.where(
        pensioner, rng.beta(9.0, 2.2, n), rng.beta(2.0, 2.8, n)
    )
    days_birth = -np.clip(np.round(age_years * 365.25), _MIN_AGE_DAYS, _MAX_AGE_DAYS)
    family_codes = np.where(
        pensioner,
        _draw_codes(rng, _shares(_FAMILY_PENSIONER), n),
        _draw_codes(rng, _shares(_FAMILY_WORKING), n),
    )
    family = _labels(_FAMILY_STATUSES, family_codes)
    children = np.where(
        pensioner,
        _draw_codes(rng, _shares((0.97, 0.025, 0.005)), n),
        _draw_codes(rng, _shares((0.64, 0.235, 0.105, 0.015, 0.0017, 0.0003)), n),
    )
    many = rng.random(n) < 2e-5
    children[many] = rng.integers(6, 20, many.sum())
    couple = np.isin(family, ["Married", "Civil marriage"])
    family_members = (children + np.where(couple, 2, 1)).astype(np.float64)
    family_members[rng.random(n) < 6.5e-6] = np.nan
    owns_car = rng.random(n) < np.where(gender == "M", 0.52, 0.247)
    return {
        "NAME_CONTRACT_TYPE": _draw_labels(rng, _CONTRACT_TYPES, n),
        "CODE_GENDER": gender,
        "FLAG_OWN_CAR": np.where(owns_car, "Y", "N").astype(object),
        "FLAG_OWN_REALTY": np.where(rng.random(n) < 0.6937, "Y", "N").astype(object),
        "CNT_CHILDREN": children.astype(np.int64),
        "NAME_TYPE_SUITE": _draw_suite(rng, n),
        "NAME_INCOME_TYPE": income_type,
        "NAME_EDUCATION_TYPE": _draw_labels(rng, _EDUCATION_TYPES, n),
        "NAME_FAMILY_STATUS": family,
        "NAME_HOUSING_TYPE": _draw_labels(rng, _HOUSING_TYPES, n),
        "DAYS_BIRTH": days_birth.astype(np.int64),
        "CNT_FAM_MEMBERS": family_members,
    }


def _draw_suite(rng: np.random.Generator, n: int) -> np.ndarray:
    """NAME_TYPE_SUITE, missing for 0.42 % of rows."""
    suite = _draw_labels(rng, _TYPE_SUITES, n)
    suite[rng.random(n) < 0.0042] = np.nan
    return suite


def _has_no_job(cols: Columns) -> np.ndarray:
    """Rows that get the DAYS_EMPLOYED sentinel: pensioners and the unemployed."""
    return np.isin(cols["NAME_INCOME_TYPE"], ["Pensioner", "Unemployed"])


def _employment(rng: np.random.Generator, cols: Columns) -> Columns:
    """DAYS_EMPLOYED (with its sentinel), occupation, employer and phone flags."""
    n = len(cols["DAYS_BIRTH"])
    no_job = _has_no_job(cols)
    working_age_days = np.maximum(-cols["DAYS_BIRTH"] - 18 * 365, 0)
    tenure = np.exp(rng.normal(np.log(1600.0), 1.05, n))
    tenure = np.minimum(tenure, np.minimum(working_age_days, 17912))
    days_employed = np.where(no_job, DAYS_EMPLOYED_SENTINEL, -np.round(tenure))
    occupation = _draw_labels(rng, _OCCUPATIONS, n)
    occupation[rng.random(n) < np.where(no_job, 0.9998, 0.1628)] = np.nan
    organization = _draw_labels(rng, _ORGANIZATIONS, n)
    organization[no_job] = "XNA"
    has_employer_phone = ~no_job
    return {
        "DAYS_EMPLOYED": days_employed.astype(np.int64),
        "OCCUPATION_TYPE": occupation,
        "ORGANIZATION_TYPE": organization,
        "FLAG_MOBIL": (rng.random(n) >= 3.3e-6).astype(np.int64),
        "FLAG_EMP_PHONE": has_employer_phone.astype(np.int64),
        "FLAG_WORK_PHONE": (has_employer_phone & (rng.random(n) < 0.243)).astype(
            np.int64
        ),
        "FLAG_CONT_MOBILE": (rng.random(n) < 0.998).astype(np.int64),
        "FLAG_PHONE": (rng.random(n) < np.where(no_job, 0.40, 0.255)).astype(np.int64),
        "FLAG_EMAIL": (rng.random(n) < 0.0567).astype(np.int64),
    }


def _income(rng: np.random.Generator, cols: Columns) -> np.ndarray:
    """Log-normal AMT_INCOME_TOTAL (median ~147k) with a few absurd outliers."""
    n = len(cols["DAYS_BIRTH"])
    log_income = (
        np.log(147150.0)
        - 0.06
        + 0.18 * (cols["CODE_GENDER"] == "M")
        + 0.22 * (cols["NAME_EDUCATION_TYPE"] == "Higher education")
        - 0.30 * (cols["NAME_INCOME_TYPE"] == "Pensioner")
        + rng.normal(0.0, 0.46, n)
    )
    income = np.exp(log_income)
    coarse = rng.random(n) < 0.8
    income = np.where(coarse, _round_to(income, 4500.0), _round_to(income, 450.0))
    income = np.maximum(income, 25650.0)
    outliers = np.flatnonzero(rng.random(n) < 2e-5)
    income[outliers] = np.resize(np.array(_INCOME_OUTLIERS), outliers.size)
    return income


def _amounts(rng: np.random.Generator, cols: Columns) -> Columns:
    """AMT_CREDIT, AMT_ANNUITY and AMT_GOODS_PRICE, correlated with income."""
    n = len(cols["DAYS_BIRTH"])
    revolving = cols["NAME_CONTRACT_TYPE"] == "Revolving loans"
    log_income_gap = np.log(np.minimum(cols["AMT_INCOME_TOTAL"], 1e6) / 147150.0)
    goods = np.exp(np.log(480000.0) + 0.55 * log_income_gap + rng.normal(0, 0.6, n))
    nearest_round = np.abs(goods[:, None] - _ROUND_GOODS_PRICES).argmin(axis=1)
    snap = rng.random(n) < 0.45
    goods = np.where(snap, _ROUND_GOODS_PRICES[nearest_round], _round_to(goods, 4500))
    goods = np.clip(goods, 40500.0, 4050000.0)
    insured = rng.random(n) >= 0.3
    markup = np.where(insured, np.minimum(rng.gamma(2.0, 0.08, n), 0.6), 0.0)
    credit = np.clip(_round_to(goods * (1.0 + markup), 4.5), 45000.0, 4050000.0)
    revolving_limit = np.exp(
        np.log(250000.0) + 0.5 * log_income_gap + rng.normal(0, 0.5, n)
    )
    revolving_limit = 22500.0 * np.clip(np.round(revolving_limit / 22500.0), 2, 60)
    credit = np.where(revolving, revolving_limit, credit)
    goods = np.where(revolving, revolving_limit, goods)
    term_codes = _draw_codes(rng, _shares(_LOAN_TERM_SHARES), n)
    term_codes += 2 * (credit > 1e6)  # large loans run longer
    term = _LOAN_TERMS[np.minimum(term_codes, len(_LOAN_TERMS) - 1)]
    rate = rng.uniform(0.006, 0.02, n)
    annuity = credit * rate / (1.0 - (1.0 + rate) ** -term)
    revolving_share = np.where(rng.random(n) < 0.85, 0.05, 0.10)
    annuity = _round_to(np.where(revolving, credit * revolving_share, annuity), 1.5)
    annuity[~revolving & (rng.random(n) < 3.9e-5)] = np.nan
    goods[revolving & (rng.random(n) < 0.0095)] = np.nan
    return {"AMT_CREDIT": credit, "AMT_ANNUITY": annuity, "AMT_GOODS_PRICE": goods}


def _region(rng: np.random.Generator, n: int) -> Columns:
    """Region population and region ratings (with a rare -1 in the city rating)."""
    population = np.array([region[0] for region in _REGIONS])
    rating = np.array([region[2] for region in _REGIONS])
    codes = _draw_codes(rng, _shares(tuple(region[1] for region in _REGIONS)), n)
    client_rating = rating[codes]
    city_rating = client_rating.copy()
    city_rating[(client_rating == 3) & (rng.random(n) < 0.10)] = 2
    city_rating[(client_rating == 2) & (rng.random(n) < 0.008)] = 1
    city_rating[rng.random(n) < 3.3e-6] = -1
    return {
        "REGION_POPULATION_RELATIVE": population[codes],
        "REGION_RATING_CLIENT": client_rating.astype(np.int64),
        "REGION_RATING_CLIENT_W_CITY": city_rating.astype(np.int64),
    }


def _address_flags(rng: np.random.Generator, cols: Columns) -> Columns:
    """Registration/living/work address mismatches, consistent city vs region."""
    n = len(cols["DAYS_BIRTH"])
    works = ~_has_no_job(cols)
    young = -cols["DAYS_BIRTH"] < 35 * 365
    reg_city_not_live = rng.random(n) < np.where(young, 0.12, 0.055)
    live_city_not_work = works & (rng.random(n) < 0.21)
    reg_city_not_work = live_city_not_work | (works & reg_city_not_live)
    reg_region_not_live = reg_city_not_live & (rng.random(n) < 0.19)
    live_region_not_work = live_city_not_work & (rng.random(n) < 0.23)
    reg_region_not_work = live_region_not_work | (works & reg_region_not_live)
    return {
        "REG_REGION_NOT_LIVE_REGION": reg_region_not_live.astype(np.int64),
        "REG_REGION_NOT_WORK_REGION": reg_region_not_work.astype(np.int64),
        "LIVE_REGION_NOT_WORK_REGION": live_region_not_work.astype(np.int64),
        "REG_CITY_NOT_LIVE_CITY": reg_city_not_live.astype(np.int64),
        "REG_CITY_NOT_WORK_CITY": reg_city_not_work.astype(np.int64),
        "LIVE_CITY_NOT_WORK_CITY": live_city_not_work.astype(np.int64),
    }


def _dates(rng: np.random.Generator, cols: Columns) -> Columns:
    """DAYS_REGISTRATION, DAYS_ID_PUBLISH, DAYS_LAST_PHONE_CHANGE, OWN_CAR_AGE."""
    n = len(cols["DAYS_BIRTH"])
    age_days = -cols["DAYS_BIRTH"]
    adult_days = np.maximum(age_days - 18 * 365, 100)
    registration = -np.round(rng.beta(1.3, 1.25, n) * adult_days)
    # Passports are issued at 20 and replaced at 45; some are reissued since.
    milestone = np.where(age_days >= 45 * 365.25, 45 * 365.25, 20 * 365.25)
    since_issue = np.maximum(age_days - milestone, 0)
    since_issue = np.where(
        since_issue > 7197, rng.uniform(0, 7197, n), since_issue
    ) * np.where(rng.random(n) < 0.3, rng.random(n), 1.0)
    phone = np.where(
        rng.random(n) < 0.122, 0.0, np.exp(rng.normal(np.log(800.0), 0.8, n))
    )
    phone = -np.round(np.minimum(phone, 4292))
    phone[rng.random(n) < 3.3e-6] = np.nan
    car_age = np.round(rng.gamma(1.8, 5.5, n))
    vintage = rng.random(n) < 0.033
    car_age = np.minimum(np.where(vintage, rng.integers(64, 66, n), car_age), 91)
    has_car = cols["FLAG_OWN_CAR"] == "Y"
    car_age = np.where(has_car & (rng.random(n) >= 5e-5), car_age, np.nan)
    return {
        "DAYS_REGISTRATION": registration + 0.0,
        "DAYS_ID_PUBLISH": -np.round(since_issue).astype(np.int64),
        "DAYS_LAST_PHONE_CHANGE": phone + 0.0,
        "OWN_CAR_AGE": car_age,
    }


def _application_time(rng: np.random.Generator, n: int) -> Columns:
    """Weekday and hour the application process started."""
    return {
        "WEEKDAY_APPR_PROCESS_START": _draw_labels(rng, _WEEKDAYS, n),
        "HOUR_APPR_PROCESS_START": _draw_codes(rng, _shares(_HOUR_SHARES), n).astype(
            np.int64
        ),
    }


def _external_scores(rng: np.random.Generator, cols: Columns) -> np.ndarray:
    """Latent normal scores behind EXT_SOURCE_1/2/3 (shape ``(3, n)``)."""
    n = len(cols["DAYS_BIRTH"])
    age_z = (-cols["DAYS_BIRTH"] / 365.25 - 44.0) / 12.0
    common = rng.normal(size=n)
    noise = rng.normal(size=(3, n))
    return np.stack(
        [
            0.55 * age_z + 0.35 * common + 0.76 * noise[0],
            0.12 * age_z + 0.30 * common + 0.945 * noise[1],
            0.25 * age_z + 0.30 * common + 0.92 * noise[2],
        ]
    )


def _external_sources(rng: np.random.Generator, latent: np.ndarray) -> Columns:
    """EXT_SOURCE_1/2/3 in [0, 1] from latent scores, with their missing values."""
    n = latent.shape[1]
    u = _normal_to_uniform(latent)
    sources = {
        "EXT_SOURCE_1": _kumaraswamy(u[0], 2.05, 2.45),
        "EXT_SOURCE_2": 0.855 * _kumaraswamy(u[1], 2.1, 1.35),
        "EXT_SOURCE_3": 0.896 * _kumaraswamy(u[2], 2.15, 1.75),
    }
    missing_shares = {"EXT_SOURCE_1": 0.5638, "EXT_SOURCE_2": 0.0021}
    missing_shares |= {"EXT_SOURCE_3": 0.1983}
    for name, share in missing_shares.items():
        sources[name][rng.random(n) < share] = np.nan
    return sources


def _building_values(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Normalised building statistics (the *_AVG values) before missingness."""
    size = rng.normal(size=n)

    def lognormal(median: float, sigma: float, link: float) -> np.ndarray:
        noise = np.sqrt(1.0 - link**2) * rng.normal(size=n)
        return median * np.exp(sigma * (link * size + noise))

    apartments = lognormal(0.088, 0.65, 1.0)
    floors = _FLOOR_STEPS[_draw_codes(rng, _shares(_FLOOR_STEP_SHARES), n)]
    lower_floors = floors - rng.integers(0, 3, n) * (rng.random(n) < 0.3)
    elevators = rng.poisson(np.maximum(floors - 4, 0) * 0.4)
    return {
        "APARTMENTS": apartments,
        "BASEMENTAREA": lognormal(0.076, 0.7, 0.7),
        "YEARS_BEGINEXPLUATATION": 1.0 - np.exp(rng.normal(np.log(0.0184), 0.5, n)),
        "YEARS_BUILD": rng.normal(0.752, 0.113, n),
        "COMMONAREA": lognormal(0.021, 1.0, 0.6),
        "ELEVATORS": 0.08 * elevators,
        "ENTRANCES": (1 + rng.poisson(3.3, n)) / 29.0,
        "FLOORSMAX": floors / 24.0,
        "FLOORSMIN": np.maximum(lower_floors, 0) / 24.0,
        "LANDAREA": lognormal(0.048, 0.9, 0.5),
        "LIVINGAPARTMENTS": apartments * rng.uniform(0.75, 0.95, n),
        "LIVINGAREA": apartments * rng.uniform(0.8, 1.05, n),
        "NONLIVINGAPARTMENTS": np.where(
            rng.random(n) < 0.55, 0.0, lognormal(0.0077, 0.9, 0.4)
        ),
        "NONLIVINGAREA": np.where(rng.random(n) < 0.3, 0.0, lognormal(0.02, 1.2, 0.5)),
        "TOTALAREA_MODE": apartments * rng.uniform(0.8, 1.0, n),
    }


def _mode_and_median(
    rng: np.random.Generator, name: str, average: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """*_MODE and *_MEDI variants of a building attribute's *_AVG values."""
    n = len(average)
    if name in _BUILDING_GRIDS:
        step = _BUILDING_GRIDS[name]
        shift = step * rng.choice([-1.0, 0.0, 1.0], n, p=[0.07, 0.86, 0.07])
        return np.maximum(average + shift, 0.0), average
    if name.startswith("YEARS_"):
        spread = 0.004 if name == "YEARS_BEGINEXPLUATATION" else 0.012
        return (
            average + rng.normal(0.0, spread, n),
            average + rng.normal(0.0, spread / 4, n),
        )
    return (
        average * (1.0 + rng.normal(0.0, 0.12, n)),
        average * (1.0 + rng.normal(0.0, 0.03, n)),
    )


def _building(rng: np.random.Generator, n: int) -> Columns:
    """The *_AVG/*_MODE/*_MEDI building block; rows missing together (nested)."""
    presence = rng.random(n)
    values = _building_values(rng, n)
    out: Columns = {}
    for name in (*_BUILDING_ATTRIBUTES, "TOTALAREA_MODE"):
        average = values[name]
        present = presence < _BUILDING_PRESENT[name]
        if name == "TOTALAREA_MODE":
            out[name] = np.where(present, np.round(np.clip(average, 0, 1), 4), np.nan)
            continue
        mode, median = _mode_and_median(rng, name, average)
        for suffix, column in (("AVG", average), ("MODE", mode), ("MEDI", median)):
            clipped = np.round(np.clip(column, 0.0, 1.0), 4)
            out[f"{name}_{suffix}"] = np.where(present, clipped, np.nan)
    for name, weights in (
        ("FONDKAPREMONT_MODE", _FONDKAPREMONT),
        ("HOUSETYPE_MODE", _HOUSETYPES),
        ("WALLSMATERIAL_MODE", _WALLSMATERIALS),
        ("EMERGENCYSTATE_MODE", _EMERGENCYSTATES),
    ):
        labels = _draw_labels(rng, weights, n)
        labels[presence >= _BUILDING_PRESENT[name]] = np.nan
        out[name] = labels
    return out


def _social_circle(rng: np.random.Generator, n: int) -> Columns:
    """Observed/defaulted acquaintances in 30/60 days; missing together (0.33 %)."""
    observed_30 = rng.poisson(rng.gamma(0.35, 1.42 / 0.35, n))
    observed_30[rng.random(n) < 3.3e-6] = 348
    defaulted_30 = rng.binomial(observed_30, 0.1)
    observed_60 = np.maximum(observed_30 - rng.binomial(1, 0.03, n), 0)
    defaulted_60 = rng.binomial(defaulted_30, 0.7)
    missing = rng.random(n) < 0.0033
    columns = {
        "OBS_30_CNT_SOCIAL_CIRCLE": observed_30,
        "DEF_30_CNT_SOCIAL_CIRCLE": defaulted_30,
        "OBS_60_CNT_SOCIAL_CIRCLE": observed_60,
        "DEF_60_CNT_SOCIAL_CIRCLE": defaulted_60,
    }
    return {
        name: np.where(missing, np.nan, values.astype(np.float64))
        for name, values in columns.items()
    }


def _documents(rng: np.random.Generator, cols: Columns) -> Columns:
    """FLAG_DOCUMENT_2..21: one of documents 3/6/8 (or none), plus rare extras."""
    n = len(cols["DAYS_BIRTH"])
    no_job = _has_no_job(cols)
    main = np.where(
        no_job,
        _draw_codes(rng, _shares((0.55, 0.30, 0.05, 0.10)), n),
        _draw_codes(rng, _shares((0.745, 0.04, 0.088, 0.127)), n),
    )
    out: Columns = {}
    for number in range(2, 22):
        if number in _RARE_DOCUMENTS:
            flag = rng.random(n) < _RARE_DOCUMENTS[number]
        else:
            flag = main == {3: 0, 6: 1, 8: 2}[number]
        out[f"FLAG_DOCUMENT_{number}"] = flag.astype(np.int64)
    return out


def _bureau_requests(rng: np.random.Generator, n: int) -> Columns:
    """Credit-bureau enquiries per period; missing together for 13.5 % of rows."""
    year = rng.poisson(rng.gamma(1.2, 1.9 / 1.2, n))
    quarter = rng.poisson(rng.gamma(0.35, 0.265 / 0.35, n))
    quarter[rng.random(n) < 3.3e-6] = 261
    counts = {
        "AMT_REQ_CREDIT_BUREAU_HOUR": rng.binomial(1, 0.0055, n),
        "AMT_REQ_CREDIT_BUREAU_DAY": rng.binomial(1, 0.0055, n),
        "AMT_REQ_CREDIT_BUREAU_WEEK": rng.poisson(rng.gamma(0.3, 0.035 / 0.3, n)),
        "AMT_REQ_CREDIT_BUREAU_MON": rng.poisson(rng.gamma(0.2, 0.267 / 0.2, n)),
        "AMT_REQ_CREDIT_BUREAU_QRT": quarter,
        "AMT_REQ_CREDIT_BUREAU_YEAR": np.minimum(year, 25),
    }
    missing = rng.random(n) < 0.135
    return {
        name: np.where(missing, np.nan, values.astype(np.float64))
        for name, values in counts.items()
    }


def _lookup_risk(labels: np.ndarray, risks: dict[str, float]) -> np.ndarray:
    """Per-row log-odds contribution of a categorical column (0 if unlisted)."""
    out = np.zeros(len(labels))
    for label, risk in risks.items():
        out[labels == label] = risk
    return out


def _risk_score(
    rng: np.random.Generator, cols: Columns, latent: np.ndarray
) -> np.ndarray:
    """Log-odds of default (before the intercept) from the complete features."""
    n = len(cols["DAYS_BIRTH"])
    age_years = -cols["DAYS_BIRTH"] / 365.25
    employed = cols["DAYS_EMPLOYED"] != DAYS_EMPLOYED_SENTINEL
    tenure = np.where(employed, -cols["DAYS_EMPLOYED"], 1650.0)
    credit = cols["AMT_CREDIT"]
    goods = cols["AMT_GOODS_PRICE"]
    goods = np.where(np.isnan(goods), credit, goods)
    score = (
        -0.46 * latent[0]
        - 0.52 * latent[1]
        - 0.60 * latent[2]
        + 0.004 * (age_years - 44.0)
        - 0.20 * np.log((tenure + 30.0) / 1680.0)
        + 0.38 * (cols["CODE_GENDER"] == "M")
        + _lookup_risk(cols["NAME_EDUCATION_TYPE"], _EDUCATION_RISK)
        + _lookup_risk(cols["NAME_INCOME_TYPE"], _INCOME_TYPE_RISK)
        + _lookup_risk(cols["OCCUPATION_TYPE"], _OCCUPATION_RISK)
        + _lookup_risk(cols["ORGANIZATION_TYPE"], _ORGANIZATION_RISK)
        + 1.2 * np.log(credit / goods)
        - 0.15 * np.log(goods / 450000.0)
        + 0.45 * (cols["REGION_RATING_CLIENT_W_CITY"] - 2)
        - 0.45 * (cols["NAME_CONTRACT_TYPE"] == "Revolving loans")
        - 0.15 * (cols["FLAG_OWN_CAR"] == "Y")
        + 0.20 * cols["REG_CITY_NOT_LIVE_CITY"]
        + 0.10 * cols["REG_CITY_NOT_WORK_CITY"]
        + 0.15 * cols["FLAG_DOCUMENT_3"]
        + 0.15 * np.minimum(np.nan_to_num(cols["DEF_30_CNT_SOCIAL_CIRCLE"]), 3)
        + 0.15 * (cols["DAYS_LAST_PHONE_CHANGE"] > -365)
    )
    return score + rng.normal(0.0, 0.6, n)


def _intercept(score: np.ndarray, rate: float) -> float:
    """Intercept making the mean default probability equal ``rate`` (bisection)."""
    low, high = -20.0, 20.0
    for _ in range(50):
        middle = (low + high) / 2.0
        if np.mean(1.0 / (1.0 + np.exp(-(middle + score)))) < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _target(rng: np.random.Generator, score: np.ndarray) -> np.ndarray:
    """Draw TARGET from the logistic model, calibrated to the original's rate."""
    probability = 1.0 / (1.0 + np.exp(-(_intercept(score, POSITIVE_RATE) + score)))
    return (rng.random(len(score)) < probability).astype(np.int64)


def generate_applications(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Generate ``n_rows`` synthetic rows shaped like ``application_train.csv``.

    The same ``(n_rows, seed)`` always returns the same frame.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
    rng = np.random.default_rng(seed)
    n = int(n_rows)
    cols: Columns = {"SK_ID_CURR": _sk_ids(rng, n)}
    cols |= _demographics(rng, n)
    cols |= _employment(rng, cols)
    cols["AMT_INCOME_TOTAL"] = _income(rng, cols)
    cols |= _amounts(rng, cols)
    cols |= _region(rng, n)
    cols |= _address_flags(rng, cols)
    cols |= _dates(rng, cols)
    cols |= _application_time(rng, n)
    latent = _external_scores(rng, cols)
    cols |= _external_sources(rng, latent)
    cols |= _building(rng, n)
    cols |= _social_circle(rng, n)
    cols |= _documents(rng, cols)
    cols |= _bureau_requests(rng, n)
    cols["TARGET"] = _target(rng, _risk_score(rng, cols, latent))
    frame = frame_with_original_dtypes(cols, COLUMNS, STRING_COLUMNS, INTEGER_COLUMNS)
    logger.debug(
        "Generated %d Home Credit applications (seed %d), %.2f%% positives.",
        n,
        seed,
        100.0 * frame["TARGET"].mean(),
    )
    return frame
