"""Review text to tokens: cleaning, tokenisation, stop words, bigrams and stemming.

Only what ships in the installed packages is used (no NLTK or spaCy data can be
downloaded here): gensim's and scikit-learn's English stop words, gensim's Porter
stemmer and gensim ``Phrases`` for bigrams. Stems are hard to read ("tast",
"flavor"), so each stem is shown as its most frequent surface word ("taste").
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from gensim.models.phrases import Phrases
from gensim.parsing.porter import PorterStemmer
from gensim.parsing.preprocessing import STOPWORDS
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
PHRASE_JOINER = "_"

STOP_WORDS = frozenset(STOPWORDS | ENGLISH_STOP_WORDS)


def clean_text(text: str) -> str:
    """HTML entities decoded (``&#039;``), tags and links dropped, the quotes
    drugs.com puts around each review removed, spaces collapsed."""
    text = html.unescape(html.unescape(str(text)))
    text = _URL.sub(" ", _TAG.sub(" ", text))
    return _SPACES.sub(" ", text).strip().strip('"').strip()


def words(text: str, stop_words: Iterable[str], min_length: int) -> list[str]:
    """Lowercased alphabetic words, apostrophes dropped ("don't" -> "dont"), stop
    words and words shorter than ``min_length`` left out."""
    stop = set(stop_words)
    found = (w.replace("'", "") for w in _WORD.findall(text.lower()))
    return [w for w in found if len(w) >= min_length and w not in stop]


def fit_phrases(
    documents: list[list[str]], min_count: int, threshold: float
) -> Phrases:
    """Bigram detector (gensim ``Phrases``, npmi scoring): pairs of words seen
    together more than chance, e.g. ``peanut_butter``, ``side_effects``."""
    return Phrases(
        documents,
        min_count=min_count,
        threshold=threshold,
        scoring="npmi",
        delimiter=PHRASE_JOINER,
    )


class Stemmer:
    """Porter stems of words and bigrams, remembering each stem's surface words."""

    def __init__(self) -> None:
        self._porter = PorterStemmer()
        self._cache: dict[str, str] = {}
        self._surface: dict[str, Counter] = defaultdict(Counter)

    def stem(self, token: str) -> str:
        """``side_effects`` -> ``side_effect``: each part of a bigram stemmed."""
        if token not in self._cache:
            self._cache[token] = PHRASE_JOINER.join(
                self._porter.stem(part) for part in token.split(PHRASE_JOINER)
            )
        stem = self._cache[token]
        self._surface[stem][token] += 1
        return stem

    def display_words(self) -> dict[str, str]:
        """Each stem's most frequent surface form (ties: alphabetical)."""
        return {
            stem: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for stem, counts in self._surface.items()
        }
