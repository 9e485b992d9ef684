"""Datasets of the ``recommendation`` pipeline's raw inputs in the ``original``
environment: Globo.com's hourly click files and its articles with their
embeddings."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview
from kedro_datasets.partitions import PartitionedDataset

from ia_portfolio.pipelines.recommendation.content import VECTOR_PREFIX

logger = logging.getLogger(__name__)


class ConcatenatedPartitionsDataset(AbstractDataset[None, pd.DataFrame]):
    """Every partition of a folder (a ``PartitionedDataset``), read in the order
    of their names and stacked into one table, e.g. Globo's
    ``clicks/clicks_hour_000.csv`` ... ``clicks_hour_384.csv``::

        clicks:
          type: ia_portfolio.pipelines.recommendation.datasets.ConcatenatedPartitionsDataset
          path: data/01_raw/globo/clicks
          dataset: pandas.CSVDataset
          filename_suffix: .csv
    """

    def __init__(
        self,
        *,
        path: str,
        dataset: str | dict[str, Any],
        filename_suffix: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._partitions = PartitionedDataset(
            path=path, dataset=dataset, filename_suffix=filename_suffix
        )
        self._path = path
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        partitions = self._partitions.load()
        if not partitions:
            raise DatasetError(f"No partition under '{self._path}'.")
        logger.info("Reading %d partitions of %s.", len(partitions), self._path)
        return pd.concat(
            [partitions[name]() for name in sorted(partitions)], ignore_index=True
        )

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return self._partitions.exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path}

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows of the first partition, for kedro-viz."""
        partitions = self._partitions.load()
        first = partitions[min(partitions)]()
        return TablePreview(first.head(nrows).to_dict(orient="split"))


class ItemsWithVectorsDataset(AbstractDataset[None, pd.DataFrame]):
    """An item table and a matrix of item vectors (row ``i`` = item id ``i``, as
    Globo's ``articles_embeddings.pickle``), joined: the table gains columns
    ``v0``, ``v1``... ::

        articles:
          type: ia_portfolio.pipelines.recommendation.datasets.ItemsWithVectorsDataset
          items: {type: pandas.CSVDataset, filepath: .../articles_metadata.csv}
          vectors: {type: pickle.PickleDataset, filepath: .../articles_embeddings.pickle}
          id_column: article_id
    """

    def __init__(
        self,
        *,
        items: dict[str, Any],
        vectors: dict[str, Any],
        id_column: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._configs = {"items": items, "vectors": vectors}
        self._items = AbstractDataset.from_config("items", items)
        self._vectors = AbstractDataset.from_config("vectors", vectors)
        self._id_column = id_column
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        items = self._items.load()
        vectors = np.asarray(self._vectors.load(), dtype="float32")
        ids = items[self._id_column].to_numpy()
        if len(vectors) <= ids.max() or ids.min() < 0:
            raise DatasetError(
                f"The vectors have {len(vectors)} rows: item ids must be row "
                f"numbers, got ids from {ids.min()} to {ids.max()}."
            )
        columns = [f"{VECTOR_PREFIX}{i}" for i in range(vectors.shape[1])]
        return pd.concat(
            [items.reset_index(drop=True), pd.DataFrame(vectors[ids], columns=columns)],
            axis=1,
        )

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return self._items.exists() and self._vectors.exists()

    def _describe(self) -> dict[str, Any]:
        return {**self._configs, "id_column": self._id_column}

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows of the item table (without the vectors), for kedro-viz."""
        return TablePreview(self._items.load().head(nrows).to_dict(orient="split"))
