"""Project pipelines."""

from __future__ import annotations

from difflib import get_close_matches
from importlib.resources import files

from kedro.framework.project import find_pipelines
from kedro.framework.project import pipelines as project_pipelines
from kedro.pipeline import Pipeline

DEFAULT_PIPELINE = "__default__"
# Pipelines that measure the others' finished runs: a full run would place them at
# any point among the pipelines they measure, so they run afterwards, by name.
MEASURING_PIPELINES = ("scoping",)


class UnknownPipelineError(ValueError):
    """Raised when a run asks for a pipeline the project does not have."""


def pipeline_names() -> list[str]:
    """Names of the pipelines under ``pipelines/``, found without importing them."""
    return sorted(
        folder.name
        for folder in files(f"{__package__}.pipelines").iterdir()
        if folder.is_dir() and not folder.name.startswith(("_", "."))
    )


def check_pipeline_names(requested: list[str]) -> None:
    """Raise an error listing the valid names if a requested pipeline is unknown."""
    valid = pipeline_names()
    unknown = [name for name in requested if name not in [*valid, DEFAULT_PIPELINE]]
    if unknown:
        described = []
        for name in unknown:
            match = get_close_matches(name, valid, n=1)
            described.append(
                f"'{name}'" + (f" (did you mean '{match[0]}'?)" if match else "")
            )
        raise UnknownPipelineError(
            f"Unknown pipeline {', '.join(described)}. Valid names: {', '.join(valid)}"
            f" (or {DEFAULT_PIPELINE}: all but {', '.join(MEASURING_PIPELINES)},"
            " when no pipeline is named)."
        )


def register_pipelines() -> dict[str, Pipeline]:
    """Every pipeline under ``pipelines/`` by its name, and as default all of them
    but the measuring ones (``kedro run --pipeline=scoping`` after a full run).

    ``kedro run --pipeline=<name>`` loads only the named pipelines; an unknown name
    fails here with the list of valid names (Kedro would report a failed import).
    """
    # The names `kedro run` asked for; Kedro's own find_pipelines reads them here.
    check_pipeline_names(getattr(project_pipelines, "_requested_pipelines", None) or [])
    pipelines = find_pipelines(raise_errors=True)
    pipelines[DEFAULT_PIPELINE] = sum(
        pipeline
        for name, pipeline in pipelines.items()
        if name not in MEASURING_PIPELINES
    )
    return pipelines
