"""Text nodes, first stage: the unhappy reviews, their tokens, the vocabulary."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.models import TfidfModel

from ia_portfolio.pipelines.product_insights.text import (
    STOP_WORDS,
    Stemmer,
    clean_text,
    fit_phrases,
    words,
)

logger = logging.getLogger(__name__)


def prepare_reviews(
    raw_reviews: pd.DataFrame, reviews: dict[str, Any], seed: int
) -> pd.DataFrame:
    """Unhappy customers' reviews, cleaned, without duplicates or near-empty texts;
    at most ``reviews.sample_size`` of them per corpus (seeded; null: all)."""
    table = raw_reviews.loc[raw_reviews["unhappy"]].copy()
    table["text"] = table["text"].map(clean_text)
    table = table.loc[table["text"].str.split().str.len() >= reviews["min_words"]]
    table = table.drop_duplicates(subset="text")
    sample_size = reviews.get("sample_size")
    if sample_size is not None:
        table = pd.concat(
            group.sample(n=min(sample_size, len(group)), random_state=seed)
            for _, group in table.groupby("corpus")
        )
    logger.info(
        "Kept %d unhappy reviews of %d: %s.",
        len(table),
        len(raw_reviews),
        table["corpus"].value_counts().to_dict(),
    )
    columns = ["corpus", "review_id", "rating", "text"]
    return table.sort_index()[columns].reset_index(drop=True)


def tokenise_reviews(
    reviews: pd.DataFrame, tokens: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each review as space-separated tokens (stop words out, bigrams joined by
    ``_``, Porter-stemmed), and the word shown for each token."""
    stop_words = STOP_WORDS | set(tokens["extra_stop_words"])
    documents = [words(t, stop_words, tokens["min_length"]) for t in reviews["text"]]
    phrases = fit_phrases(
        documents, tokens["bigram_min_count"], tokens["bigram_threshold"]
    )
    stemmer = Stemmer()
    stemmed = [[stemmer.stem(w) for w in phrases[doc]] for doc in documents]
    table = pd.DataFrame(
        {"review_id": reviews["review_id"], "tokens": [" ".join(d) for d in stemmed]}
    )
    bigrams = sum("_" in w for d in stemmed for w in d)
    logger.info("%d tokens, %d of them bigrams.", sum(map(len, stemmed)), bigrams)
    return table, stemmer.display_words()


def token_lists(review_tokens: pd.DataFrame) -> list[list[str]]:
    """The token column back as lists of tokens."""
    return [t.split() for t in review_tokens["tokens"]]


def build_vocabulary(
    review_tokens: pd.DataFrame, vocabulary: dict[str, Any]
) -> Dictionary:
    """The gensim dictionary both topic models and their coherence share: tokens in
    at least ``no_below`` reviews and at most a share ``no_above`` of them."""
    dictionary = Dictionary(token_lists(review_tokens))
    dictionary.filter_extremes(
        no_below=vocabulary["no_below"], no_above=vocabulary["no_above"], keep_n=None
    )
    dictionary.compactify()
    logger.info("Vocabulary of %d tokens.", len(dictionary))
    return dictionary


def find_distinctive_terms(
    reviews: pd.DataFrame,
    review_tokens: pd.DataFrame,
    dictionary: Dictionary,
    display_words: dict[str, str],
    vocabulary: dict[str, Any],
) -> pd.DataFrame:
    """The words with the highest mean TF-IDF weight in each corpus's unhappy
    reviews: what sets each corpus's complaints apart at a glance."""
    bow = [dictionary.doc2bow(doc) for doc in token_lists(review_tokens)]
    tfidf = TfidfModel(bow, id2word=dictionary)
    rows = []
    for corpus, positions in reviews.groupby("corpus").indices.items():
        weights = np.zeros(len(dictionary))
        for i in positions:
            for token_id, weight in tfidf[bow[i]]:
                weights[token_id] += weight / len(positions)
        for rank, token_id in enumerate(
            np.argsort(-weights)[: vocabulary["top_terms"]]
        ):
            token = dictionary[int(token_id)]
            rows.append(
                {
                    "corpus": corpus,
                    "rank": rank + 1,
                    "word": display_words.get(token, token),
                    "mean_tfidf": float(weights[token_id]),
                }
            )
    return pd.DataFrame(rows)
