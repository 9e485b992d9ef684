"""Generated street scenes: seeded, every category drawn, masks that are exactly
what was drawn, saved and read back the Cityscapes way without loss."""

from __future__ import annotations

import numpy as np
import pytest

from ia_portfolio.generators import street_scenes
from ia_portfolio.generators.street_scenes import (
    Canvas,
    generate_scene,
    generate_scenes,
)
from ia_portfolio.pipelines.scene_segmentation.categories import (
    CATEGORIES,
    categories_of,
)
from ia_portfolio.pipelines.scene_segmentation.scenes import (
    index_pairs,
    read_pair,
    write_pair,
)

CITYSCAPES_IDS = set(range(34))


@pytest.fixture(scope="module")
def scenes() -> list[street_scenes.StreetScene]:
    return list(generate_scenes(16, seed=3, height=64, width=128))


def test_scenes_are_seeded_per_index(scenes) -> None:
    again = generate_scene(np.random.default_rng([3, 5]), 64, 128)
    assert np.array_equal(again.image, scenes[5].image)
    assert np.array_equal(again.label_ids, scenes[5].label_ids)
    assert not np.array_equal(scenes[4].label_ids, scenes[5].label_ids)
    other_seed = next(generate_scenes(1, seed=4, height=64, width=128))
    assert not np.array_equal(other_seed.image, scenes[0].image)


def test_every_category_is_drawn_with_cityscapes_ids(scenes) -> None:
    ids = set(np.unique(np.concatenate([s.label_ids.ravel() for s in scenes])).tolist())
    assert ids <= CITYSCAPES_IDS
    drawn = {CATEGORIES[c] for c in np.unique(categories_of(np.array(sorted(ids))))}
    assert drawn == set(CATEGORIES)
    for scene in scenes:
        assert scene.image.shape == (64, 128, 3) and scene.image.dtype == np.uint8
        assert scene.label_ids.shape == (64, 128)
        assert (
            street_scenes.SKY in scene.label_ids
            and street_scenes.ROAD in scene.label_ids
        )


def test_a_nearer_thing_hides_a_farther_one_pixel_for_pixel() -> None:
    canvas = Canvas(20, 40, np.random.default_rng(0))
    far = canvas.rectangle(5, 5, 25, 15)
    near = canvas.rectangle(15, 0, 35, 10)
    canvas.paint(far, (10, 20, 30), street_scenes.BUILDING, 30.0)
    canvas.paint(near, (200, 0, 0), street_scenes.CAR, 10.0)
    assert (canvas.labels[near] == street_scenes.CAR).all()
    assert (canvas.labels[far & ~near] == street_scenes.BUILDING).all()
    assert (canvas.labels[~(far | near)] == 0).all()
    assert far.sum() == 20 * 10 and near.sum() == 20 * 10


def test_pairs_are_written_and_read_back_exactly(tmp_path, scenes) -> None:
    for i, scene in enumerate(scenes[:3]):
        write_pair(
            tmp_path,
            "train",
            "generated",
            f"generated_000000_{i:06d}",
            scene.image,
            scene.label_ids,
        )
    index = index_pairs(tmp_path)
    assert index["scene"].tolist() == [f"generated_000000_{i:06d}" for i in range(3)]
    assert index["image_path"].str.endswith("_leftImg8bit.png").all()
    assert index["label_path"].str.endswith("_gtFine_labelIds.png").all()
    image, categories = read_pair(
        index["image_path"][1], index["label_path"][1], 64, 128
    )
    assert np.array_equal(image, scenes[1].image)
    assert np.array_equal(categories, categories_of(scenes[1].label_ids))


def test_label_ids_map_to_the_eight_categories() -> None:
    ids = np.array([0, 6, 7, 10, 11, 16, 17, 20, 21, 22, 23, 24, 25, 26, 33, 255, 40])
    expected = ["void", "void", "flat", "flat", "construction", "construction",
                "object", "object", "nature", "nature", "sky", "human", "human",
                "vehicle", "vehicle", "vehicle", "void"]  # fmt: skip
    assert [CATEGORIES[c] for c in categories_of(ids)] == expected
