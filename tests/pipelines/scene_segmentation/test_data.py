"""The data side: the training data generator (a ``keras.utils.PyDataset``), its
augmentation, the splits, and Cityscapes folders read by the same loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from ia_portfolio.pipelines.scene_segmentation.augmentation import augment_pair
from ia_portfolio.pipelines.scene_segmentation.datasets import (
    CityscapesFolderDataset,
    GeneratedStreetScenesDataset,
)
from ia_portfolio.pipelines.scene_segmentation.nodes import split_scenes
from tests.support.project import PROJECT_ROOT

AUGMENT = {
    "flip": 0.5,
    "max_scale": 1.5,
    "brightness": 0.0,
    "contrast": 0.0,
    "noise": 0.0,
}


@pytest.fixture(scope="module")
def segmenters():
    from ia_portfolio.pipelines.scene_segmentation import segmenters  # noqa: PLC0415

    return segmenters


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("scenes")
    return (
        GeneratedStreetScenesDataset(
            path=str(folder),
            scenes={"train": 6, "val": 2, "test": 2},
            height=32,
            width=64,
        )
        .load()
        .index(seed=0)
    )


def _coded(mask: np.ndarray) -> np.ndarray:
    """An image whose every channel is the mask times 30: any geometric change
    made to one and not the other shows."""
    return np.repeat((mask * 30).astype(np.uint8)[..., None], 3, axis=-1)


def test_geometric_augmentation_moves_image_and_mask_together() -> None:
    rng = np.random.default_rng(0)
    mask = rng.integers(0, 8, (32, 64)).astype(np.uint8)
    mask[:, :32] = 1  # not symmetric: a flip shows
    changed = 0
    for seed in range(12):
        image, augmented = augment_pair(
            _coded(mask),
            mask,
            np.random.default_rng(seed),
            {**AUGMENT, "max_scale": 1.0},
        )
        assert np.array_equal(image[..., 0], augmented * 30)
        changed += not np.array_equal(augmented, mask)
    assert changed > 0  # some flips happened
    image, augmented = augment_pair(
        _coded(mask), mask, np.random.default_rng(1), AUGMENT
    )
    assert augmented.shape == mask.shape and image.shape == (32, 64, 3)
    assert set(np.unique(augmented)) <= set(np.unique(mask))  # no invented labels


def test_photometric_augmentation_changes_the_image_only() -> None:
    mask = np.zeros((16, 16), np.uint8)
    image = np.full((16, 16, 3), 100, np.uint8)
    params = {
        "flip": 0.0,
        "max_scale": 1.0,
        "brightness": 0.3,
        "contrast": 0.3,
        "noise": 8.0,
    }
    new_image, new_mask = augment_pair(image, mask, np.random.default_rng(0), params)
    assert not np.array_equal(new_image, image)
    assert np.array_equal(new_mask, mask)


def test_batches_have_the_model_shapes(segmenters, scenes) -> None:
    train = scenes[scenes["folder"] == "train"]
    batches = segmenters.SceneBatches(
        train["image_path"], train["label_path"], 4, 32, 64, AUGMENT, seed=1, workers=2
    )
    assert (batches.workers, batches.use_multiprocessing) == (2, False)
    assert len(batches) == 2
    images, masks = batches[0]
    assert images.shape == (4, 32, 64, 3) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert masks.shape == (4, 32, 64) and masks.max() < 8
    assert batches[1][0].shape == (2, 32, 64, 3)  # the last, smaller batch
    again = segmenters.SceneBatches(
        train["image_path"], train["label_path"], 4, 32, 64, AUGMENT, seed=1
    )
    assert np.array_equal(again[1][1], batches[1][1])  # seeded per index
    batches.on_epoch_end()
    assert not np.array_equal(batches[0][1], again[0][1])  # a new epoch, new draws


def test_validation_batches_are_the_files_unchanged(segmenters, scenes) -> None:
    from ia_portfolio.pipelines.scene_segmentation.scenes import read_split  # noqa: PLC0415

    validation = scenes[scenes["folder"] == "val"]
    batches = segmenters.SceneBatches(
        validation["image_path"], validation["label_path"], 8, 32, 64
    )
    images, masks = batches[0]
    expected_images, expected_masks = read_split(validation, 32, 64)
    assert np.array_equal(masks, expected_masks)
    assert np.array_equal(np.rint(images * 255).astype(np.uint8), expected_images)
    batches.on_epoch_end()
    assert np.array_equal(batches[0][1], expected_masks)


def test_generated_folder_is_rewritten_only_when_its_configuration_changes(
    tmp_path: Path,
) -> None:
    scenes = GeneratedStreetScenesDataset(
        path=str(tmp_path), scenes={"train": 2}, height=16, width=32
    ).load()
    first = scenes.index(seed=0)
    stamp = Path(first["image_path"][0]).stat().st_mtime_ns
    assert Path(scenes.index(seed=0)["image_path"][0]).stat().st_mtime_ns == stamp
    bigger = GeneratedStreetScenesDataset(
        path=str(tmp_path), scenes={"train": 3}, height=16, width=32
    ).load()
    assert len(bigger.index(seed=0)) == 3


def test_generated_scenes_follow_the_run_seed(tmp_path: Path) -> None:
    """split_scenes draws generated scenes from params:scene_segmentation.seed."""
    scenes = GeneratedStreetScenesDataset(
        path=str(tmp_path),
        scenes={"train": 2, "val": 1, "test": 1},
        height=16,
        width=32,
    ).load()
    data = {
        "folders": {"train": "train", "validation": "val", "test": "test"},
        "max_scenes": None,
    }

    def pixels(seed: int) -> np.ndarray:
        index = split_scenes(scenes, data, seed=seed)
        assert index["split"].value_counts().to_dict() == {
            "train": 2,
            "validation": 1,
            "test": 1,
        }
        return np.asarray(Image.open(index["image_path"][0]))

    first = pixels(1)
    assert not np.array_equal(pixels(2), first)
    assert np.array_equal(pixels(1), first)


def _write_cityscapes_pair(
    root: Path, folder: str, city: str, label_ids: np.ndarray
) -> None:
    name = f"{city}_000000_000019"
    image = np.zeros((*label_ids.shape, 3), np.uint8) + 80
    for kind, suffix, array in (
        ("leftImg8bit", "leftImg8bit", image),
        ("gtFine", "gtFine_labelIds", label_ids),
    ):
        path = root / kind / folder / city / f"{name}_{suffix}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(path)
    (root / "gtFine" / folder / city / f"{name}_gtFine_color.png").write_bytes(
        b"ignored"
    )


def test_cityscapes_folders_are_read_and_split_like_generated_ones(
    tmp_path: Path,
) -> None:
    """The `original` environment: Cityscapes-named pairs, real label ids (26 car,
    7 road, 23 sky, -1 licence plate as 255), resized on load; the validation split
    is carved from training cities and the official val folder is the test set."""
    ids = np.zeros((64, 128), np.uint8)
    ids[:32], ids[32:], ids[40:48, 10:30], ids[44, 12] = 23, 7, 26, 255
    for folder, city in (
        ("train", "aachen"),
        ("train", "bochum"),
        ("val", "frankfurt"),
    ):
        _write_cityscapes_pair(tmp_path, folder, city, ids)
    index = CityscapesFolderDataset(path=str(tmp_path)).load()
    assert index["city"].tolist() == ["aachen", "bochum", "frankfurt"]
    original = yaml.safe_load(
        (PROJECT_ROOT / "conf/original/parameters_scene_segmentation.yml").read_text()
    )
    data = {**original["scene_segmentation"]["data"], "max_scenes": None}
    splits = split_scenes(index, data, seed=0)
    by_split = splits.groupby("split")["city"].apply(set).to_dict()
    assert by_split["test"] == {"frankfurt"}
    assert len(by_split["validation"]) == 1 and by_split["validation"].isdisjoint(
        by_split["train"]
    )
    from ia_portfolio.pipelines.scene_segmentation.scenes import read_pair  # noqa: PLC0415

    image, categories = read_pair(
        index["image_path"][0], index["label_path"][0], 16, 32
    )
    assert image.shape == (16, 32, 3)
    assert categories[0, 0] == 5 and categories[-1, 0] == 1  # sky, flat
    assert (categories == 7).any()  # the car (vehicle) survives the resize


def test_an_empty_cityscapes_folder_names_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="leftImg8bit/<split>/<city>"):
        CityscapesFolderDataset(path=str(tmp_path)).load()


def test_rare_categories_weigh_more_and_pixels_average_one(segmenters) -> None:
    masks = np.zeros((2, 10, 10), np.uint8)
    masks[:, :, :9] = 1  # flat: 90 % of the pixels
    masks[:, 0, 9] = 6  # human: 1 %
    weights = segmenters.category_weights(masks, power=0.5)
    assert weights[6] > weights[1]
    assert weights[6] / weights[1] == pytest.approx(np.sqrt(0.9 / 0.01))
    counts = np.bincount(masks.ravel(), minlength=8)
    assert (weights * counts).sum() / counts.sum() == pytest.approx(1.0)
    loss = segmenters.make_loss("cross_entropy", weights)
    unweighted = segmenters.make_loss("cross_entropy")
    uniform = np.full((1, 1, 2, 8), 1 / 8, np.float32)
    person = np.array([[[6, 6]]])
    assert float(loss(person, uniform)) == pytest.approx(
        weights[6] * float(unweighted(person, uniform)), rel=1e-5
    )
