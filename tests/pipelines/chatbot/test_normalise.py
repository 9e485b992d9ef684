"""Dates and budgets in each format the assistant reads, normalised relative to
the conversation's date (Wednesday 1 December 2021)."""

from __future__ import annotations

import datetime as dt

import pytest

from ia_portfolio.pipelines.chatbot.normalise import (
    format_budget,
    mask_money,
    normalise_budget,
    normalise_date,
)

REFERENCE = dt.date(2021, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18/01/2022", "2022-01-18"),
        ("01/02/2023", "2023-02-01"),
        ("18 Jan", "2022-01-18"),
        ("January 18th 2022", "2022-01-18"),
        ("2022-01-18", "2022-01-18"),
        ("18.01.2022", "2022-01-18"),
        ("the 18th of January", "2022-01-18"),
        ("Dec 20", "2021-12-20"),
        ("tomorrow", "2021-12-02"),
        ("next Friday", "2021-12-03"),
        ("in two weeks", "2021-12-15"),
        ("in 3 days", "2021-12-04"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert normalise_date(text, REFERENCE).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for 10 days", "2022-01-28"),
        ("for two weeks", "2022-02-01"),
        ("for a week", "2022-01-25"),
    ],
)
def test_durations_count_from_the_departure(text: str, expected: str) -> None:
    assert normalise_date(text, REFERENCE, dt.date(2022, 1, 18)).isoformat() == expected
    assert normalise_date(text, REFERENCE) is None


def test_unreadable_dates_are_none() -> None:
    assert normalise_date("end of may", REFERENCE) is None
    assert normalise_date("for 99999999 days", REFERENCE, REFERENCE) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000€", "1000 EUR"),
        ("€1000", "1000 EUR"),
        ("1,000 EUR", "1000 EUR"),
        ("$1.5k", "1500 USD"),
        ("under 800 dollars", "800 USD"),
        ("£1,500", "1500 GBP"),
        ("1200 CAD", "1200 CAD"),
        ("1 200 €", "1200 EUR"),
        ("750", "750 EUR"),
        ("no budget", "unlimited"),
        ("money is no object", "unlimited"),
    ],
)
def test_budgets(text: str, expected: str) -> None:
    assert format_budget(normalise_budget(text, "EUR")) == expected


def test_money_is_masked_before_a_date_search() -> None:
    masked = mask_money("on 18/01/2022 with 2000 €")
    assert "18/01/2022" in masked and "2000" not in masked
