"""Nodes of the ``scene_segmentation`` pipeline: scenes split, a per-pixel
baseline and Keras segmenters trained, all compared on the same test scenes, the
chosen one released as a pyfunc model."""

from __future__ import annotations

import importlib
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from matplotlib.colors import rgb_to_hsv
from mlflow.models import infer_signature
from sklearn.ensemble import HistGradientBoostingClassifier

from ia_portfolio.pipelines.scene_segmentation.categories import CATEGORIES, COLOURS
from ia_portfolio.pipelines.scene_segmentation.datasets import GeneratedScenes
from ia_portfolio.pipelines.scene_segmentation.metrics import (
    confusion_matrix,
    segmentation_scores,
)
from ia_portfolio.pipelines.scene_segmentation.scenes import read_categories, read_split
from ia_portfolio.pipelines.scene_segmentation.serving_model import (
    SEGMENTER_ARTIFACT,
    SceneSegmentationModel,
    example_input,
)
from ia_portfolio.promotion import ModelRelease, quality_gate
from ia_portfolio.tuning import maximise

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


def _segmenters() -> ModuleType:
    """The Keras module, imported when a node trains or predicts (TensorFlow takes
    seconds to import)."""
    return importlib.import_module(
        "ia_portfolio.pipelines.scene_segmentation.segmenters"
    )


# --- splits ---------------------------------------------------------------------


def split_scenes(
    raw_scenes: pd.DataFrame | GeneratedScenes, data: dict[str, Any], seed: int
) -> pd.DataFrame:
    """The index of scenes with a ``split`` column (train, validation, test).

    ``raw_scenes`` is the index of a Cityscapes folder, or generated scenes, then
    drawn from ``seed`` (the run's one seed) before they are split.

    ``data.folders`` names the Cityscapes folder of each split. A null validation
    folder takes ``data.validation_share`` of the training scenes, whole cities
    at a time (so that no street is in both). ``data.max_scenes`` keeps a seeded
    sample of at most that many scenes per split (null: all).
    """
    if isinstance(raw_scenes, GeneratedScenes):
        raw_scenes = raw_scenes.index(seed)
    folders = data["folders"]
    missing = {folders[s] for s in SPLITS if folders[s]} - set(raw_scenes["folder"])
    if missing:
        raise ValueError(
            f"scene_segmentation.raw_scenes has no scenes in folders {sorted(missing)} "
            f"(parameters scene_segmentation.data.folders); it has "
            f"{sorted(raw_scenes['folder'].unique())}."
        )
    parts = {
        s: raw_scenes[raw_scenes["folder"] == folders[s]] for s in SPLITS if folders[s]
    }
    if not folders["validation"]:
        train = parts["train"]
        cities = np.random.default_rng(seed).permutation(sorted(train["city"].unique()))
        counts = train["city"].value_counts()
        taken, held = 0, []
        for city in cities:
            if taken >= data["validation_share"] * len(train) and held:
                break
            held.append(city)
            taken += counts[city]
        parts["validation"] = train[train["city"].isin(held)]
        parts["train"] = train[~train["city"].isin(held)]
    limit = data.get("max_scenes") or {}
    table = []
    for split in SPLITS:
        part = parts[split]
        if limit.get(split) is not None and limit[split] < len(part):
            part = part.sample(n=limit[split], random_state=seed).sort_index()
        table.append(part.assign(split=split))
    scenes = pd.concat(table, ignore_index=True)
    logger.info("Scenes per split: %s.", scenes["split"].value_counts().to_dict())
    return scenes


def _split(scenes: pd.DataFrame, name: str) -> pd.DataFrame:
    return scenes[scenes["split"] == name]


# --- candidates -----------------------------------------------------------------


