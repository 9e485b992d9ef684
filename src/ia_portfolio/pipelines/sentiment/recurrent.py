"""Keras recurrent classifiers on word vectors trained with gensim (or GloVe).

Word vectors initialise the Embedding layer; a (bidirectional) GRU or LSTM reads
the token ids; a sigmoid unit gives ``P(positive)``. Token ids come from a
vocabulary of the training texts: 0 pads, 1 stands for any unknown word.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
from gensim.models import FastText, KeyedVectors, Word2Vec  # noqa: E402

from ia_portfolio.pipelines.sentiment.text import tokenize  # noqa: E402

logger = logging.getLogger(__name__)

PAD, UNKNOWN = 0, 1
PREDICT_BATCH = 256


def train_word_vectors(
    token_lists: Sequence[list[str]], kind: str, params: dict[str, Any], seed: int
) -> KeyedVectors:
    """Word2Vec or fastText vectors trained on ``token_lists`` (one worker: seeded
    runs give the same vectors)."""
    trainers = {"word2vec": Word2Vec, "fasttext": FastText}
    if kind not in trainers:
        raise ValueError(f"Unknown word-vector kind '{kind}': use {sorted(trainers)}.")
    model = trainers[kind](
        sentences=list(token_lists),
        vector_size=params["vector_size"],
        window=params["window"],
        min_count=params["min_count"],
        sg=params["skip_gram"],
        epochs=params["epochs"],
        seed=seed,
        workers=1,
    )
    logger.info("%s: %d words x %d dims.", kind, len(model.wv), model.wv.vector_size)
    return model.wv


def build_vocabulary(
    token_lists: Sequence[list[str]], min_count: int, max_size: int
) -> list[str]:
    """Words seen at least ``min_count`` times, most frequent first; position + 2 is
    a word's id."""
    counts = Counter(token for tokens in token_lists for token in tokens)
    frequent = [w for w, n in counts.most_common() if n >= min_count]
    return frequent[:max_size]


def encode(texts: Sequence[str], vocabulary: list[str], max_len: int) -> np.ndarray:
    """Token ids of each text, cut or zero-padded at the end to ``max_len``."""
    index = {word: i + 2 for i, word in enumerate(vocabulary)}
    ids = np.full((len(texts), max_len), PAD, dtype="int32")
    for row, text in enumerate(texts):
        tokens = [index.get(t, UNKNOWN) for t in tokenize(text)[:max_len]]
        ids[row, : len(tokens)] = tokens
    return ids


def embedding_matrix(
    vocabulary: list[str], vectors: KeyedVectors, seed: int
) -> np.ndarray:
    """One row per id: the word's vector when known, small random values otherwise,
    zeros for padding."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.1, (len(vocabulary) + 2, vectors.vector_size))
    matrix[PAD] = 0.0
    known = 0
    for i, word in enumerate(vocabulary):
        if word in vectors:  # fastText builds vectors of unseen words from n-grams
            matrix[i + 2] = vectors[word]
            known += 1
    logger.info("Embedding: %d of %d words have a vector.", known, len(vocabulary))
    return matrix.astype("float32")


def build_model(
    matrix: np.ndarray, max_len: int, params: dict[str, Any]
) -> keras.Model:
    """Embedding (initialised from ``matrix``) -> [Bi]GRU/LSTM -> dropout -> sigmoid.

    ``params``: ``cell`` (gru or lstm), ``bidirectional``, ``units``, ``dropout``,
    ``trainable_embeddings``.
    """
    cells = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
    embedding = keras.layers.Embedding(
        matrix.shape[0],
        matrix.shape[1],
        mask_zero=True,
        trainable=params["trainable_embeddings"],
        name="embedding",
    )
    recurrent = cells[params["cell"]](params["units"])
    if params["bidirectional"]:
        recurrent = keras.layers.Bidirectional(recurrent)
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="token_ids")
    hidden = recurrent(embedding(inputs))
    hidden = keras.layers.Dropout(params["dropout"])(hidden)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_positive")(hidden)
    model = keras.Model(inputs, outputs)
    # Set after building: an initializer holding the matrix would be written into
    # the saved model's config.
    embedding.set_weights([matrix])
    return model


def fit_recurrent(
    train_ids: np.ndarray,
    y_train: np.ndarray,
    validation_ids: np.ndarray,
    y_validation: np.ndarray,
    matrix: np.ndarray,
    params: dict[str, Any],
    seed: int,
) -> keras.Model:
    """Train with early stopping on the validation loss (best weights restored).

    ``params``: the architecture keys of ``build_model`` plus ``loss``,
    ``learning_rate``, ``batch_size``, ``epochs`` (the maximum) and ``patience``.
    """
    keras.utils.set_random_seed(seed)
    model = build_model(matrix, train_ids.shape[1], params)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=params["learning_rate"]),
        loss=params["loss"],
        metrics=[keras.metrics.AUC(name="auc")],
    )
    model.fit(
        train_ids,
        np.asarray(y_train, dtype="float32"),
        validation_data=(validation_ids, np.asarray(y_validation, dtype="float32")),
        epochs=params["epochs"],
        batch_size=params["batch_size"],
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=params["patience"],
                restore_best_weights=True,
            )
        ],
        verbose=2,
    )
    return model


class KerasSequenceClassifier:
    """Raw texts -> token ids -> a Keras model's ``P(positive)``."""

    family = "keras"

    def __init__(self, model: keras.Model, vocabulary: list[str], max_len: int) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.max_len = max_len

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        ids = encode(list(texts), self.vocabulary, self.max_len)
        # predict_on_batch runs the compiled graph: ~50x faster than an eager call.
        batches = [
            np.asarray(self.model.predict_on_batch(ids[start : start + PREDICT_BATCH]))
            for start in range(0, len(ids), PREDICT_BATCH)
        ]
        return np.concatenate(batches).ravel() if batches else np.empty(0)

    def save(self, directory: Path) -> None:
        # An uncompiled copy: the optimizer's state is not needed to predict and
        # would triple the file.
        inference = keras.models.clone_model(self.model)
        inference.set_weights(self.model.get_weights())
        inference.save(directory / "model.keras")
        (directory / "tokens.json").write_text(
            json.dumps({"max_len": self.max_len, "vocabulary": self.vocabulary})
        )

    @classmethod
    def load(cls, directory: Path) -> KerasSequenceClassifier:
        tokens = json.loads((Path(directory) / "tokens.json").read_text())
        model = keras.saving.load_model(Path(directory) / "model.keras", compile=False)
        return cls(model, tokens["vocabulary"], tokens["max_len"])
