"""The ``scoping`` pipeline: what each pipeline of the project costs in compute,
memory, storage and money, from its measurements; the risk register."""

from ia_portfolio.pipelines.scoping.pipeline import create_pipeline

__all__ = ["create_pipeline"]
