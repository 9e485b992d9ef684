"""Tokens with their character offsets, BIO tags from slot spans and back, and the
city gazetteer the taggers look names up in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SLOTS = ("origin", "destination", "departure_date", "return_date", "budget")
OUTSIDE = "O"
# Words, numbers with inner separators (18/01/2022, 1,000, 1.5k, 2022-01-18),
# currency signs, other punctuation one character at a time.
TOKEN = re.compile(r"\w+(?:[./,:'’-]\w+)*|CA\$|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """A slot value found in a text: ``text[start:end]``."""

    slot: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, object]:
        return {
            "slot": self.slot,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


def tokenize(text: str) -> list[Token]:
    """``text`` cut into tokens that keep their character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def fold(text: str) -> str:
    """Lower case without diacritics: how names are compared (Zürich = zurich)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spans_to_tags(tokens: Sequence[Token], spans: Iterable[Span]) -> list[str]:
    """BIO tags of ``tokens``: a token inside a span is tagged with its slot."""
    tags = [OUTSIDE] * len(tokens)
    for span in spans:
        inside = [
            i
            for i, token in enumerate(tokens)
            if token.start >= span.start and token.end <= span.end
        ]
        for position, index in enumerate(inside):
            tags[index] = f"{'B' if position == 0 else 'I'}-{span.slot}"
    return tags


def tags_to_spans(
    text: str, tokens: Sequence[Token], tags: Sequence[str]
) -> list[Span]:
    """The spans BIO ``tags`` mark in ``text`` (an ``I-`` without its ``B-`` opens
    a span, as seqeval reads it)."""
    spans: list[Span] = []
    slot, start, end = None, 0, 0
    for token, tag in zip(tokens, tags, strict=True):
        prefix, _, tag_slot = tag.partition("-")
        if prefix == "I" and tag_slot == slot:
            end = token.end
            continue
        if slot is not None:
            spans.append(Span(slot, start, end, text[start:end]))
        slot, start, end = (
            (tag_slot, token.start, token.end) if tag_slot else (None, 0, 0)
        )
    if slot is not None:
        spans.append(Span(slot, start, end, text[start:end]))
    return spans


class Gazetteer:
    """City names (and a few countries) matched on folded tokens, longest first.

    ``names`` maps each folded name to the name it stands for (an accent-free or
    alias spelling points at the gazetteer's own name).
    """

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self._first_words: dict[str, int] = {}
        for folded in names:
            words = [t.text for t in tokenize(folded)]
            if words:
                first = words[0]
                self._first_words[first] = max(
                    self._first_words.get(first, 0), len(words)
                )

    def match(self, tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
        """``(first token, end token, canonical name)`` of each longest match."""
        folded = [fold(token.text) for token in tokens]
        found, i = [], 0
        while i < len(tokens):
            longest = self._first_words.get(folded[i], 0)
            for length in range(min(longest, len(tokens) - i), 0, -1):
                name = " ".join(folded[i : i + length])
                if name in self.names:
                    found.append((i, i + length, self.names[name]))
                    i += length
                    break
            else:
                i += 1
        return found

    def tags(self, tokens: Sequence[Token]) -> list[str]:
        """``B``/``I`` for tokens inside a gazetteer name, ``O`` elsewhere."""
        tags = [OUTSIDE] * len(tokens)
        for first, end, _ in self.match(tokens):
            tags[first] = "B"
            for index in range(first + 1, end):
                tags[index] = "I"
        return tags

    def canonical(self, text: str) -> str | None:
        """The gazetteer name ``text`` stands for, if it is one."""
        return self.names.get(" ".join(t.text for t in tokenize(fold(text))))


def build_gazetteer(
    cities: Iterable[str], aliases: dict[str, Sequence[str]]
) -> Gazetteer:
    """A gazetteer of ``cities`` and their ``aliases`` (alias -> city)."""
    names: dict[str, str] = {}
    for city in cities:
        names.setdefault(" ".join(t.text for t in tokenize(fold(city))), city)
    for city, spellings in aliases.items():
        for spelling in spellings:
            names[" ".join(t.text for t in tokenize(fold(spelling)))] = city
    return Gazetteer(names)
