"""The `original` environment's catalog entries read tiny hand-made Yelp files
into the canonical review and photo tables."""

from __future__ import annotations

import json

import numpy as np
import yaml
from kedro.io import AbstractDataset
from PIL import Image

from tests.support.project import PROJECT_ROOT


def _entries(raw_root: str) -> dict:
    text = (PROJECT_ROOT / "conf/original/catalog_product_insights.yml").read_text()
    return yaml.safe_load(text.replace("${globals:raw_root}", raw_root))


def test_yelp_reviews_and_photos_become_canonical_tables(tmp_path) -> None:
    yelp = tmp_path / "yelp"
    (yelp / "photos").mkdir(parents=True)
    reviews = [
        {
            "review_id": "r1",
            "stars": 1.0,
            "text": "Cold food, rude waiter.",
            "user_id": "u",
        },
        {"review_id": "r2", "stars": 5.0, "text": "Perfect evening.", "user_id": "u"},
        {"review_id": "r3", "stars": 2, "text": "Long wait.", "user_id": "u"},
    ]
    (yelp / "yelp_academic_dataset_review.json").write_text(
        "\n".join(map(json.dumps, reviews))
    )
    photos = [
        {"photo_id": "p1", "business_id": "b", "caption": "", "label": "food"},
        {"photo_id": "p2", "business_id": "b", "caption": "", "label": "menu"},
        {"photo_id": "gone", "business_id": "b", "caption": "", "label": "menu"},
    ]
    (yelp / "photos.json").write_text("\n".join(map(json.dumps, photos)))
    for name in ("p1", "p2"):
        Image.fromarray(np.full((40, 60, 3), 128, np.uint8)).save(
            yelp / "photos" / f"{name}.jpg"
        )

    entries = _entries(str(tmp_path))
    table = AbstractDataset.from_config(
        "r", entries["product_insights.raw_reviews"]
    ).load()
    assert table["unhappy"].tolist() == [True, False, True]
    assert table["review_id"].tolist() == ["yelp-r1", "yelp-r2", "yelp-r3"]

    images = AbstractDataset.from_config(
        "i", entries["product_insights.raw_images"]
    ).load()
    assert images["label"].tolist() == ["food", "menu"]  # the missing file is skipped
    assert images["image"][0].shape == (224, 224, 3)
