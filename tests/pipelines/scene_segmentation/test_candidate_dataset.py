"""A trained candidate saved by one scheduled task and loaded by the next: the
same predictions and figures, and a new save replaces the old one."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.runner import SequentialRunner
from sklearn.dummy import DummyClassifier

from ia_portfolio.pipelines.scene_segmentation.datasets import CandidateDataset
from ia_portfolio.pipelines.scene_segmentation.nodes import Candidate, PixelClassifier
from tests.conftest import SCENE_SEGMENTATION_PROMOTED_PARAMS


def _candidate(name: str, family: str, model: object) -> Candidate:
    return Candidate(
        name=name,
        family=family,
        model=model,
        params={"loss": "dice_cross_entropy"},
        validation={"mean_iou": 0.5},
        fit_seconds=1.0,
        search_seconds=2.0,
        n_trials=1,
        n_parameters=10,
        history={"loss": [1.0, 0.5]},
    )


def test_a_keras_candidate_predicts_the_same_after_loading(tmp_path: Path) -> None:
    # Imported here: TensorFlow takes seconds, paid only by the worker that runs this.
    from ia_portfolio.pipelines.scene_segmentation import segmenters  # noqa: PLC0415

    model = segmenters.build_unet(16, 32, depth=2, filters=4)
    # Compiled as in training: a loss made by a closure, which Keras cannot save.
    model.compile(optimizer="adam", loss=segmenters.make_loss("dice_cross_entropy"))
    candidate = _candidate("unet", "unet", model)
    images = np.random.default_rng(0).integers(0, 256, (2, 16, 32, 3), np.uint8)
    dataset = CandidateDataset(filepath=str(tmp_path / "unet"))
    assert not dataset.exists()
    dataset.save(candidate)
    assert candidate.model is model  # the saved object is left as it was

    loaded = dataset.load()
    assert np.array_equal(loaded.predict(images), candidate.predict(images))
    assert (loaded.name, loaded.history, loaded.validation) == (
        "unet",
        {"loss": [1.0, 0.5]},
        {"mean_iou": 0.5},
    )
    assert sorted(p.name for p in (tmp_path / "unet").iterdir()) == [
        "candidate.pkl",
        "model.keras",
    ]


def test_a_baseline_candidate_is_pickled_and_a_save_replaces_it(
    tmp_path: Path,
) -> None:
    features = np.zeros((4, 8), np.float32)
    classifier = DummyClassifier(strategy="constant", constant=3)
    classifier.fit(features, [3, 3, 3, 3])
    dataset = CandidateDataset(filepath=str(tmp_path / "pixel_baseline"))
    dataset.save(_candidate("first", "pixel_classifier", PixelClassifier(classifier)))
    dataset.save(_candidate("second", "pixel_classifier", PixelClassifier(classifier)))

    loaded = dataset.load()
    assert loaded.name == "second"
    images = np.zeros((1, 2, 3, 3), np.uint8)
    assert (loaded.predict(images) == 3).all()
    assert [p.name for p in (tmp_path / "pixel_baseline").iterdir()] == [
        "candidate.pkl"
    ]


@pytest.mark.slow
def test_a_later_task_evaluates_the_candidates_a_run_saved(
    trained_scene_segmentation_project: Path,
) -> None:
    """As on Airflow, where each candidate trains in its own task: the evaluation
    run by another process loads the saved candidates and scores them the same."""
    project = trained_scene_segmentation_project
    models = project / "data" / "06_models" / "scene_segmentation" / "candidates"
    assert sorted(p.name for p in models.iterdir()) == [
        "baseline",
        "chosen",
        "residual_unet",
        "unet",
        "unet_dice",
    ]
    assert (models / "unet" / "model.keras").is_file()
    comparison = project / "data" / "08_reporting" / "scene_segmentation"
    before = pd.read_csv(comparison / "model_comparison.csv")
    bootstrap_project(project)
    try:
        with KedroSession.create(
            project_path=project, runtime_params=SCENE_SEGMENTATION_PROMOTED_PARAMS
        ) as session:
            session.run(
                pipeline_names=["scene_segmentation"],
                node_names=["scene_segmentation.evaluate_models"],
                runner=SequentialRunner(),
            )
    finally:
        while mlflow.active_run():
            mlflow.end_run()
    after = pd.read_csv(comparison / "model_comparison.csv")
    pd.testing.assert_series_equal(after["mean_iou"], before["mean_iou"])
