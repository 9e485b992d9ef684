"""Project hooks."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl

from ia_portfolio.validation import validate_dataframe

logger = logging.getLogger(__name__)


class SchemaValidationHooks:
    """Validate every dataset that declares ``metadata.schema`` when it is loaded.

    The check runs before the first node that reads the dataset, so a bad raw file
    stops the run before any output is written.
    """

    def __init__(self) -> None:
        self._schemas: dict[str, dict[str, Any]] = {}

    @hook_impl
    def after_catalog_created(self, catalog: Any) -> None:
        self._schemas = {}
        for name in catalog.keys():
            metadata = getattr(catalog.get(name), "metadata", None) or {}
            if "schema" in metadata:
                self._schemas[name] = metadata["schema"]

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str, data: Any) -> None:
        spec = self._schemas.get(dataset_name)
        if spec is not None:
            validate_dataframe(data, spec, dataset_name)
            logger.info("Dataset '%s' matches its schema.", dataset_name)
