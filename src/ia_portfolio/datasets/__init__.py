"""Custom Kedro datasets: real data shipped inside packages and seeded generators."""

from ia_portfolio.datasets.generated import GeneratedDataset
from ia_portfolio.datasets.packaged import RDatasetsDataset

__all__ = ["GeneratedDataset", "RDatasetsDataset"]
