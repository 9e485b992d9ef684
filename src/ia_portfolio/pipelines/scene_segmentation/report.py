"""``metrics.json``, MLflow metrics and the markdown report of the
``scene_segmentation`` pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.pipelines.scene_segmentation.nodes import models_on_test

REPORT_TEMPLATE = """# `scene_segmentation`: street scenes in 8 Cityscapes categories

## Data
{source}. {train} training, {validation} validation and {test} held-out test
scenes at {height}x{width} pixels; label ids mapped to the 8 categories (void,
flat, construction, object, nature, sky, human, vehicle).

## Method
A per-pixel baseline (gradient-boosted trees on each pixel's colour and position)
and Keras segmenters trained on batches read from disk by a `keras.utils.PyDataset`
(flips, zoom-and-crop applied to image and mask together; brightness, contrast and
noise to the image; never on validation or test scenes) with AdamW on a warm-up and
cosine learning-rate schedule, class-weighted cross-entropy, early stopping on the
validation mean IoU, and a small Optuna search of the learning rate on a proxy (short
trainings on part of the training scenes) before the full training. The model with
the best **validation** mean IoU is chosen; the test scenes only report.

Mean IoU is taken over the 7 categories the Cityscapes benchmark scores; pixels
whose truth is void are not scored. Pixel accuracy is secondary: large categories
(road, sky, buildings) dominate it.

## Results (test scenes)
Chosen model: **{chosen}**, mean IoU {chosen_iou:.3f} against {baseline_iou:.3f}
for the per-pixel baseline ({gap:+.3f}).

{comparison}

IoU per category:

{categories}

### Trainings (proxy search trials and full trainings, validation)
{trials}

## Limits
- The default scenes are generated (`ia_portfolio.generators.street_scenes`): their
  figures say how well the models learn these drawings, not real streets.
  The `original` environment trains on Cityscapes.
- Small images and short training on CPU: thin objects (poles, signs) and far
  people are the hardest categories.
"""

COMPARISON_COLUMNS = [
    "model", "family", "loss", "validation_mean_iou", "mean_iou", "mean_dice",
    "pixel_accuracy", "training_s", "epochs", "parameters", "latency_ms_per_image",
]  # fmt: skip


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def build_metrics(
    comparison: pd.DataFrame,
    scenes: pd.DataFrame,
    examples: dict[str, Any],
    data: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``metrics.json`` content, and the chosen model's and baseline's figures for
    MLflow."""
    results = models_on_test(comparison)
    models = {
        name: {k: _clean(v) for k, v in row.items()}
        for name, row in results["models"].items()
    }
    chosen = results["chosen_model"]
    metrics = {
        "source": data["description"],
        "primary_metric": "mean_iou",
        "chosen_model": chosen,
        "scenes": {k: int(v) for k, v in scenes["split"].value_counts().items()},
        "image_size": [int(data["height"]), int(data["width"])],
        "models": models,
        "chosen_confusion_matrix": examples["confusion_matrices"][chosen],
    }
    mlflow_metrics = {
        f"{name}.{key}": {"value": float(models[name][key]), "step": 0}
        for name in (chosen, "pixel_baseline")
        for key in ("mean_iou", "pixel_accuracy", "mean_dice")
        if models[name][key] is not None
    }
    return metrics, mlflow_metrics


def write_report(
    metrics: dict[str, Any],
    comparison: pd.DataFrame,
    trials: pd.DataFrame,
    data: dict[str, Any],
) -> str:
    """The report in markdown: data, method, results, limits."""
    models = metrics["models"]
    chosen = metrics["chosen_model"]
    iou_columns = [c for c in comparison.columns if c.startswith("iou_")]
    categories = comparison[["model", *iou_columns]].rename(
        columns=lambda c: c.removeprefix("iou_")
    )
    return REPORT_TEMPLATE.format(
        source=metrics["source"],
        train=metrics["scenes"].get("train", 0),
        validation=metrics["scenes"].get("validation", 0),
        test=metrics["scenes"].get("test", 0),
        height=data["height"],
        width=data["width"],
        chosen=chosen,
        chosen_iou=models[chosen]["mean_iou"],
        baseline_iou=models["pixel_baseline"]["mean_iou"],
        gap=models[chosen]["mean_iou"] - models["pixel_baseline"]["mean_iou"],
        comparison=comparison[COMPARISON_COLUMNS].to_markdown(
            index=False, floatfmt=".3f"
        ),
        categories=categories.to_markdown(index=False, floatfmt=".3f"),
        trials=trials.to_markdown(index=False, floatfmt=".4g")
        if not trials.empty
        else "(none)",
    )
