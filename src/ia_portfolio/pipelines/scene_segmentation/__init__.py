"""The ``scene_segmentation`` pipeline: a numeric value of a table
summarised and drawn per group, in a report."""

from ia_portfolio.pipelines.scene_segmentation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
