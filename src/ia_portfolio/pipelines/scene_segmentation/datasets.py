"""Scene folders as Kedro datasets: real Cityscapes (loaded as an index of
pairs), or generated street scenes, drawn with the run's seed and written once in
the same layout, then indexed the same way."""

from __future__ import annotations

import dataclasses
import json
import logging
import pickle
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from ia_portfolio.generators.street_scenes import generate_scene
from ia_portfolio.pipelines.scene_segmentation.scenes import index_pairs, write_pair

logger = logging.getLogger(__name__)

MANIFEST = "generator.json"
GENERATOR_VERSION = 2


class CityscapesFolderDataset(AbstractDataset[None, pd.DataFrame]):
    """A folder in the Cityscapes layout (``leftImg8bit/`` and ``gtFine/``), loaded
    as an index: one row per scene with its split folder, city, name and the paths
    of its image and label-id mask. Read-only: the pixels are read in batches by
    the training data generator, never all at once.

    Example::

        scene_segmentation.raw_scenes:
          type: ia_portfolio.pipelines.scene_segmentation.datasets.CityscapesFolderDataset
          path: data/01_raw/cityscapes
    """

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        index = index_pairs(self._path)
        if index.empty:
            raise DatasetError(
                f"No '*_leftImg8bit.png' with a matching '*_gtFine_labelIds.png' under "
                f"{self._path} (expected leftImg8bit/<split>/<city>/ and gtFine/<split>/<city>/)."
            )
        return index

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return (self._path / "leftImg8bit").is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}


@dataclass(frozen=True)
class GeneratedScenes:
    """Street scenes to draw from ``ia_portfolio.generators.street_scenes``: where
    they go, how many per split folder, at what size. ``index(seed)`` draws them
    with the run's seed (written once per configuration as Cityscapes-named PNG
    pairs, ``city`` = ``generated``) and returns the same index as a Cityscapes
    folder."""

    path: Path
    scenes: dict[str, int]
    height: int
    width: int

    def config(self, seed: int) -> dict[str, Any]:
        """What the folder's ``generator.json`` records: a different one redraws."""
        return {
            "generator": "ia_portfolio.generators.street_scenes",
            "version": GENERATOR_VERSION,
            "scenes": {str(k): int(v) for k, v in self.scenes.items()},
            "height": int(self.height),
            "width": int(self.width),
            "seed": int(seed),
        }

    def index(self, seed: int) -> pd.DataFrame:
        """The scenes drawn from ``seed`` (scene ``i`` of split ``k`` from
        ``default_rng([seed, k, i])``), written unless the folder already holds
        them, as an index of Cityscapes pairs."""
        config = self.config(seed)
        manifest = self.path / MANIFEST
        if not manifest.is_file() or json.loads(manifest.read_text()) != config:
            self._generate(config)
        return CityscapesFolderDataset(path=str(self.path)).load()

    def _generate(self, config: dict[str, Any]) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        for split_index, (folder, count) in enumerate(config["scenes"].items()):
            for i in range(count):
                rng = np.random.default_rng([config["seed"], split_index, i])
                scene = generate_scene(rng, config["height"], config["width"])
                name = f"generated_{split_index:06d}_{i:06d}"
                write_pair(
                    self.path, folder, "generated", name, scene.image, scene.label_ids
                )
        (self.path / MANIFEST).write_text(json.dumps(config, indent=2))
        logger.info(
            "Generated %s street scenes (seed %d) under %s.",
            config["scenes"],
            config["seed"],
            self.path,
        )


class GeneratedStreetScenesDataset(AbstractDataset[None, GeneratedScenes]):
    """Generated street scenes in the Cityscapes layout, drawn with the run's seed:
    loads as :class:`GeneratedScenes`, whose ``index(seed)`` the first node calls
    with ``params:scene_segmentation.seed`` (one seed for the whole run). The
    folder is rewritten whenever the configuration (counts, size, seed) differs
    from the one recorded in its ``generator.json``.

    Example::

        scene_segmentation.raw_scenes:
          type: ia_portfolio.pipelines.scene_segmentation.datasets.GeneratedStreetScenesDataset
          path: data/01_raw/scene_segmentation/generated
          scenes: {train: 360, val: 80, test: 120}
          height: 128
          width: 256
    """

    def __init__(
        self,
        *,
        path: str,
        scenes: dict[str, int],
        height: int = 128,
        width: int = 256,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._scenes = GeneratedScenes(
            Path(path), {str(k): int(v) for k, v in scenes.items()}, height, width
        )
        self.metadata = metadata

    def load(self) -> GeneratedScenes:
        return self._scenes

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only.")

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {
            "path": str(self._scenes.path),
            "scenes": self._scenes.scenes,
            "height": self._scenes.height,
            "width": self._scenes.width,
        }


class CandidateDataset(AbstractDataset[Any, Any]):
    """A trained candidate (``nodes.Candidate``) in a folder of its own, so that a
    scheduled run trains each candidate in its own task and a retried task leaves
    the others' results alone: a Keras model as ``model.keras`` (reloaded without
    its training set-up, which evaluation does not need), and the rest (the
    per-pixel baseline's model, figures, history, trials) pickled in
    ``candidate.pkl``. A few MB per candidate.

    Example::

        scene_segmentation.{candidate}_model:
          type: ia_portfolio.pipelines.scene_segmentation.datasets.CandidateDataset
          filepath: data/06_models/scene_segmentation/{candidate}
    """

    MODEL = "model.keras"
    CANDIDATE = "candidate.pkl"

    def __init__(
        self, *, filepath: str, metadata: dict[str, Any] | None = None
    ) -> None:
        # `_filepath` and `_protocol` as in kedro-datasets: the run's output backup
        # (run_safety) finds the folder there.
        self._filepath = Path(filepath)
        self._protocol = "file"
        self.metadata = metadata

    def save(self, data: Any) -> None:
        if self._filepath.exists():
            shutil.rmtree(self._filepath)
        self._filepath.mkdir(parents=True)
        keras = sys.modules.get("keras")  # a Keras model means Keras is loaded
        if keras is not None and isinstance(data.model, keras.Model):
            data.model.save(self._filepath / self.MODEL)
            data = dataclasses.replace(data, model=None)
        with (self._filepath / self.CANDIDATE).open("wb") as file:
            pickle.dump(data, file)

    def load(self) -> Any:
        with (self._filepath / self.CANDIDATE).open("rb") as file:
            candidate = pickle.load(file)  # noqa: S301 - written by this project
        if (self._filepath / self.MODEL).is_file():
            # Sets the Keras backend before Keras loads.
            from ia_portfolio.pipelines.scene_segmentation import segmenters  # noqa: PLC0415

            candidate.model = segmenters.keras.models.load_model(
                self._filepath / self.MODEL, compile=False
            )
        return candidate

    def _exists(self) -> bool:
        return (self._filepath / self.CANDIDATE).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
