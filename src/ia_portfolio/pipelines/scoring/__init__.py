"""Credit default scoring (P04): probability of default, a cost-minimising decision
and the reasons behind it."""

from ia_portfolio.pipelines.scoring.pipeline import create_pipeline

__all__ = ["create_pipeline"]
