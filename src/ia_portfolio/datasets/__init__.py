"""Custom Kedro datasets: real data shipped inside packages, seeded generators and
relational exports joined into one table."""

from ia_portfolio.datasets.generated import GeneratedDataset
from ia_portfolio.datasets.joined import JoinedTablesDataset
from ia_portfolio.datasets.packaged import PackagedFileDataset, RDatasetsDataset
from ia_portfolio.datasets.reports import MarkdownDataset

__all__ = [
    "GeneratedDataset",
    "JoinedTablesDataset",
    "MarkdownDataset",
    "PackagedFileDataset",
    "RDatasetsDataset",
]
