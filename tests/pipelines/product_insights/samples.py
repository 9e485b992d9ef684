"""Tiny hand-made inputs for ``product_insights`` tests: reviews about two clear
subjects in two corpora, and grey images of three drawn shapes."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd

SHAPES = ("ring", "bar", "cross")

FOOD = [
    "The coffee tasted bitter and stale, the coffee beans were old and burnt.",
    "Bitter coffee, stale beans, the roast was burnt and the coffee smelled old.",
    "The package arrived damaged, the box was crushed and shipping took weeks.",
    "Shipping was slow and the box arrived crushed, the package was damaged.",
]
DRUGS = [
    "This medication gave me terrible headaches and nausea for weeks.",
    "Terrible side effects: nausea, headaches and dizziness every day.",
    "The pill caused weight gain and mood swings, my doctor switched it.",
]


def raw_reviews(copies: int = 8) -> pd.DataFrame:
    """Canonical reviews: each text repeated with a numbered variation, unhappy
    except for a few happy ones that must be left out."""
    rows = []
    for corpus, texts, unhappy_grade in (
        ("fine_food", FOOD, "other"),
        ("drugs_com", DRUGS, "negative"),
    ):
        for copy in range(copies):
            for i, text in enumerate(texts):
                rows.append(
                    {
                        "corpus": corpus,
                        "review_id": f"{corpus}-{copy}-{i}",
                        "text": f"&quot;{text} ({copy + 1})&quot;",
                        "rating": unhappy_grade,
                        "unhappy": True,
                    }
                )
        rows.append(
            {
                "corpus": corpus,
                "review_id": f"{corpus}-happy",
                "text": "Wonderful, I love it, best purchase ever made by anyone.",
                "rating": "great",
                "unhappy": False,
            }
        )
    return pd.DataFrame(rows)


def shape_image(shape: str, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """One noisy grey image of ``shape`` at a random small offset."""
    image = np.zeros((size, size), dtype=np.uint8)
    dx, dy = rng.integers(-2, 3, size=2)
    centre = (size // 2 + int(dx), size // 2 + int(dy))
    if shape == "ring":
        cv2.circle(image, centre, 8, 220, 3)
    elif shape == "bar":
        cv2.rectangle(image, (centre[0] - 3, 4), (centre[0] + 3, size - 5), 220, -1)
    else:
        cv2.line(image, (5, 5), (size - 6, size - 6), 220, 3)
        cv2.line(image, (5, size - 6), (size - 6, 5), 220, 3)
    noise = rng.normal(0, 12, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def raw_images(per_shape: int = 30, seed: int = 0) -> pd.DataFrame:
    """Canonical photos: ``per_shape`` images of each shape, labelled."""
    rng = np.random.default_rng(seed)
    rows = [
        {"image_id": f"{shape}-{i}", "label": shape, "image": shape_image(shape, rng)}
        for shape in SHAPES
        for i in range(per_shape)
    ]
    return pd.DataFrame(rows)
