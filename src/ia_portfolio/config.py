"""Configuration loading shared by every pipeline."""

from __future__ import annotations

import re
from copy import deepcopy
from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from omegaconf import OmegaConf

PROJECT_ROOT_RESOLVER = "project_root"
ENV_SUFFIX_RESOLVER = "env_suffix"
# Environments whose outputs are the project's defaults: no suffix.
DEFAULT_ENVS = frozenset({"", "base", "local"})
CONFIG_FILE_SUFFIXES = (".yml", ".yaml", ".json")
# The folders a run writes under the data root (``${globals:data_root}``), one per
# Kedro data layer: every output of a pipeline lands in ``<layer>/<pipeline>/``.
OUTPUT_LAYERS = (
    "02_intermediate",
    "03_primary",
    "04_feature",
    "05_model_input",
    "06_models",
    "07_model_output",
    "08_reporting",
)
_RUNTIME_PARAMS_REFERENCE = re.compile(r"\$\{\s*runtime_params:\s*([^,}\s]+)")


def env_suffix(env: str | None, separator: str) -> str:
    """``""`` for the default environments, ``<separator><env>`` for any other, so
    that paths and registry names of ``--env X`` never collide with the default's."""
    return "" if (env or "") in DEFAULT_ENVS else f"{separator}{env}"


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` with ``${project_root:}`` and ``${env_suffix:<sep>}``
    resolvers, and schemas that survive environment overrides.

    The root is the parent of the configuration folder being loaded, so paths such
    as MLflow's sqlite store stay absolute and correct whatever the working
    directory (Airflow workers, the API, notebooks, test copies). The suffix is
    empty for the default run environment and ``<sep><env>`` for any other one
    (``conf/base/globals.yml`` scopes the data root and registry names with it).

    A catalog entry declared in an environment replaces the base entry whole. When
    the base entry declares ``metadata.schema`` and the environment's entry of the
    same name declares none, the base schema is kept, so pointing a dataset at
    another file still checks that file. An environment that reads another layout
    declares its own ``schema`` (``schema: null`` turns the check off).
    """

    def __init__(self, conf_source: str, *args: Any, **kwargs: Any) -> None:
        # Set before the parent constructor, which already resolves globals.yml.
        self._project_root = Path(conf_source).resolve().parent.as_posix()
        super().__init__(conf_source, *args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        # OmegaConf resolvers are process-global and Kedro registers a name only
        # once, so bind the resolver to this loader's root for each resolution.
        OmegaConf.register_new_resolver(
            PROJECT_ROOT_RESOLVER, lambda: self._project_root, replace=True
        )
        OmegaConf.register_new_resolver(
            ENV_SUFFIX_RESOLVER,
            lambda separator: env_suffix(self.run_env, separator),
            replace=True,
        )
        set_explicitly = key in self
        config = super().__getitem__(key)
        if key == "catalog" and not set_explicitly and self.run_env != self.base_env:
            config = self._with_base_schemas(config)
        return config

    @property
    def run_env(self) -> str:
        """The environment read on top of the base one."""
        return self.env or self.default_run_env

    def configured_parameters(self) -> dict[str, Any]:
        """The parameters as the configuration files set them, before ``--params``."""
        runtime_params, self.runtime_params = self.runtime_params, {}
        try:
            return self["parameters"]
        finally:
            self.runtime_params = runtime_params

    def runtime_params_references(self) -> set[str]:
        """Keys the configuration reads through ``${runtime_params:<key>}``."""
        references: set[str] = set()
        for env in dict.fromkeys((self.base_env, self.run_env)):
            folder = Path(self.conf_source) / env
            if not folder.is_dir():
                continue
            for path in folder.rglob("*"):
                if path.suffix in CONFIG_FILE_SUFFIXES and path.is_file():
                    references.update(
                        _RUNTIME_PARAMS_REFERENCE.findall(path.read_text("utf-8"))
                    )
        return references

    def _catalog_of(self, env: str) -> dict[str, Any]:
        return self.load_and_merge_dir_config(
            str(Path(self.conf_source) / env),
            self.config_patterns["catalog"],
            "catalog",
            set(),
        )

    def _with_base_schemas(self, catalog: dict[str, Any]) -> dict[str, Any]:
        """``catalog`` where each entry of the run environment that declares no
        schema gets the schema of the base entry of the same name."""
        base = self._catalog_of(self.base_env)
        catalog = dict(catalog)
        for name, entry in self._catalog_of(self.run_env).items():
            base_metadata = (base.get(name) or {}).get("metadata") or {}
            metadata = entry.get("metadata") or {}
            if base_metadata.get("schema") is None or "schema" in metadata:
                continue
            merged = dict(catalog[name])
            merged["metadata"] = {
                **(merged.get("metadata") or {}),
                "schema": deepcopy(base_metadata["schema"]),
            }
            catalog[name] = merged
        return catalog
