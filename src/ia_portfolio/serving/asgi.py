"""ASGI entry point: ``uvicorn ia_portfolio.serving.asgi:app``."""

from ia_portfolio.serving.app import create_app

app = create_app()
