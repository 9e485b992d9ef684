"""Scene folders as Kedro datasets: real Cityscapes, or generated street scenes
written once in the same layout. Both load as the same index of pairs."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from ia_portfolio.generators.street_scenes import generate_scene
from ia_portfolio.pipelines.scene_segmentation.scenes import index_pairs, write_pair

logger = logging.getLogger(__name__)

MANIFEST = "generator.json"
GENERATOR_VERSION = 1


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


class GeneratedStreetScenesDataset(CityscapesFolderDataset):
    """Street scenes from ``ia_portfolio.generators.street_scenes``, written on
    first load as Cityscapes-named PNG pairs (``city`` = ``generated``), one folder
    per split with ``scenes[split]`` scenes, then loaded as an index like
    Cityscapes. The folder is rewritten whenever the configuration differs from
    the one recorded in its ``generator.json``; scene ``i`` of split ``k`` is
    drawn from ``default_rng([seed, k, i])``, the data's own seed (the scenes
    play the part of a raw dataset).

    Example::

        scene_segmentation.raw_scenes:
          type: ia_portfolio.pipelines.scene_segmentation.datasets.GeneratedStreetScenesDataset
          path: data/01_raw/scene_segmentation/generated
          scenes: {train: 360, val: 80, test: 120}
          height: 128
          width: 256
          seed: 0
    """

    def __init__(
        self,
        *,
        path: str,
        scenes: dict[str, int],
        height: int = 128,
        width: int = 256,
        seed: int = 0,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(path=path, metadata=metadata)
        self._config = {
            "generator": "ia_portfolio.generators.street_scenes",
            "version": GENERATOR_VERSION,
            "scenes": {str(k): int(v) for k, v in scenes.items()},
            "height": int(height),
            "width": int(width),
            "seed": int(seed),
        }

    def load(self) -> pd.DataFrame:
        manifest = self._path / MANIFEST
        if not manifest.is_file() or json.loads(manifest.read_text()) != self._config:
            self._generate()
        return super().load()

    def _generate(self) -> None:
        if self._path.exists():
            shutil.rmtree(self._path)
        config = self._config
        for split_index, (folder, count) in enumerate(config["scenes"].items()):
            for i in range(count):
                rng = np.random.default_rng([config["seed"], split_index, i])
                scene = generate_scene(rng, config["height"], config["width"])
                name = f"generated_{split_index:06d}_{i:06d}"
                write_pair(
                    self._path, folder, "generated", name, scene.image, scene.label_ids
                )
        (self._path / MANIFEST).write_text(json.dumps(self._config, indent=2))
        logger.info(
            "Generated %s street scenes under %s.", config["scenes"], self._path
        )

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), **self._config}
