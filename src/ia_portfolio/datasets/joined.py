"""A table made by joining several datasets with a function of the project."""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from ia_portfolio.datasets.generated import import_callable
from ia_portfolio.validation import DataValidationError, validate_dataframe


class JoinedTablesDataset(AbstractDataset[None, pd.DataFrame]):
    """Loads every table, checks each against its ``metadata.schema``, then joins
    them with ``join(tables, **join_args)``.

    For sources delivered as several related files (a relational export) whose
    pipeline starts from one table. Example catalog entry::

        raw_transactions:
          type: ia_portfolio.datasets.JoinedTablesDataset
          join: ia_portfolio.pipelines.customer_segmentation.olist.join_olist_tables
          join_args: {reference_point: [-23.55, -46.63]}
          tables:
            orders:
              type: pandas.CSVDataset
              filepath: data/01_raw/olist/olist_orders_dataset.csv
              metadata:
                schema: {columns: {order_id: {kind: text}}}
    """

    def __init__(
        self,
        *,
        tables: dict[str, dict[str, Any]],
        join: str,
        join_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._join_path = join
        self._join_args = join_args or {}
        self._configs = tables
        self._tables = {
            name: AbstractDataset.from_config(
                name, {k: v for k, v in config.items() if k != "metadata"}
            )
            for name, config in tables.items()
        }
        self.metadata = metadata

    def _table_label(self, name: str) -> str:
        filepath = self._configs[name].get("filepath")
        return f"{name} ({filepath})" if filepath else name

    def load(self) -> pd.DataFrame:
        join = import_callable(self._join_path)
        frames = {}
        for name, dataset in self._tables.items():
            frame = dataset.load()
            schema = (self._configs[name].get("metadata") or {}).get("schema")
            if schema is not None:
                try:
                    validate_dataframe(frame, schema, self._table_label(name))
                except DataValidationError as error:
                    # a DatasetError reaches the user as is, without the
                    # description of every table that Kedro adds to others
                    raise DatasetError(str(error)) from error
            frames[name] = frame
        return join(frames, **self._join_args)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: it joins inputs.")

    def _exists(self) -> bool:
        return all(dataset.exists() for dataset in self._tables.values())

    def _describe(self) -> dict[str, Any]:
        return {
            "join": self._join_path,
            "tables": {name: self._table_label(name) for name in self._tables},
        }
