"""Custom Kedro datasets: real data shipped inside packages, seeded generators,
relational exports joined into one table, and models in the MLflow registry."""

from ia_portfolio.datasets.generated import GeneratedDataset
from ia_portfolio.datasets.joined import JoinedTablesDataset
from ia_portfolio.datasets.packaged import PackagedFileDataset, RDatasetsDataset
from ia_portfolio.datasets.registered_model import RegisteredModelDataset
from ia_portfolio.datasets.reports import MarkdownDataset

__all__ = [
    "GeneratedDataset",
    "JoinedTablesDataset",
    "MarkdownDataset",
    "PackagedFileDataset",
    "RDatasetsDataset",
    "RegisteredModelDataset",
]
