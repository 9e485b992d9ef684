"""Training of the neural slot tagger with Keras 3 (TensorFlow backend): the
network ``sequence.BiLstmSlotTagger`` runs in NumPy, trained on the training
families with early stopping on the validation families' loss, then copied out
of Keras and checked against it.

Imported only by the node that trains it: TensorFlow takes seconds to import.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from ia_portfolio.pipelines.chatbot.sequence import (  # noqa: E402
    CUE_WORDS,
    FEATURE_NAMES,
    PAD,
    TAGS,
    UNKNOWN,
    BiLstmSlotTagger,
    EncodedText,
    TokenEncoder,
)
from ia_portfolio.progress import keras_progress  # noqa: E402

logger = logging.getLogger(__name__)

# Utterances are batched with others of similar length, padded to the bucket's
# length (few shapes: few graph traces); longer ones are cut for training only.
BUCKETS = (8, 16, 32, 64, 128)
# The NumPy copy must give Keras's probabilities.
EXPORT_TOLERANCE = 1e-4


def _bucket(length: int) -> int:
    return next((size for size in BUCKETS if length <= size), BUCKETS[-1])


def pad(
    encoded: Sequence[EncodedText], tag_ids: Sequence[Sequence[int]] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray]:
    """Network inputs of ``encoded`` padded to their bucket's length, the tag ids
    (``None`` without tags) and the weights of real tokens (1) and padding (0)."""
    length = _bucket(max(len(e.tokens) for e in encoded))
    n, max_chars = len(encoded), encoded[0].char_ids.shape[1]
    words = np.full((n, length), PAD, dtype="int32")
    cues = np.full((n, length, CUE_WORDS), PAD, dtype="int32")
    chars = np.full((n, length, max_chars), PAD, dtype="int32")
    features = np.zeros((n, length, len(FEATURE_NAMES)), dtype="float32")
    tags = np.zeros((n, length), dtype="int32")
    for row, item in enumerate(encoded):
        size = min(len(item.tokens), length)
        words[row, :size] = item.word_ids[:size]
        cues[row, :size] = item.cue_ids[:size]
        chars[row, :size] = item.char_ids[:size]
        features[row, :size] = item.features[:size]
        if tag_ids is not None:
            tags[row, :size] = tag_ids[row][:size]
    inputs = {
        "word_ids": words,
        "cue_ids": cues,
        "char_ids": chars,
        "features": features,
    }
    return (
        inputs,
        (tags if tag_ids is not None else None),
        (words != PAD).astype("float32"),
    )


class BucketedBatches:
    """Batches of utterances of one length bucket each, reshuffled at every pass
    (each call is one epoch); with ``word_dropout``, that share of known words
    is read as unknown (seeded per epoch and batch), so the tagger learns to
    rely on context and characters for words it never saw."""

    def __init__(
        self,
        encoded: Sequence[EncodedText],
        tag_ids: Sequence[Sequence[int]],
        batch_size: int,
        seed: int,
        word_dropout: float = 0.0,
        shuffle: bool = False,
    ) -> None:
        self.encoded, self.tag_ids = list(encoded), list(tag_ids)
        self.batch_size, self.seed = batch_size, seed
        self.word_dropout, self.shuffle = word_dropout, shuffle
        self.epoch = 0

    def _batches(self, rng: np.random.Generator) -> list[np.ndarray]:
        by_bucket: dict[int, list[int]] = {}
        for index, item in enumerate(self.encoded):
            by_bucket.setdefault(_bucket(len(item.tokens)), []).append(index)
        batches = []
        for indices in by_bucket.values():
            order = rng.permutation(indices) if self.shuffle else np.array(indices)
            batches += [
                order[start : start + self.batch_size]
                for start in range(0, len(order), self.batch_size)
            ]
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __call__(
        self,
    ) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]]:
        rng = np.random.default_rng((self.seed, self.epoch))
        self.epoch += 1
        for rows in self._batches(rng):
            inputs, tags, weights = pad(
                [self.encoded[i] for i in rows], [self.tag_ids[i] for i in rows]
            )
            if self.word_dropout:
                words = inputs["word_ids"]
                dropped = (words > UNKNOWN) & (
                    rng.random(words.shape) < self.word_dropout
                )
                inputs["word_ids"] = np.where(dropped, UNKNOWN, words).astype("int32")
            yield inputs, tags, weights

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self._batches(np.random.default_rng(0)))

    def dataset(self, max_chars: int) -> tf.data.Dataset:
        """The batches as a ``tf.data`` dataset of variable batch and length."""
        dataset = tf.data.Dataset.from_generator(
            self,
            output_signature=(
                {
                    "word_ids": tf.TensorSpec((None, None), tf.int32),
                    "cue_ids": tf.TensorSpec((None, None, CUE_WORDS), tf.int32),
                    "char_ids": tf.TensorSpec((None, None, max_chars), tf.int32),
                    "features": tf.TensorSpec(
                        (None, None, len(FEATURE_NAMES)), tf.float32
                    ),
                },
                tf.TensorSpec((None, None), tf.int32),
                tf.TensorSpec((None, None), tf.float32),
            ),
        )
        return dataset.apply(tf.data.experimental.assert_cardinality(len(self)))


def build_network(encoder: TokenEncoder, params: dict[str, Any]) -> keras.Model:
    """Word and cue-word embeddings + character CNN + token features -> BiLSTM
    -> softmax over ``TAGS``, on sequences of any length (padding: word id 0,
    masked)."""
    max_chars = encoder.max_chars
    word_ids = keras.Input((None,), dtype="int32", name="word_ids")
    cue_ids = keras.Input((None, CUE_WORDS), dtype="int32", name="cue_ids")
    char_ids = keras.Input((None, max_chars), dtype="int32", name="char_ids")
    features = keras.Input((None, len(FEATURE_NAMES)), name="features")
    word_embedding = keras.layers.Embedding(
        len(encoder.words) + 2, params["word_dims"], name="word_embedding"
    )
    words = word_embedding(word_ids)
    cues = keras.layers.Reshape((-1, CUE_WORDS * params["word_dims"]))(
        word_embedding(cue_ids)
    )
    chars = keras.layers.Embedding(
        len(encoder.chars) + 2, params["char_dims"], name="char_embedding"
    )(char_ids)
    width = params["char_width"]
    chars = keras.layers.Conv2D(
        params["char_filters"], (1, width), activation="relu", name="char_conv"
    )(chars)
    chars = keras.layers.MaxPooling2D((1, max_chars - width + 1))(chars)
    chars = keras.layers.Reshape((-1, params["char_filters"]))(chars)
    hidden = keras.layers.Concatenate()([words, cues, chars, features])
    hidden = keras.layers.Dropout(params["dropout"], seed=params["seed"])(hidden)
    # The padding mask is given explicitly: Concatenate would merge the word
    # mask with the unmasked inputs by "any" and let padding in.
    hidden = keras.layers.Bidirectional(
        keras.layers.LSTM(params["units"], return_sequences=True), name="bilstm"
    )(hidden, mask=keras.ops.not_equal(word_ids, PAD))
    hidden = keras.layers.Dropout(params["dropout"], seed=params["seed"] + 1)(hidden)
    outputs = keras.layers.Dense(len(TAGS), activation="softmax", name="tags")(hidden)
    return keras.Model([word_ids, cue_ids, char_ids, features], outputs)


def export(model: keras.Model, encoder: TokenEncoder) -> BiLstmSlotTagger:
    """The trained weights as the NumPy tagger."""
    char_kernel, char_bias = model.get_layer("char_conv").get_weights()
    bilstm = model.get_layer("bilstm")
    output_kernel, output_bias = model.get_layer("tags").get_weights()
    return BiLstmSlotTagger(
        encoder,
        {
            "word_embedding": model.get_layer("word_embedding").get_weights()[0],
            "char_embedding": model.get_layer("char_embedding").get_weights()[0],
            "char_kernel": char_kernel[0],  # (1, width, dims, filters) -> (width, ...)
            "char_bias": char_bias,
            "forward": tuple(bilstm.forward_layer.get_weights()),
            "backward": tuple(bilstm.backward_layer.get_weights()),
            "output_kernel": output_kernel,
            "output_bias": output_bias,
        },
    )


def check_export(
    model: keras.Model, tagger: BiLstmSlotTagger, encoded: Sequence[EncodedText]
) -> float:
    """Largest difference between Keras's and the NumPy copy's probabilities on
    ``encoded`` (padded in one batch); raises beyond ``EXPORT_TOLERANCE``."""
    inputs, _, _ = pad(encoded)
    expected = np.asarray(model.predict_on_batch(inputs))
    difference = max(
        float(
            np.abs(tagger.probabilities(item) - expected[row, : len(item.tokens)]).max()
        )
        for row, item in enumerate(encoded)
    )
    if difference > EXPORT_TOLERANCE:
        raise RuntimeError(
            f"The NumPy BiLSTM differs from Keras by {difference:.2e} "
            f"(tolerance {EXPORT_TOLERANCE:g})."
        )
    return difference


def train_bilstm(
    encoder: TokenEncoder,
    train: tuple[Sequence[EncodedText], Sequence[Sequence[int]]],
    validation: tuple[Sequence[EncodedText], Sequence[Sequence[int]]],
    params: dict[str, Any],
    seed: int,
) -> tuple[BiLstmSlotTagger, pd.DataFrame]:
    """Fit on ``train`` with early stopping on ``validation``'s loss (best weights
    restored); the NumPy tagger and the loss per epoch."""
    keras.utils.set_random_seed(seed)
    model = build_network(encoder, {**params, "seed": seed})
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=params["learning_rate"]),
        loss="sparse_categorical_crossentropy",
    )
    batches = BucketedBatches(
        *train, params["batch_size"], seed, params["word_dropout"], shuffle=True
    )
    held_out = BucketedBatches(*validation, params["batch_size"], seed)
    started = time.perf_counter()
    history = model.fit(
        batches.dataset(encoder.max_chars),
        validation_data=held_out.dataset(encoder.max_chars),
        epochs=params["max_epochs"],
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=params["patience"],
                restore_best_weights=True,
            ),
            keras_progress("BiLSTM tagger training", params["max_epochs"], logger),
        ],
        shuffle=False,  # the batches are shuffled by BucketedBatches
        verbose=0,
    )
    seconds = time.perf_counter() - started
    tagger = export(model, encoder)
    difference = check_export(model, tagger, list(validation[0])[:64])
    table = pd.DataFrame(
        {
            "epoch": np.arange(1, len(history.history["loss"]) + 1),
            "train_loss": history.history["loss"],
            "validation_loss": history.history["val_loss"],
        }
    )
    best = int(table.validation_loss.idxmin())
    table["kept"] = table.index == best
    logger.info(
        "BiLSTM: %d epochs in %.1f s, best validation loss %.4f at epoch %d; "
        "NumPy copy within %.1e of Keras.",
        len(table),
        seconds,
        table.validation_loss.iloc[best],
        best + 1,
        difference,
    )
    table["fit_s"] = seconds
    return tagger, table
