"""Text clean-up shared by training, deduplication and serving."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[a-z0-9']+")


def clean_text(text: str) -> str:
    """HTML entities decoded, tags (``<br />`` in reviews) dropped, spaces collapsed."""
    return _SPACES.sub(" ", _TAG.sub(" ", html.unescape(str(text)))).strip()


def dedup_key(text: str) -> str:
    """The form under which two texts count as the same text: cleaned, lowercased."""
    return clean_text(text).lower()


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens (apostrophes kept: "don't" stays one token)."""
    return _TOKEN.findall(clean_text(text).lower())
