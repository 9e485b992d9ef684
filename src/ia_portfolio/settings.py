"""Project settings."""

import warnings

from ia_portfolio.config import ProjectConfigLoader
from ia_portfolio.hooks import RuntimeParamsHooks, SchemaValidationHooks
from ia_portfolio.promotion import ModelPromotionHooks
from ia_portfolio.run_safety import OutputBackupHooks, StopSignalHooks
from ia_portfolio.tracking import BatchedParamsMlflowHook

# omegaconf 2.4 deprecates an API that Kedro and kedro-mlflow still call on every
# config load; the warning says nothing about this project.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")

HOOKS = (
    RuntimeParamsHooks(),
    SchemaValidationHooks(),
    ModelPromotionHooks(),
    OutputBackupHooks(),
    StopSignalHooks(),
    # Last, so it is called where kedro-mlflow's own plugin hook was (pluggy calls
    # the latest registered first): the run opens before and closes before ours.
    BatchedParamsMlflowHook(),
)
# Replaced by BatchedParamsMlflowHook, which logs parameters in batches.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)

CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment overrides only the parameters it sets (e.g. the target column);
    # a catalog entry it declares replaces the base entry whole.
    "merge_strategy": {"parameters": "soft"},
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**"]},
}
