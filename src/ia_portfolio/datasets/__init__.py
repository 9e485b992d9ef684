"""Custom Kedro datasets: real data shipped inside packages, seeded generators,
relational exports joined into one table, models in the MLflow registry, and
report tables and markdown previewed for reading in kedro-viz."""

from ia_portfolio.datasets.generated import GeneratedDataset
from ia_portfolio.datasets.joined import JoinedTablesDataset
from ia_portfolio.datasets.packaged import PackagedFileDataset, RDatasetsDataset
from ia_portfolio.datasets.registered_model import RegisteredModelDataset
from ia_portfolio.datasets.reports import MarkdownDataset
from ia_portfolio.datasets.tables import CSVTableDataset, ParquetTableDataset

__all__ = [
    "CSVTableDataset",
    "GeneratedDataset",
    "JoinedTablesDataset",
    "MarkdownDataset",
    "PackagedFileDataset",
    "ParquetTableDataset",
    "RDatasetsDataset",
    "RegisteredModelDataset",
]
