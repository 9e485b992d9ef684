"""Project settings."""

from pathlib import Path

from kedro.config import OmegaConfigLoader

from ia_portfolio.hooks import SchemaValidationHooks

HOOKS = (SchemaValidationHooks(),)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Environments override only the keys they set (e.g. the target column).
    "merge_strategy": {"parameters": "soft", "catalog": "soft"},
    "custom_resolvers": {
        # Absolute project root, so that MLflow's sqlite store does not depend on
        # the working directory (Airflow workers, the API, notebooks).
        "project_root": lambda: Path(__file__).resolve().parents[2].as_posix(),
    },
    "config_patterns": {
        "mlflow": ["mlflow*", "mlflow*/**"],
    },
}
