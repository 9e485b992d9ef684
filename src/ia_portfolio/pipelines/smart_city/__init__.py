"""Paris street trees (P02): per-column statistics, outliers with the rule that
flagged them, a cleaned inventory and a maintenance view."""

from ia_portfolio.pipelines.smart_city.pipeline import create_pipeline

__all__ = ["create_pipeline"]
