"""``text_analytics`` (P01): pretrained language models behind one provider
interface — offline models from packages, or the Azure AI Language REST API."""

from ia_portfolio.pipelines.text_analytics.pipeline import create_pipeline

__all__ = ["create_pipeline"]
