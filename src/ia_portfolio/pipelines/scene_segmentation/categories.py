"""The 8 Cityscapes categories, their colours, and the map from the 34 label ids.

Rows of ``cityscapesScripts/helpers/labels.py`` grouped by category: void 0-6,
flat 7-10, construction 11-16, object 17-20, nature 21-22, sky 23, human 24-25,
vehicle 26-33 and -1 (the licence plate, 255 once stored as an unsigned byte).
Each category is drawn in the colour Cityscapes gives its main label (road,
building, pole, vegetation, sky, person, car; void black).
"""

from __future__ import annotations

import numpy as np

CATEGORIES = (
    "void",
    "flat",
    "construction",
    "object",
    "nature",
    "sky",
    "human",
    "vehicle",
)
COLOURS = (
    (0, 0, 0),
    (128, 64, 128),
    (70, 70, 70),
    (153, 153, 153),
    (107, 142, 35),
    (70, 130, 180),
    (220, 20, 60),
    (0, 0, 142),
)
VOID = 0
LABEL_ID_RANGES = {
    "void": range(0, 7),
    "flat": range(7, 11),
    "construction": range(11, 17),
    "object": range(17, 21),
    "nature": range(21, 23),
    "sky": range(23, 24),
    "human": range(24, 26),
    "vehicle": range(26, 34),
}
LICENCE_PLATE = 255  # label id -1 as an unsigned byte


def _label_id_table() -> np.ndarray:
    table = np.full(256, VOID, np.uint8)
    for index, name in enumerate(CATEGORIES):
        table[list(LABEL_ID_RANGES[name])] = index
    table[LICENCE_PLATE] = CATEGORIES.index("vehicle")
    return table


CATEGORY_OF_LABEL_ID = _label_id_table()
COLOUR_TABLE = np.array(COLOURS, np.uint8)


def categories_of(label_ids: np.ndarray) -> np.ndarray:
    """The category index (0-7) of each Cityscapes label id; unknown ids are void."""
    return CATEGORY_OF_LABEL_ID[np.asarray(label_ids, np.uint8)]


def colourise(categories: np.ndarray) -> np.ndarray:
    """An RGB image with each pixel in its category's colour."""
    return COLOUR_TABLE[np.asarray(categories, np.intp)]


def legend() -> list[dict[str, object]]:
    """Name and colour of each category, in index order."""
    return [
        {"index": i, "category": name, "colour": "#{:02x}{:02x}{:02x}".format(*rgb)}
        for i, (name, rgb) in enumerate(zip(CATEGORIES, COLOURS, strict=True))
    ]
