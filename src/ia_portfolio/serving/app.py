"""FastAPI application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from ia_portfolio import __version__
from ia_portfolio.serving.catalog import KEDRO_ENV_ENV, ProjectModels, find_project_path
from ia_portfolio.serving.chatbot import chatbot_router
from ia_portfolio.serving.monitoring import RequestMetrics, metrics_router
from ia_portfolio.serving.recommendation import recommendation_router
from ia_portfolio.serving.safety import install_safety
from ia_portfolio.serving.scene_segmentation import scene_segmentation_router
from ia_portfolio.serving.scoring import ScoringRoutes
from ia_portfolio.serving.sentiment import sentiment_router

SENTIMENT_MODEL_URI_ENV = "IA_PORTFOLIO_SENTIMENT_MODEL_URI"


def create_app(project_path: Path | None = None, env: str | None = None) -> FastAPI:
    """The API with every served pipeline's routes and ``/health``.

    ``project_path`` defaults to ``$IA_PORTFOLIO_PROJECT_PATH``, else the Kedro
    project containing the working directory; ``env`` to
    ``$IA_PORTFOLIO_KEDRO_ENV``: the API serves that environment's models.
    """
    models = ProjectModels(
        project_path or find_project_path(), env or os.environ.get(KEDRO_ENV_ENV)
    )
    # Swagger UI from files shipped in fastapi-offline: /docs works without
    # reaching a CDN. No ReDoc: its page still fetches a logo from redoc.ly.
    app = FastAPIOffline(
        redoc_url=None,
        title="ia_portfolio API",
        version=__version__,
        description=(
            "Models trained by the ia_portfolio Kedro pipelines. Each route serves "
            "the version its pipeline last promoted (registry alias `champion`: a "
            "model that finished a successful run and beat its naive baseline) and "
            "follows new promotions without a restart."
        ),
    )

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    scoring = ScoringRoutes(models)
    app.include_router(scoring.router)
    app.include_router(
        sentiment_router(models, os.environ.get(SENTIMENT_MODEL_URI_ENV))
    )
    app.include_router(chatbot_router(models))
    app.include_router(recommendation_router(models))
    app.include_router(scene_segmentation_router(models))
    app.include_router(metrics_router())

    def openapi() -> dict[str, Any]:
        # Request bodies follow the promoted models: never cache the document.
        app.openapi_schema = None
        document = FastAPI.openapi(app)
        scoring.document(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    install_safety(app)
    # Requests by route and status in /metrics: no access log line needed.
    app.add_middleware(RequestMetrics)
    return app
