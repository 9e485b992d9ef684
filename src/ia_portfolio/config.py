"""Configuration loading shared by every pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from omegaconf import OmegaConf

PROJECT_ROOT_RESOLVER = "project_root"


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` with a ``${project_root:}`` resolver.

    The root is the parent of the configuration folder being loaded, so paths such
    as MLflow's sqlite store stay absolute and correct whatever the working
    directory (Airflow workers, the API, notebooks, test copies).
    """

    def __init__(self, conf_source: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(conf_source, *args, **kwargs)
        self._project_root = Path(conf_source).resolve().parent.as_posix()

    def __getitem__(self, key: str) -> Any:
        # OmegaConf resolvers are process-global and Kedro registers a name only
        # once, so bind the resolver to this loader's root for each resolution.
        OmegaConf.register_new_resolver(
            PROJECT_ROOT_RESOLVER, lambda: self._project_root, replace=True
        )
        return super().__getitem__(key)
