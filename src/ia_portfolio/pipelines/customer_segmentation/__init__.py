"""E-commerce customer segmentation (P05): RFM and behavioural features,
clustering models compared, named segments with actions, and how often to re-fit."""

from ia_portfolio.pipelines.customer_segmentation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
