"""The project's HTTP API: one router per served pipeline, loading what training
persisted through the Kedro catalog."""

from ia_portfolio.serving.app import create_app

__all__ = ["create_app"]
