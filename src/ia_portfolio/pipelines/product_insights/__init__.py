"""The ``product_insights`` pipeline: the topics of unhappy customers' reviews, and
photos clustered without labels from four kinds of features."""

from ia_portfolio.pipelines.product_insights.pipeline import create_pipeline

__all__ = ["create_pipeline"]