@dataclass
class Candidate:
    """A trained model with what is known about it before the test set."""

    name: str
    family: str
    model: Any
    params: dict[str, Any]
    validation: dict[str, Any]
    fit_seconds: float
    search_seconds: float
    n_trials: int
    n_parameters: int
    history: dict[str, list[float]] = field(default_factory=dict)
    trials: list[dict[str, Any]] = field(default_factory=list)

    def __deepcopy__(self, memo: dict[int, Any]) -> Candidate:
        # Passed between nodes as it is: a Keras model cannot be deep-copied.
        return self

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Category of each pixel of uint8 ``images`` (n, height, width, 3)."""
        if self.family == "pixel_classifier":
            return self.model.predict(images)
        return _segmenters().predict_categories(self.model, images)


def pixel_features(images: np.ndarray) -> np.ndarray:
    """Per pixel: RGB, HSV and the (row, column) position scaled to [0, 1]."""
    n, height, width, _ = images.shape
    rgb = images.reshape(-1, 3).astype(np.float32) / 255.0
    hsv = rgb_to_hsv(rgb)
    rows, columns = np.mgrid[:height, :width]
    position = np.stack([rows / (height - 1), columns / (width - 1)], axis=-1)
    position = np.broadcast_to(position, (n, height, width, 2)).reshape(-1, 2)
    return np.hstack([rgb, hsv, position]).astype(np.float32)


@dataclass
class PixelClassifier:
    """Gradient boosting on each pixel's colour and position alone."""

    classifier: HistGradientBoostingClassifier

    def predict(self, images: np.ndarray) -> np.ndarray:
        n, height, width, _ = images.shape
        labels = self.classifier.predict(pixel_features(images))
        return labels.reshape(n, height, width).astype(np.uint8)


def _scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    return segmentation_scores(confusion_matrix(truth, predicted))


def train_baseline(
    scenes: pd.DataFrame, data: dict[str, Any], baseline: dict[str, Any], seed: int
) -> Candidate:
    """The reference model: gradient-boosted trees on the colour and position of
    ``baseline.pixels_per_scene`` random pixels of each training scene."""
    images, masks = read_split(_split(scenes, "train"), data["height"], data["width"])
    rng = np.random.default_rng(seed)
    features = pixel_features(images)
    labels = masks.reshape(-1)
    sample = rng.choice(
        len(labels),
        size=min(len(labels), baseline["pixels_per_scene"] * len(images)),
        replace=False,
    )
    started = time.perf_counter()
    classifier = HistGradientBoostingClassifier(**baseline["model"], random_state=seed)
    classifier.fit(features[sample], labels[sample])
    fit_seconds = time.perf_counter() - started
    model = PixelClassifier(classifier)
    validation_images, validation_masks = read_split(
        _split(scenes, "validation"), data["height"], data["width"]
    )
    validation = _scores(validation_masks, model.predict(validation_images))
    logger.info("Pixel baseline: validation mean IoU %.3f.", validation["mean_iou"])
    return Candidate(
        name="pixel_baseline",
        family="pixel_classifier",
        model=model,
        params=dict(baseline["model"]),
        validation=validation,
        fit_seconds=fit_seconds,
        search_seconds=fit_seconds,
        n_trials=1,
        n_parameters=int(classifier.n_iter_ * len(classifier.classes_)),  # trees
    )


