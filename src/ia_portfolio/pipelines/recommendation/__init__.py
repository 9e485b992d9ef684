"""The ``recommendation`` pipeline: five items for every reader, from popularity,
content vectors, collaborative filtering and a hybrid, measured by ranking
quality on a later period.

``create_pipeline`` is imported on first use, so that loading the served model
(``serving_model``, ``models``) needs neither Kedro nor the training stack.
"""

from typing import Any

__all__ = ["create_pipeline"]


def __getattr__(name: str) -> Any:
    if name == "create_pipeline":
        from ia_portfolio.pipelines.recommendation.pipeline import (  # noqa: PLC0415
            create_pipeline,
        )

        return create_pipeline
    raise AttributeError(name)
