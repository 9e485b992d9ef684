"""``sentiment`` (P07): detect bad buzz — text in, probability of a positive
sentiment out, from a naive baseline up to a frozen MiniLM encoder."""

from ia_portfolio.pipelines.sentiment.pipeline import create_pipeline

__all__ = ["create_pipeline"]