def train_segmenter(
    scenes: pd.DataFrame,
    data: dict[str, Any],
    candidate: dict[str, Any],
    training: dict[str, Any],
    seed: int,
) -> Candidate:
    """A Keras segmenter of ``candidate.architecture`` trained with
    ``candidate.loss`` for ``training.max_epochs`` at most, the cross-entropy of
    each pixel weighted by its category's share of the training pixels to the
    power ``-training.class_weight_power`` (0: unweighted).

    With a ``candidate.search_space``, Optuna first searches it on a proxy (budget
    ``candidate.tuning``: ``n_trials`` short trainings of ``proxy.max_epochs`` on a
    seeded sample of ``proxy.train_scenes`` training scenes, scored on the
    validation scenes), then the model is trained in full with the best
    parameters. Training batches come augmented from disk; validation scenes
    never are."""
    segmenters = _segmenters()
    train, validation = _split(scenes, "train"), _split(scenes, "validation")
    height, width = data["height"], data["width"]
    validation_images, validation_masks = read_split(validation, height, width)
    loader = {
        k: training[k] for k in ("workers", "use_multiprocessing", "max_queue_size")
    }
    power = training["class_weight_power"]
    class_weights = (
        segmenters.category_weights(
            np.stack(
                [read_categories(path, height, width) for path in train["label_path"]]
            ),
            power,
        ).tolist()
        if power
        else None
    )
    trials: list[dict[str, Any]] = []

    def fit_and_score(
        params: dict[str, Any], rows: pd.DataFrame, budget: dict[str, Any], stage: str
    ) -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any], float]:
        settings = {**candidate["fixed"], **params}
        train_batches = segmenters.SceneBatches(
            rows["image_path"], rows["label_path"], settings["batch_size"], height, width,
            augmentation=training["augmentation"], seed=seed, **loader,
        )  # fmt: skip
        validation_batches = segmenters.SceneBatches(
            validation["image_path"],
            validation["label_path"],
            settings["batch_size"],
            height,
            width,
            **loader,
        )
        started = time.perf_counter()
        model, history = segmenters.train(
            train_batches,
            validation_batches,
            candidate["architecture"],
            settings["learning_rate"],
            candidate["loss"],
            budget,
            seed,
            class_weights,
        )
        seconds = time.perf_counter() - started
        scores = _scores(
            validation_masks, segmenters.predict_categories(model, validation_images)
        )
        trials.append(
            {
                "model": candidate["name"],
                "trial": len(trials),
                "stage": stage,
                "train_scenes": len(rows),
                **params,
                "epochs": len(history["loss"]),
                "training_s": seconds,
                "validation_mean_iou": scores["mean_iou"],
            }
        )
        return model, history, scores, settings, seconds

    started = time.perf_counter()
    best: dict[str, Any] = {}
    n_trials = 0
    if candidate["search_space"]:
        proxy = candidate["tuning"]["proxy"]
        rows = train.sample(
            n=min(proxy["train_scenes"], len(train)), random_state=seed
        ).sort_index()
        epochs = min(proxy["max_epochs"], training["max_epochs"])
        budget = {**training, "max_epochs": epochs, "patience": epochs}

        def proxy_trial(params: dict[str, Any]) -> tuple[None, float]:
            _, _, scores, _, _ = fit_and_score(params, rows, budget, "proxy")
            return None, scores["mean_iou"]

        search = maximise(
            f"scene_segmentation.{candidate['name']}",
            proxy_trial,
            candidate["search_space"],
            {**candidate["tuning"], "seed": seed},
        )
        best, n_trials = search.params, search.n_trials
    model, history, scores, settings, fit_seconds = fit_and_score(
        best, train, training, "full"
    )
    return Candidate(
        name=candidate["name"],
        family=candidate["architecture"]["name"],
        model=model,
        params={
            **settings,
            "loss": candidate["loss"],
            "class_weight_power": power,
            **candidate["architecture"],
        },
        validation=scores,
        fit_seconds=fit_seconds,
        search_seconds=time.perf_counter() - started,
        n_trials=n_trials,
        n_parameters=int(model.count_params()),
        history=history,
        trials=trials,
    )


# --- evaluation -----------------------------------------------------------------


def _latency_ms(candidate: Candidate, images: np.ndarray) -> float:
    """Median time to segment one image alone, as the API does (after a warm-up)."""
    candidate.predict(images[:1])
    timings = []
    for image in images:
        started = time.perf_counter()
        candidate.predict(image[None])
        timings.append(1000 * (time.perf_counter() - started))
    return float(np.median(timings))


def _track(candidate: Candidate, row: dict[str, Any]) -> None:
    """One nested MLflow run per model (only inside the run ``kedro run`` opens)."""
    if mlflow.active_run() is None:
        return
    with mlflow.start_run(run_name=f"scene_segmentation.{candidate.name}", nested=True):
        mlflow.set_tag("family", candidate.family)
        mlflow.log_params(
            {k: v for k, v in candidate.params.items() if not isinstance(v, dict)}
        )
        mlflow.log_metrics(
            {
                k: float(v)
                for k, v in row.items()
                if isinstance(v, int | float)
                and not isinstance(v, bool)
                and np.isfinite(v)
            }
        )
        for step, value in enumerate(candidate.history.get("val_mean_iou", [])):
            mlflow.log_metric("epoch_validation_mean_iou", value, step=step)


