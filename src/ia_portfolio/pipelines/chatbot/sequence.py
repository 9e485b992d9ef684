"""The neural slot tagger at prediction time, in NumPy: token encoding (word ids,
character ids, shape and gazetteer features), the forward pass of the BiLSTM
that ``neural.py`` trains with Keras, and BIO decoding.

The trained weights are copied out of Keras into ``BiLstmSlotTagger``, so the
served parser needs neither TensorFlow nor Keras, pickles with the rest of the
parser and runs each utterance at its own length (no padding).

The network, per token: a word embedding (folded word, digits as 0), the
embeddings of the two words before the city name the token is in (the CRF's
strongest cue, given directly), a character CNN (embedding, one convolution,
max over the characters), and the dense features below; concatenated, then a bidirectional LSTM and a softmax
over BIO tags. Decoding is Viterbi over the tag log-probabilities with the BIO
constraint (``I-x`` only after ``B-x`` or ``I-x``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ia_portfolio.pipelines.chatbot.models import WORD_CLASS_NAMES, word_class
from ia_portfolio.pipelines.chatbot.text import (
    OUTSIDE,
    SLOTS,
    Gazetteer,
    Span,
    Token,
    fold,
    tags_to_spans,
    tokenize,
)

PAD, UNKNOWN = 0, 1
CUE_WORDS = 2
TAGS = (OUTSIDE, *(f"{prefix}-{slot}" for slot in SLOTS for prefix in "BI"))
ASKED = ("", *SLOTS)
# Dense features of a token: gazetteer B/I, word class, title/upper/digit, and
# the slot the bot had asked for.
FEATURE_NAMES = (
    "gazetteer_B",
    "gazetteer_I",
    *(f"class_{name}" for name in WORD_CLASS_NAMES),
    "title",
    "upper",
    "digit",
    *(f"asked_{slot or 'none'}" for slot in ASKED),
)


def word_key(word: str) -> str:
    """How a word is looked up: folded, every digit as 0 (18/01/2022 -> 00/00/0000)."""
    return re.sub(r"\d", "0", fold(word))


def token_vector(
    tokens: Sequence[Token], gazetteer_tags: Sequence[str], requested_slot: str
) -> np.ndarray:
    """``FEATURE_NAMES`` of each token, as 0/1 floats."""
    features = np.zeros((len(tokens), len(FEATURE_NAMES)), dtype="float32")
    asked = FEATURE_NAMES.index(f"asked_{requested_slot or 'none'}")
    for i, token in enumerate(tokens):
        word = token.text
        if gazetteer_tags[i] != OUTSIDE:
            features[i, FEATURE_NAMES.index(f"gazetteer_{gazetteer_tags[i]}")] = 1.0
        features[i, FEATURE_NAMES.index(f"class_{word_class(word)}")] = 1.0
        features[i, FEATURE_NAMES.index("title")] = word[:1].isupper()
        features[i, FEATURE_NAMES.index("upper")] = word.isupper() and len(word) > 1
        features[i, FEATURE_NAMES.index("digit")] = any(c.isdigit() for c in word)
        features[i, asked] = 1.0
    return features


@dataclass(frozen=True)
class EncodedText:
    """One utterance as the network reads it."""

    tokens: list[Token]
    word_ids: np.ndarray  # (tokens,)
    cue_ids: np.ndarray  # (tokens, CUE_WORDS): words before the name a token is in
    char_ids: np.ndarray  # (tokens, max_chars)
    features: np.ndarray  # (tokens, len(FEATURE_NAMES))


@dataclass
class TokenEncoder:
    """Word and character vocabularies of the training texts (ids from 2: 0 pads,
    1 is any unknown word or character), the gazetteer and the character limit."""

    words: dict[str, int]
    chars: dict[str, int]
    gazetteer: Gazetteer
    max_chars: int

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        gazetteer: Gazetteer,
        min_word_count: int,
        max_chars: int,
    ) -> TokenEncoder:
        """Words seen at least ``min_word_count`` times and every character seen."""
        words: Counter[str] = Counter()
        chars: Counter[str] = Counter()
        for text in texts:
            for token in tokenize(text):
                words[word_key(token.text)] += 1
                chars.update(token.text[:max_chars])
        kept = sorted(w for w, n in words.items() if n >= min_word_count)
        return cls(
            words={w: i + 2 for i, w in enumerate(kept)},
            chars={c: i + 2 for i, c in enumerate(sorted(chars))},
            gazetteer=gazetteer,
            max_chars=max_chars,
        )

    def encode(self, text: str, requested_slot: str) -> EncodedText:
        tokens = tokenize(text)
        char_ids = np.zeros((len(tokens), self.max_chars), dtype="int32")
        for i, token in enumerate(tokens):
            ids = [self.chars.get(c, UNKNOWN) for c in token.text[: self.max_chars]]
            char_ids[i, : len(ids)] = ids
        word_ids = np.array(
            [self.words.get(word_key(t.text), UNKNOWN) for t in tokens], dtype="int32"
        )
        gazetteer_tags = self.gazetteer.tags(tokens)
        return EncodedText(
            tokens=tokens,
            word_ids=word_ids,
            cue_ids=cue_ids(word_ids, gazetteer_tags),
            char_ids=char_ids,
            features=token_vector(tokens, gazetteer_tags, requested_slot),
        )


def cue_ids(word_ids: np.ndarray, gazetteer_tags: Sequence[str]) -> np.ndarray:
    """For each token inside a gazetteer name, the ids of the ``CUE_WORDS``
    words before the name ("from", "to", "not"...: what makes a city an origin
    or a destination), nearest first; ``PAD`` elsewhere."""
    cues = np.full((len(word_ids), CUE_WORDS), PAD, dtype="int32")
    start = 0
    for i, tag in enumerate(gazetteer_tags):
        if tag == OUTSIDE:
            continue
        start = i if tag == "B" else start
        before = word_ids[max(0, start - CUE_WORDS) : start][::-1]
        cues[i, : len(before)] = before
    return cues


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def lstm(
    inputs: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    backwards: bool = False,
) -> np.ndarray:
    """Hidden states of a Keras LSTM (gates i, f, c, o; tanh and sigmoid) over
    ``inputs`` (steps, features), in input order whichever the direction."""
    units = recurrent_kernel.shape[0]
    projected = inputs @ kernel + bias
    hidden = np.zeros(units, dtype=inputs.dtype)
    cell = np.zeros(units, dtype=inputs.dtype)
    outputs = np.zeros((len(inputs), units), dtype=inputs.dtype)
    steps = range(len(inputs) - 1, -1, -1) if backwards else range(len(inputs))
    for step in steps:
        z = projected[step] + hidden @ recurrent_kernel
        i, f = _sigmoid(z[:units]), _sigmoid(z[units : 2 * units])
        cell = f * cell + i * np.tanh(z[2 * units : 3 * units])
        hidden = _sigmoid(z[3 * units :]) * np.tanh(cell)
        outputs[step] = hidden
    return outputs


def allowed_transitions() -> np.ndarray:
    """``allowed[a, b]``: tag ``b`` may follow tag ``a`` (BIO)."""
    allowed = np.ones((len(TAGS), len(TAGS)), dtype=bool)
    for b, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            slot = tag[2:]
            allowed[:, b] = [t in (f"B-{slot}", f"I-{slot}") for t in TAGS]
    return allowed


def viterbi(log_probabilities: np.ndarray, allowed: np.ndarray) -> list[int]:
    """The tag sequence of highest total log-probability that obeys ``allowed``
    (and starts with no ``I-`` tag)."""
    blocked = np.where(allowed, 0.0, -np.inf)
    start_ok = np.array([not t.startswith("I-") for t in TAGS])
    score = np.where(start_ok, log_probabilities[0], -np.inf)
    back = np.zeros(log_probabilities.shape, dtype=int)
    for step in range(1, len(log_probabilities)):
        candidates = score[:, None] + blocked
        back[step] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probabilities[step]
    path = [int(score.argmax())]
    for step in range(len(log_probabilities) - 1, 0, -1):
        path.append(int(back[step, path[-1]]))
    return path[::-1]


@dataclass
class BiLstmSlotTagger:
    """BIO slot tagging with the trained word + character BiLSTM, run in NumPy.

    ``weights``: ``word_embedding``, ``char_embedding``, ``char_kernel``
    (width, char dims, filters), ``char_bias``, ``forward``/``backward`` (LSTM
    kernel, recurrent kernel, bias), ``output_kernel``, ``output_bias``.
    """

    encoder: TokenEncoder
    weights: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        self._allowed = allowed_transitions()

    def char_vectors(self, char_ids: np.ndarray) -> np.ndarray:
        """The character CNN: embedding, one 'valid' convolution, ReLU, max."""
        kernel = self.weights["char_kernel"]
        width, dims, filters = kernel.shape
        embedded = self.weights["char_embedding"][char_ids]  # tokens, chars, dims
        windows = np.stack(
            [embedded[:, j : j + width].reshape(len(char_ids), width * dims)
             for j in range(char_ids.shape[1] - width + 1)],
            axis=1,
        )  # fmt: skip
        convolved = windows @ kernel.reshape(width * dims, filters)
        return np.maximum(convolved + self.weights["char_bias"], 0.0).max(axis=1)

    def probabilities(self, encoded: EncodedText) -> np.ndarray:
        """P(tag) of each token, (tokens, len(TAGS))."""
        w = self.weights
        inputs = np.concatenate(
            [
                w["word_embedding"][encoded.word_ids],
                w["word_embedding"][encoded.cue_ids].reshape(len(encoded.tokens), -1),
                self.char_vectors(encoded.char_ids),
                encoded.features,
            ],
            axis=1,
        )
        hidden = np.concatenate(
            [lstm(inputs, *w["forward"]), lstm(inputs, *w["backward"], backwards=True)],
            axis=1,
        )
        logits = hidden @ w["output_kernel"] + w["output_bias"]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict_tags(self, text: str, requested_slot: str) -> list[str]:
        encoded = self.encoder.encode(text, requested_slot)
        if not encoded.tokens:
            return []
        log_p = np.log(np.clip(self.probabilities(encoded), 1e-12, 1.0))
        return [TAGS[i] for i in viterbi(log_p, self._allowed)]

    def predict_spans(
        self, texts: Sequence[str], requested_slots: Sequence[str]
    ) -> list[list[Span]]:
        return [
            tags_to_spans(text, tokenize(text), self.predict_tags(text, asked))
            for text, asked in zip(texts, requested_slots, strict=True)
        ]
