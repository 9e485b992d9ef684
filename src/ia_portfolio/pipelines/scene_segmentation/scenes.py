"""Image and mask pairs on disk, named and laid out as Cityscapes names them:
``leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png`` and
``gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png``. The same
reader serves generated scenes and the real dataset, resized on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ia_portfolio.pipelines.scene_segmentation.categories import categories_of

IMAGE_SUFFIX = "_leftImg8bit.png"
LABEL_SUFFIX = "_gtFine_labelIds.png"
INDEX_COLUMNS = ["folder", "city", "scene", "image_path", "label_path"]


def index_pairs(root: Path) -> pd.DataFrame:
    """Every image under ``root/leftImg8bit`` that has its label ids under
    ``root/gtFine``: one row per scene, sorted, with absolute paths."""
    rows = []
    for image in sorted((root / "leftImg8bit").glob(f"*/*/*{IMAGE_SUFFIX}")):
        folder, city = image.parent.parent.name, image.parent.name
        scene = image.name.removesuffix(IMAGE_SUFFIX)
        label = root / "gtFine" / folder / city / f"{scene}{LABEL_SUFFIX}"
        if label.is_file():
            rows.append(
                [folder, city, scene, str(image.resolve()), str(label.resolve())]
            )
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def write_pair(
    root: Path,
    folder: str,
    city: str,
    scene: str,
    image: np.ndarray,
    label_ids: np.ndarray,
) -> None:
    """Save one image and its label ids under ``root`` the Cityscapes way."""
    for kind, suffix, array in (
        ("leftImg8bit", IMAGE_SUFFIX, image),
        ("gtFine", LABEL_SUFFIX, label_ids),
    ):
        target = root / kind / folder / city / f"{scene}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(target, optimize=False, compress_level=1)


def read_image(path: str | Path, height: int, width: int) -> np.ndarray:
    """An RGB image as uint8, resized (bilinear) to ``height`` x ``width``."""
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(image, np.uint8)


def read_categories(path: str | Path, height: int, width: int) -> np.ndarray:
    """The category (0-7) of every pixel of a label-id mask, resized with the
    nearest neighbour so that no label is invented at the borders."""
    with Image.open(path) as opened:
        labels = opened.convert("L") if opened.mode not in ("L", "P") else opened.copy()
    if labels.size != (width, height):
        labels = labels.resize((width, height), Image.Resampling.NEAREST)
    return categories_of(np.asarray(labels, np.uint8))


def read_pair(
    image_path: str, label_path: str, height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """The image (uint8 RGB) and its categories at ``height`` x ``width``."""
    return read_image(image_path, height, width), read_categories(
        label_path, height, width
    )


def read_split(
    table: pd.DataFrame, height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """All images and category masks of ``table`` (rows of a split) in memory."""
    pairs = [
        read_pair(i, m, height, width)
        for i, m in zip(table["image_path"], table["label_path"], strict=True)
    ]
    if not pairs:
        return np.zeros((0, height, width, 3), np.uint8), np.zeros(
            (0, height, width), np.uint8
        )
    images, masks = zip(*pairs, strict=True)
    return np.stack(images), np.stack(masks)
