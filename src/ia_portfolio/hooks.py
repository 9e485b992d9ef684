"""Project hooks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from difflib import get_close_matches
from typing import Any

from kedro.framework.hooks import hook_impl

from ia_portfolio.config import ProjectConfigLoader
from ia_portfolio.pipeline_registry import pipeline_names
from ia_portfolio.validation import validate_dataframe

logger = logging.getLogger(__name__)


class SchemaValidationHooks:
    """Validate every dataset that declares ``metadata.schema`` when it is loaded.

    The check runs before the first node that reads the dataset, so a bad raw file
    stops the run before any output is written. ``schema: null`` turns the check off
    (an environment's entry otherwise inherits the base entry's schema, see
    ``ProjectConfigLoader``).
    """

    def __init__(self) -> None:
        self._catalog: Any = None

    @hook_impl
    def after_catalog_created(self, catalog: Any) -> None:
        # Schemas are read from a dataset once it is loaded: going through every
        # dataset here would import every pipeline's dataset classes.
        self._catalog = catalog

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str, data: Any) -> None:
        dataset = self._catalog.get(dataset_name) if self._catalog else None
        spec = (getattr(dataset, "metadata", None) or {}).get("schema")
        if spec is not None:
            validate_dataframe(data, spec, dataset_name)
            logger.info("Dataset '%s' matches its schema.", dataset_name)


class RuntimeParameterError(ValueError):
    """Raised when a ``--params`` value names no parameter or has the wrong type."""


# Mappings whose keys are names chosen by the user (models, hyperparameters).
FREE_FORM_KEYS = frozenset({"candidates", "search_space"})


# bool before number: a bool is an int to Python, not to a user.
_KINDS = (
    (bool, "a boolean (true or false)"),
    (int | float, "a number"),
    (str, "a text"),
    (list | tuple, "a list"),
    (dict, "a mapping"),
)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return next(
        (name for types, name in _KINDS if isinstance(value, types)),
        f"a {type(value).__name__}",
    )


def _leaves(
    params: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(key path, value)`` of every value of nested ``params`` that is not a
    non-empty mapping."""
    for key, value in params.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield path, value


def _type_problem(key: str, configured: Any, value: Any) -> str | None:
    expected, got = _kind(configured), _kind(value)
    scalar = not isinstance(value, list | tuple | dict)
    if None in (configured, value) or expected == got:
        return None
    if expected == "a text" and scalar:
        return None  # labels and names may look like numbers or booleans
    return (
        f"'{key}' must be {expected} like its configured value {configured!r}, "
        f"got {value!r} ({got})"
    )


def _unknown_key_problem(path: tuple[str, ...], valid: list[str]) -> str:
    close = get_close_matches(path[-1], valid, n=3)
    choices = [".".join((*path[:-1], name)) for name in close or sorted(valid)]
    hint = "did you mean" if close else "valid keys"
    return f"unknown parameter '{'.'.join(path)}' ({hint}: {', '.join(choices)})"


def _problem(
    path: tuple[str, ...], value: Any, configured: dict[str, Any]
) -> str | None:
    """What is wrong with setting the parameter at ``path`` to ``value``, if anything."""
    node: Any = configured
    for depth, key in enumerate(path):
        if node is None:
            return None  # a null value may become anything, a mapping included
        if not isinstance(node, dict):
            return _type_problem(".".join(path[:depth]), node, {key: value})
        if key not in node:
            free_form = not node or (depth > 0 and path[depth - 1] in FREE_FORM_KEYS)
            return (
                None if free_form else _unknown_key_problem(path[: depth + 1], [*node])
            )
        node = node[key]
    return _type_problem(".".join(path), node, value)


def runtime_param_problems(
    runtime: dict[str, Any],
    configured: dict[str, Any],
    pipelines: list[str],
    referenced: set[str],
) -> list[str]:
    """What is wrong with the runtime parameters under a pipeline's name (see
    ``RuntimeParamsHooks`` for the rules)."""
    problems = []
    for path, value in _leaves(runtime):
        dotted = ".".join(path)
        if path[0] not in pipelines or any(
            dotted == key or dotted.startswith(f"{key}.") for key in referenced
        ):
            continue
        problem = _problem(path, value, configured)
        if problem:
            problems.append(problem)
    return problems


class RuntimeParamsHooks:
    """Check ``--params`` against the configured parameters before anything runs.

    A runtime parameter whose first key is a pipeline's name (``scoring.x.y=...``)
    must name a configured parameter, and its value must have the configured type,
    otherwise the run stops before any node with one error listing every problem
    (closest valid keys of an unknown one; key, expected type and value of a
    wrong-typed one). Rules:

    - Types: a number (int or float: Kedro parses ``=5`` as int, ``=0.5`` as
      float) where a number is configured, ``true``/``false`` where a boolean is,
      a list where a list is, a mapping where a mapping is; any single value where
      a text is (labels such as ``positive_label=1`` may look like numbers).
      ``null`` is accepted anywhere and a configured ``null`` accepts anything.
    - New keys are accepted only in mappings meant to be filled by the user: an
      empty mapping (``label_aliases: {}``) and the mappings under ``candidates``
      and ``search_space`` (a new model or hyperparameter), with anything below.
    - A key that the configuration reads through ``${runtime_params:<key>}``
      (e.g. ``public_health.n_rows`` in the catalog) is accepted as is.
    - Keys whose first part is not a pipeline's name are not checked.
    """

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        loader = context.config_loader
        if not isinstance(loader, ProjectConfigLoader) or not loader.runtime_params:
            return
        problems = runtime_param_problems(
            loader.runtime_params,
            loader.configured_parameters(),
            pipeline_names(),
            loader.runtime_params_references(),
        )
        if problems:
            raise RuntimeParameterError(
                "Invalid runtime parameters (--params): " + "; ".join(problems) + "."
            )
