"""Seeded generators of data that has the original datasets' schema and defects."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview


def import_callable(path: str) -> Callable[..., pd.DataFrame]:
    module_name, _, attribute = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise DatasetError(f"Cannot import generator '{path}': {error}") from error


class GeneratedDataset(AbstractDataset[None, pd.DataFrame]):
    """A table made by a seeded generator function: same config, same rows.

    The generator is any function ``f(n_rows: int, seed: int, **kwargs) -> DataFrame``.
    Example catalog entry::

        applications:
          type: ia_portfolio.datasets.GeneratedDataset
          generator: ia_portfolio.generators.home_credit.generate_applications
          n_rows: 307511
          seed: 0
    """

    def __init__(
        self,
        *,
        generator: str,
        n_rows: int,
        seed: int = 0,
        generator_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._generator_path = generator
        self._n_rows = int(n_rows)
        self._seed = int(seed)
        self._generator_args = generator_args or {}
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        generate = import_callable(self._generator_path)
        return generate(self._n_rows, self._seed, **self._generator_args)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: it generates data.")

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {
            "generator": self._generator_path,
            "n_rows": self._n_rows,
            "seed": self._seed,
        }

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows of a small sample made with the same seed, for kedro-viz."""
        generate = import_callable(self._generator_path)
        sample = generate(min(nrows, self._n_rows), self._seed, **self._generator_args)
        return TablePreview(sample.head(nrows).to_dict(orient="split"))
