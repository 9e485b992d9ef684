"""The ``scene_segmentation`` pipeline run in memory on a few tiny generated
scenes (32x64, one epoch) with the project's parameters: every node, no MLflow."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ia_portfolio.pipelines.scene_segmentation import create_pipeline
from ia_portfolio.pipelines.scene_segmentation.datasets import (
    GeneratedStreetScenesDataset,
)
from tests.support.in_memory import InMemoryRun, run_in_memory
from tests.support.project import FAST_SCENE_SEGMENTATION_PARAMS


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> InMemoryRun:
    folder = tmp_path_factory.mktemp("scenes")
    scenes = GeneratedStreetScenesDataset(
        path=str(folder), scenes={"train": 8, "val": 4, "test": 4}, height=32, width=64
    ).load()
    return run_in_memory(
        create_pipeline(), {"raw_scenes": scenes}, FAST_SCENE_SEGMENTATION_PARAMS
    )


def test_every_model_is_scored_on_the_same_test_scenes(run: InMemoryRun) -> None:
    comparison = run["model_comparison"]
    assert set(comparison["model"]) == {
        "pixel_baseline",
        "unet",
        "unet_dice",
        "residual_unet",
    }
    assert comparison["mean_iou"].between(0, 1).all()
    assert comparison["pixel_accuracy"].between(0, 1).all()
    assert comparison["chosen"].sum() == 1
    chosen = comparison.loc[comparison["chosen"]].iloc[0]
    segmenters = comparison[comparison["model"] != "pixel_baseline"]
    assert chosen["model"] != "pixel_baseline"  # the reference, never released
    assert chosen["validation_mean_iou"] == segmenters["validation_mean_iou"].max()
    assert set(comparison.loc[comparison["model"] != "pixel_baseline", "loss"]) == {
        "cross_entropy",
        "dice_cross_entropy",
    }


def test_metrics_and_report_name_the_chosen_model(run: InMemoryRun) -> None:
    metrics = run["metrics"]
    assert metrics["scenes"] == {"train": 8, "validation": 4, "test": 4}
    assert set(metrics["models"]) >= {"pixel_baseline", metrics["chosen_model"]}
    assert len(metrics["chosen_confusion_matrix"]) == 8
    report = run["report"]
    assert metrics["chosen_model"] in report and "IoU per category" in report


def test_figures_have_titles_and_legends(run: InMemoryRun) -> None:
    examples = run["example_predictions_plot"]
    assert len(examples.legends[0].get_texts()) == 8
    for name in ("training_curves_plot", "confusion_matrix_plot", "category_iou_plot"):
        figure = run[name]
        assert figure.axes[0].get_title(), name


def test_release_segments_an_image_in_categories(run: InMemoryRun) -> None:
    release = run["registered_model"]
    output = release.signature.outputs.input_names()
    assert "mask" in output and "share_vehicle" in output
    example = release.input_example
    assert list(example.columns) == ["image"]
    assert release.model_config["categories"][0] == "void"
    assert not hasattr(release.python_model, "model")  # loaded from its artifact
    metrics = run["metrics"]
    assert (
        release.verdict.value == metrics["models"][metrics["chosen_model"]]["mean_iou"]
    )
    assert release.verdict.baseline == "models.pixel_baseline.mean_iou"


def test_pyfunc_answers_a_mask_the_size_of_the_image(
    run: InMemoryRun, tmp_path: Path
) -> None:
    release = run["registered_model"]
    artifacts = release.write_artifacts(tmp_path)
    model = type(release.python_model)()
    model.load_artifacts(artifacts["segmenter"], release.model_config)
    image = np.random.default_rng(0).integers(0, 255, (50, 90, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    frame = release.input_example.assign(
        image=[base64.b64encode(buffer.getvalue()).decode()]
    )
    answer = model.predict(None, frame).iloc[0]
    mask = np.asarray(Image.open(io.BytesIO(base64.b64decode(answer["mask"]))))
    assert mask.shape == (50, 90) and mask.max() < 8
    shares = [answer[f"share_{c}"] for c in release.model_config["categories"]]
    assert sum(shares) == pytest.approx(1.0)
