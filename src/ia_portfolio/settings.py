"""Project settings."""

# First: silences the warnings every command printed (before their imports run).
from ia_portfolio import known_warnings  # noqa: F401
from ia_portfolio.config import ProjectConfigLoader
from ia_portfolio.hooks import RuntimeParamsHooks, SchemaValidationHooks
from ia_portfolio.promotion import ModelPromotionHooks
from ia_portfolio.run_safety import OutputBackupHooks, StopSignalHooks
from ia_portfolio.run_summary import RunSummaryHooks
from ia_portfolio.tracking import ProjectMlflowHook

HOOKS = (
    # First, so its after_pipeline_run is called last: the run's closing lines.
    RunSummaryHooks(),
    RuntimeParamsHooks(),
    SchemaValidationHooks(),
    ModelPromotionHooks(),
    OutputBackupHooks(),
    StopSignalHooks(),
    # Last, so it is called where kedro-mlflow's own plugin hook was (pluggy calls
    # the latest registered first): the run opens before and closes before ours.
    ProjectMlflowHook(),
)
# Replaced by ProjectMlflowHook: one MLflow run per pipeline, parameters in batches.
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
