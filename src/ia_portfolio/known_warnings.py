"""Warnings (and a progress bar) every `kedro` command or run printed, none of them
about this project, silenced in this one place with the reason for each. Imported
first by ``settings.py``, which every Kedro entry point loads (the CLI, sessions,
notebooks, the API)."""

import logging
import os
import sys
import warnings

# omegaconf 2.4 deprecates an API that Kedro and kedro-mlflow call on every config
# load.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")

# `kedro run --pipeline=<name>` is the spelling these docs use; Kedro 1.x still
# accepts it (same meaning as `--pipelines`) and is pinned to 1.7 here.
warnings.filterwarnings("ignore", message=r"Option '--pipeline' is deprecated")

# MLflow advises type hints on a PythonModel's `predict` when the class is defined,
# here kedro-mlflow's KedroPipelineModel at import. It raises the advice under its
# own `simplefilter("once")`, which overrides any filter, so the import happens
# here with the warning recorded and dropped. This project logs every model with
# an explicit signature and input example instead (promotion.ModelRelease).
with warnings.catch_warnings(record=True):
    import kedro_mlflow.mlflow  # noqa: F401


class _DropMessage(logging.Filter):
    """Drop the records of one logger whose message starts with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


# MLflow warns, at every model it logs from a Python object, that unpickling runs
# code. Every served model here is logged from a Python object on purpose
# (promotion.ModelRelease) and loaded only from this project's own registry.
logging.getLogger("mlflow.pyfunc").addFilter(
    _DropMessage("Passing a Python object as `python_model`")
)

# MLflow draws a tqdm bar when it downloads artifacts (every model registration
# validates its input example that way); in a log file or an Airflow task log the
# bar's redraws pile up into one long line. Kept for an interactive terminal.
if not sys.stderr.isatty():
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


class _SequentialRunNotNonSequential(logging.Filter):
    """Drop kedro-viz's warning that workflow tracking is off for a non-sequential
    runner when the Kedro session's runner is in fact ``SequentialRunner``.

    A session run that names no runner (``session.run()`` in a notebook after
    ``%load_ext kedro.ipython``, the Python API) is recorded by Kedro with the
    runner ``"None"`` (a string) and then runs ``SequentialRunner``; kedro-viz
    12.5 takes only ``None`` for "no runner", so it warns on every such run. The
    warning stays for a real ``ThreadRunner`` or ``ParallelRunner``."""

    prefix = "Workflow tracking is disabled for non-sequential runners"

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.prefix):
            return True
        # Imported here: this module is loaded before Kedro's session and runners.
        from kedro.framework.session import KedroSession  # noqa: PLC0415
        from kedro.runner import SequentialRunner  # noqa: PLC0415

        frame = sys._getframe()
        while frame is not None:  # the session's `run`, up the stack of the hook
            if frame.f_code is KedroSession.run.__code__:
                runner = frame.f_locals.get("runner")
                return not isinstance(runner, SequentialRunner)
            frame = frame.f_back
        return True


_viz_run_hooks = logging.getLogger("kedro_viz.integrations.kedro.run_hooks")
# Once, though `%reload_kedro` imports this module again.
if not any(
    type(f).__name__ == "_SequentialRunNotNonSequential" for f in _viz_run_hooks.filters
):
    _viz_run_hooks.addFilter(_SequentialRunNotNonSequential())
