"""Small labelled corpora for the sentiment tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

POSITIVE_WORDS = ["great", "delicious", "love", "perfect", "excellent", "tasty"]
NEGATIVE_WORDS = ["awful", "stale", "hate", "broken", "terrible", "disgusting"]
FILLER = ["the", "coffee", "box", "tea", "it", "was", "this", "snack", "arrived", "my"]


def separable_corpus(n_texts: int, seed: int) -> pd.DataFrame:
    """Texts whose sentiment words alone decide the label (1 = positive)."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_texts) % 2)
    texts = []
    for label in labels:
        words = list(rng.choice(FILLER, size=6))
        polar = POSITIVE_WORDS if label else NEGATIVE_WORDS
        words[rng.integers(0, 6)] = str(rng.choice(polar))
        words.insert(rng.integers(0, 7), str(rng.choice(polar)))
        texts.append(" ".join(words))
    return pd.DataFrame({"text": texts, "label": labels.astype(int)})


@pytest.fixture(scope="module")
def separable_train() -> pd.DataFrame:
    return separable_corpus(240, seed=0)


@pytest.fixture(scope="module")
def separable_validation() -> pd.DataFrame:
    return separable_corpus(60, seed=1)
