"""Custom Kedro datasets: real data shipped inside packages and seeded generators."""

from ia_portfolio.datasets.generated import GeneratedDataset
from ia_portfolio.datasets.packaged import PackagedFileDataset, RDatasetsDataset
from ia_portfolio.datasets.reports import MarkdownDataset

__all__ = [
    "GeneratedDataset",
    "MarkdownDataset",
    "PackagedFileDataset",
    "RDatasetsDataset",
]
