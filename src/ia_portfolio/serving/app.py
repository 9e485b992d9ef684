"""FastAPI application factory."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from ia_portfolio import __version__
from ia_portfolio.serving.catalog import CatalogArtifacts
from ia_portfolio.serving.scoring import scoring_router
from ia_portfolio.serving.sentiment import sentiment_router

PROJECT_PATH_ENV = "IA_PORTFOLIO_PROJECT_PATH"
KEDRO_ENV_ENV = "IA_PORTFOLIO_KEDRO_ENV"
SENTIMENT_MODEL_URI_ENV = "IA_PORTFOLIO_SENTIMENT_MODEL_URI"


def default_project_path() -> Path:
    """The project root: ``$IA_PORTFOLIO_PROJECT_PATH`` or the source checkout."""
    configured = os.environ.get(PROJECT_PATH_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[3]


def create_app(project_path: Path | None = None, env: str | None = None) -> FastAPI:
    """The API with every served pipeline's routes and ``/health``."""
    artifacts = CatalogArtifacts(
        project_path or default_project_path(), env or os.environ.get(KEDRO_ENV_ENV)
    )
    app = FastAPI(
        title="ia_portfolio API",
        version=__version__,
        description="Models trained by the ia_portfolio Kedro pipelines.",
    )

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    app.include_router(scoring_router(artifacts))
    app.include_router(
        sentiment_router(
            artifacts.mlflow_client, os.environ.get(SENTIMENT_MODEL_URI_ENV)
        )
    )
    return app