def evaluate_models(
    scenes: pd.DataFrame,
    data: dict[str, Any],
    evaluation: dict[str, Any],
    *candidates: Candidate,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], Candidate]:
    """Every model on the same held-out test scenes; the segmenter with the best
    validation mean IoU is chosen (the test set plays no part in the choice; the
    per-pixel baseline is the reference the quality gate compares it with).

    Returns the comparison table, the search trials, the test examples and
    confusion matrices (for the figures) and the chosen model.
    """
    images, masks = read_split(_split(scenes, "test"), data["height"], data["width"])
    rows, matrices, predictions = [], {}, {}
    for candidate in candidates:
        started = time.perf_counter()
        predicted = np.concatenate(
            [candidate.predict(images[i : i + 16]) for i in range(0, len(images), 16)]
        )
        seconds = time.perf_counter() - started
        matrix = confusion_matrix(masks, predicted)
        scores = segmentation_scores(matrix)
        row = {
            "model": candidate.name,
            "family": candidate.family,
            "loss": candidate.params.get("loss", ""),
            "validation_mean_iou": candidate.validation["mean_iou"],
            "mean_iou": scores["mean_iou"],
            "mean_dice": scores["mean_dice"],
            "pixel_accuracy": scores["pixel_accuracy"],
            **{
                f"iou_{k}": v if v is not None else np.nan
                for k, v in scores["iou"].items()
            },
            "training_s": candidate.fit_seconds,
            "search_s": candidate.search_seconds,
            "n_trials": candidate.n_trials,
            "epochs": len(candidate.history.get("loss", [])) or None,
            "parameters": candidate.n_parameters,
            "test_images_per_s": len(images) / seconds if seconds else np.nan,
            "latency_ms_per_image": _latency_ms(
                candidate, images[: evaluation["latency_images"]]
            ),
        }
        _track(candidate, row)
        logger.info(
            "%s on test: mean IoU %.3f, pixel accuracy %.3f.",
            candidate.name,
            row["mean_iou"],
            row["pixel_accuracy"],
        )
        rows.append(row)
        matrices[candidate.name] = matrix.tolist()
        predictions[candidate.name] = predicted[: evaluation["examples"]]
    comparison = pd.DataFrame(rows)
    segmenters = comparison[comparison["family"] != "pixel_classifier"]
    chosen = segmenters.loc[segmenters["validation_mean_iou"].idxmax(), "model"]
    comparison["chosen"] = comparison["model"] == chosen
    comparison = comparison.sort_values(
        "validation_mean_iou", ascending=False, ignore_index=True
    )
    trials = pd.DataFrame([t for c in candidates for t in c.trials])
    examples = {
        "images": images[: evaluation["examples"]],
        "truth": masks[: evaluation["examples"]],
        "predictions": predictions,
        "confusion_matrices": matrices,
        "histories": {c.name: c.history for c in candidates if c.history},
    }
    logger.info("Chosen model: %s.", chosen)
    return comparison, trials, examples, next(c for c in candidates if c.name == chosen)


def models_on_test(comparison: pd.DataFrame) -> dict[str, Any]:
    """The chosen model's name and every model's test figures, as in ``metrics.json``
    (non-finite figures as ``None``)."""
    models = {
        row["model"]: {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in row.items()
            if k not in {"model", "chosen"}
        }
        for row in comparison.to_dict(orient="records")
    }
    chosen = comparison.loc[comparison["chosen"], "model"].iloc[0]
    return {"chosen_model": chosen, "models": models}


# --- release ---------------------------------------------------------------------


def register_model(
    chosen: Candidate,
    comparison: pd.DataFrame,
    data: dict[str, Any],
    promotion: dict[str, Any],
) -> ModelRelease:
    """The chosen segmenter as an MLflow pyfunc release (a base64 PNG or JPEG per
    row in, a base64 PNG of category indices and the share of each category out),
    with its quality-gate verdict: served only if its test mean IoU beats the
    per-pixel baseline's by ``promotion.gate.min_improvement``."""
    results = models_on_test(comparison)
    verdict = quality_gate(results, promotion["gate"])
    config = {
        "height": int(data["height"]),
        "width": int(data["width"]),
        "categories": list(CATEGORIES),
        "colours": [list(c) for c in COLOURS],
    }
    wrapper = SceneSegmentationModel()
    example = example_input(data["height"], data["width"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "segmenter.keras"
        chosen.model.save(path)
        wrapper.load_artifacts(str(path), config)
        output = wrapper.predict(None, example)
    test = results["models"][chosen.name]

    def write_artifacts(directory: Path) -> dict[str, str]:
        path = directory / "segmenter.keras"
        chosen.model.save(path)
        return {SEGMENTER_ARTIFACT: str(path)}

    return ModelRelease(
        python_model=SceneSegmentationModel(),
        signature=infer_signature(example, output),
        input_example=example,
        verdict=verdict,
        description=(
            f"Street-scene segmentation in 8 Cityscapes categories: {chosen.name} "
            f"({chosen.family}, {chosen.params.get('loss')}) at {data['height']}x{data['width']}. "
            f"Test (generated scenes unless trained on Cityscapes): mean IoU {test['mean_iou']:.3f}, "
            f"pixel accuracy {test['pixel_accuracy']:.3f}. {verdict.reason}."
        ),
        tags={"candidate": chosen.name, "family": chosen.family},
        model_config=config,
        pip_requirements=[
            "tensorflow==2.21.0",
            "keras==3.15.1",
            "pillow",
            "numpy",
            "pandas",
        ],
        write_artifacts=write_artifacts,
    )
