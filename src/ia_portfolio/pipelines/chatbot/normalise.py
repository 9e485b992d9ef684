"""Slot values as a booking needs them: ISO dates, an amount and an ISO currency,
the gazetteer's city name.

Dates are read relative to the conversation's date with ``dateparser`` (days
first, future dates preferred) after a few rules it lacks: durations ("for 10
days", from the departure), numbers in words ("in two weeks"). Budgets are read
by rules: currency signs and names before or after the amount, thousands
separators, ``k`` for thousands, and "no budget" for no limit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import dateparser

from ia_portfolio.pipelines.chatbot.text import Gazetteer

UNLIMITED = "unlimited"
DATE_SETTINGS = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}
NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS.update({"a": 1, "an": 1, "a couple of": 2, "couple of": 2})
UNIT_DAYS = {"day": 1, "night": 1, "week": 7, "fortnight": 14}
DURATION = re.compile(
    r"^(?:for\s+)?(?P<count>\d+|[a-z]+(?: couple of)?|a couple of)\s+"
    r"(?P<unit>day|night|week|fortnight)s?$"
)
RELATIVE = re.compile(r"^in\s+(?P<count>\d+|[a-z]+)\s+(?P<unit>day|week)s?$")
CURRENCY_NAMES = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "us$": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "ca$": "CAD",
    "cad": "CAD",
    "canadian dollars": "CAD",
    "chf": "CHF",
    "francs": "CHF",
    "¥": "JPY",
    "yen": "JPY",
    "jpy": "JPY",
}
_currency = "|".join(
    re.escape(name) for name in sorted(CURRENCY_NAMES, key=len, reverse=True)
)
AMOUNT = re.compile(
    r"(?P<number>\d{1,3}(?:[,\s.]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<k>k\b|K\b)?"
)
MONEY = re.compile(
    rf"(?:(?P<before>{_currency})\s*)?{AMOUNT.pattern}\s*(?:(?P<after>{_currency})(?![a-z]))?",
    re.IGNORECASE,
)
NO_LIMIT = re.compile(
    r"\b(no|any|unlimited|without( a)?)\s+(budget|limit|price)|\bno\s+limit|"
    r"money is no",
    re.IGNORECASE,
)


MAX_DAYS_AHEAD = 3 * 365  # a duration or delay beyond this is not a trip


def _count(word: str) -> int | None:
    count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    return count if count is not None and count <= MAX_DAYS_AHEAD else None


def normalise_date(
    text: str, reference: dt.date, departure: dt.date | None = None
) -> dt.date | None:
    """The day ``text`` means for a conversation held on ``reference``; a
    duration ("for 10 days") counts from ``departure``. None if unreadable."""
    phrase = " ".join(text.casefold().split()).strip(" .,!?")
    if match := DURATION.match(phrase):
        count = _count(match["count"])
        if count is None or departure is None:
            return None
        return departure + dt.timedelta(days=count * UNIT_DAYS[match["unit"]])
    if match := RELATIVE.match(phrase):
        count = _count(match["count"])
        if count is not None:
            return reference + dt.timedelta(days=count * UNIT_DAYS[match["unit"]])
    phrase = re.sub(r"^(on|the|on the)\s+", "", phrase)
    base = dt.datetime.combine(reference, dt.time())
    try:
        parsed = dateparser.parse(
            phrase, languages=["en"], settings={**DATE_SETTINGS, "RELATIVE_BASE": base}
        )
    except (OverflowError, ValueError):  # "in 99999999 years": no date
        return None
    return parsed.date() if parsed else None


def _amount(number: str, thousands: bool) -> float:
    """``1,000``/``1 000``/``1.000`` (thousands) or ``1.5`` (decimal) as a float."""
    digits = re.sub(r"[,\s]", "", number)
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", digits):
        digits = digits.replace(".", "")
    value = float(digits)
    return value * 1000 if thousands else value


def normalise_budget(text: str, default_currency: str) -> dict[str, Any] | None:
    """``{"amount", "currency"}`` of a budget phrase (``default_currency`` when it
    names none), ``{"amount": None, "currency": None, "unlimited": True}`` for "no
    budget"; None if it holds no amount."""
    if NO_LIMIT.search(text):
        return {"amount": None, "currency": None, "unlimited": True}
    match = MONEY.search(text)
    if match is None:
        return None
    name = (match["before"] or match["after"] or "").casefold()
    return {
        "amount": _amount(match["number"], bool(match["k"])),
        "currency": CURRENCY_NAMES.get(name, default_currency),
        "unlimited": False,
    }


def format_budget(budget: dict[str, Any] | None) -> str | None:
    """``"1000 EUR"``, ``"unlimited"`` or None: how budgets are compared."""
    if budget is None:
        return None
    if budget["unlimited"]:
        return UNLIMITED
    return f"{budget['amount']:g} {budget['currency']}"


def mask_money(text: str) -> str:
    """``text`` with amounts of money blanked out, so that a date search does not
    read a budget of 2000 as the year 2000."""
    return MONEY.sub(
        lambda m: " " * len(m.group()) if _is_money(m) else m.group(), text
    )


def _is_money(match: re.Match[str]) -> bool:
    return bool(match["before"] or match["after"] or match["k"])


def normalise_city(text: str, gazetteer: Gazetteer) -> str:
    """The gazetteer's name for ``text``, else ``text`` title-cased."""
    return gazetteer.canonical(text) or " ".join(text.split()).title()


def normalise_slots(
    spans: list[dict[str, Any]],
    reference: dt.date,
    gazetteer: Gazetteer,
    default_currency: str,
    known_departure: dt.date | None = None,
) -> dict[str, str | None]:
    """Each slot's value as a string (the last span of a slot wins, as a
    correction does): city name, ISO date, ``"<amount> <ISO>"``/``"unlimited"``."""
    values: dict[str, str | None] = {}
    departure = known_departure
    ordered = sorted(spans, key=lambda s: s["slot"] != "departure_date")
    for span in ordered:
        slot, text = span["slot"], span["text"]
        if slot in ("origin", "destination"):
            values[slot] = normalise_city(text, gazetteer)
        elif slot == "budget":
            values[slot] = format_budget(normalise_budget(text, default_currency))
        else:
            day = normalise_date(text, reference, departure)
            if slot == "departure_date" and day is not None:
                departure = day
            values[slot] = day.isoformat() if day else None
    return values
