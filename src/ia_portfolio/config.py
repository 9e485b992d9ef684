"""Configuration loading shared by every pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` with a ``${project_root:}`` resolver.

    The root is the parent of the configuration folder of the session being loaded,
    so paths such as MLflow's sqlite store stay absolute and correct whatever the
    working directory (Airflow workers, the API, notebooks, test copies).
    """

    def __init__(
        self,
        conf_source: str,
        *args: Any,
        custom_resolvers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        root = Path(conf_source).resolve().parent.as_posix()
        resolvers = {"project_root": lambda: root, **(custom_resolvers or {})}
        super().__init__(conf_source, *args, custom_resolvers=resolvers, **kwargs)
