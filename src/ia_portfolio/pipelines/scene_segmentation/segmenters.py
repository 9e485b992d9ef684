"""Keras segmenters: the training data generator (a ``keras.utils.PyDataset``),
two architectures, two losses, training with early stopping, prediction.

Imported by the nodes only when they train or predict (TensorFlow takes seconds
to import), and by the served model when it loads.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

from ia_portfolio.pipelines.scene_segmentation.augmentation import augment_pair  # noqa: E402
from ia_portfolio.pipelines.scene_segmentation.categories import CATEGORIES  # noqa: E402
from ia_portfolio.pipelines.scene_segmentation.metrics import (  # noqa: E402
    confusion_matrix,
    segmentation_scores,
)
from ia_portfolio.pipelines.scene_segmentation.scenes import read_pair  # noqa: E402

logger = logging.getLogger(__name__)

N_CATEGORIES = len(CATEGORIES)


class SceneBatches(keras.utils.PyDataset):
    """Batches of (images scaled to [0, 1], category masks) read from disk.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` go to
    ``keras.utils.PyDataset`` (Keras 3 sets them on the dataset, not on ``fit``).
    With ``augmentation`` (training only) each pair is changed by
    ``augment_pair`` with a generator seeded by ``seed + epoch * len(self) + idx``,
    and the order is reshuffled each epoch from ``seed + epoch``: a batch is the
    same whichever worker builds it. Without it (validation, test) pairs come
    unchanged, in order.
    """

    def __init__(
        self,
        image_paths: Sequence[str],
        label_paths: Sequence[str],
        batch_size: int,
        height: int,
        width: int,
        augmentation: dict[str, Any] | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.image_paths = list(image_paths)
        self.label_paths = list(label_paths)
        self.batch_size = batch_size
        self.height, self.width = height, width
        self.augmentation = augmentation
        self.seed = seed
        self.epoch = 0
        self._order = self._permutation()

    def _permutation(self) -> np.ndarray:
        if self.augmentation is None:
            return np.arange(len(self.image_paths))
        return np.random.default_rng(self.seed + self.epoch).permutation(
            len(self.image_paths)
        )

    def __len__(self) -> int:
        return math.ceil(len(self.image_paths) / self.batch_size)

    def __getitem__(self, idx: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self._order[idx * self.batch_size : (idx + 1) * self.batch_size]
        rng = np.random.default_rng(self.seed + self.epoch * len(self) + idx)
        images, masks = [], []
        for row in rows:
            image, mask = read_pair(
                self.image_paths[row], self.label_paths[row], self.height, self.width
            )
            if self.augmentation is not None:
                image, mask = augment_pair(image, mask, rng, self.augmentation)
            images.append(image)
            masks.append(mask)
        return (
            np.stack(images).astype(np.float32) / 255.0,
            np.stack(masks).astype(np.int32),
        )

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._permutation()


# --- architectures ----------------------------------------------------------------


def _batch_norm() -> keras.layers.Layer:
    """Batch normalisation whose inference statistics follow the weights closely
    (momentum 0.9, not Keras' 0.99): with a few hundred steps at a high learning
    rate, slow running averages lag the model and blur the validation scores."""
    return keras.layers.BatchNormalization(momentum=0.9)


def _conv_block(x: Any, filters: int, separable: bool) -> Any:
    conv = keras.layers.SeparableConv2D if separable else keras.layers.Conv2D
    for _ in range(2):
        x = conv(filters, 3, padding="same", use_bias=False)(x)
        x = _batch_norm()(x)
        x = keras.layers.ReLU()(x)
    return x


def _residual_block(x: Any, filters: int, stride: int) -> Any:
    """MobileNet-style block: depthwise-separable convolutions and a shortcut."""
    shortcut = x
    x = keras.layers.SeparableConv2D(
        filters, 3, strides=stride, padding="same", use_bias=False
    )(x)
    x = _batch_norm()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
    x = _batch_norm()(x)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False)(
            shortcut
        )
        shortcut = _batch_norm()(shortcut)
    return keras.layers.ReLU()(keras.layers.Add()([x, shortcut]))


def build_unet(height: int, width: int, depth: int, filters: int) -> keras.Model:
    """U-Net: ``depth`` poolings, filters doubling at each level, transposed
    convolutions up, skip connections, a softmax over the categories."""
    inputs = keras.Input((height, width, 3))
    x, skips = inputs, []
    for level in range(depth):
        x = _conv_block(x, filters * 2**level, separable=False)
        skips.append(x)
        x = keras.layers.MaxPooling2D()(x)
    x = _conv_block(x, filters * 2**depth, separable=False)
    for level in reversed(range(depth)):
        x = keras.layers.Conv2DTranspose(
            filters * 2**level, 2, strides=2, padding="same"
        )(x)
        x = keras.layers.Concatenate()([x, skips[level]])
        x = _conv_block(x, filters * 2**level, separable=False)
    outputs = keras.layers.Conv2D(N_CATEGORIES, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="unet")


def build_residual_unet(
    height: int, width: int, depth: int, filters: int
) -> keras.Model:
    """A different encoder: strided residual blocks of depthwise-separable
    convolutions (MobileNet-like, two blocks per level), a lighter separable
    decoder with bilinear upsampling and skip connections."""
    inputs = keras.Input((height, width, 3))
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(inputs)
    x = _batch_norm()(x)
    x = keras.layers.ReLU()(x)
    skips = []
    for level in range(depth):
        skips.append(x)
        x = _residual_block(x, filters * 2 ** (level + 1), stride=2)
        x = _residual_block(x, filters * 2 ** (level + 1), stride=1)
    for level in reversed(range(depth)):
        x = keras.layers.UpSampling2D(interpolation="bilinear")(x)
        x = keras.layers.Concatenate()([x, skips[level]])
        x = _conv_block(x, filters * 2**level, separable=True)
    outputs = keras.layers.Conv2D(N_CATEGORIES, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="residual_unet")


ARCHITECTURES = {"unet": build_unet, "residual_unet": build_residual_unet}


# --- losses -----------------------------------------------------------------------


def soft_dice_loss(y_true: Any, y_pred: Any) -> Any:
    """1 - mean soft Dice over the categories present in the batch or predicted."""
    ops = keras.ops
    truth = ops.one_hot(ops.cast(y_true, "int32"), N_CATEGORIES)
    axes = (0, 1, 2)
    intersection = ops.sum(truth * y_pred, axis=axes)
    sizes = ops.sum(truth, axis=axes) + ops.sum(y_pred, axis=axes)
    dice = (2.0 * intersection + 1.0) / (sizes + 1.0)
    return 1.0 - ops.mean(dice)


def make_loss(name: str, class_weights: Sequence[float] | None = None) -> Any:
    """The loss ``name``: ``cross_entropy`` (sparse categorical, each pixel
    weighted by its true category's ``class_weights`` when given) or
    ``dice_cross_entropy`` (that cross-entropy plus soft Dice: the first for
    calibrated pixels, the second against the dominance of large categories)."""
    weights = (
        None
        if class_weights is None
        else keras.ops.convert_to_tensor(np.asarray(class_weights, np.float32))
    )

    def cross_entropy(y_true: Any, y_pred: Any) -> Any:
        labels = keras.ops.cast(y_true, "int32")
        per_pixel = keras.losses.sparse_categorical_crossentropy(labels, y_pred)
        if weights is not None:
            per_pixel = per_pixel * keras.ops.take(weights, labels)
        return keras.ops.mean(per_pixel)

    def dice_cross_entropy(y_true: Any, y_pred: Any) -> Any:
        return cross_entropy(y_true, y_pred) + soft_dice_loss(y_true, y_pred)

    losses = {"cross_entropy": cross_entropy, "dice_cross_entropy": dice_cross_entropy}
    return losses[name]


def category_weights(masks: np.ndarray, power: float) -> np.ndarray:
    """A weight per category, ``share ** -power`` of its pixels in ``masks``
    (absent categories weigh as the rarest present one), scaled so that the mean
    weight over the pixels is 1: rare categories (poles, people) count more."""
    counts = np.bincount(np.asarray(masks).ravel(), minlength=N_CATEGORIES)
    shares = counts / counts.sum()
    present = shares > 0
    shares = np.where(present, shares, shares[present].min())
    weights = shares**-power
    return weights / float((weights * counts).sum() / counts.sum())


# --- training and prediction ----------------------------------------------------------


class ValidationScores(keras.callbacks.Callback):
    """After each epoch, the validation loss and the validation mean IoU over the
    7 scored categories (as the pipeline scores test scenes: void-labelled pixels
    left out) put in the epoch's logs as ``val_loss`` and ``val_mean_iou``, for
    early stopping and the training curves."""

    def __init__(self, batches: SceneBatches, loss: Any) -> None:
        super().__init__()
        self.batches = batches
        self.loss = loss

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        matrix = np.zeros((N_CATEGORIES, N_CATEGORIES), np.int64)
        losses, weights = [], []
        for idx in range(len(self.batches)):
            images, masks = self.batches[idx]
            probabilities = self.model(images, training=False)
            losses.append(float(self.loss(masks, probabilities)))
            weights.append(len(images))
            predicted = np.argmax(keras.ops.convert_to_numpy(probabilities), axis=-1)
            matrix += confusion_matrix(masks, predicted)
        if logs is not None:
            logs["val_loss"] = float(np.average(losses, weights=weights))
            logs["val_mean_iou"] = segmentation_scores(matrix)["mean_iou"]


def _optimizer(
    learning_rate: float, steps_per_epoch: int, training: dict[str, Any]
) -> keras.optimizers.Optimizer:
    """AdamW with a linear warm-up to ``learning_rate`` over
    ``optimizer.warmup_epochs``, then a cosine decay to
    ``optimizer.final_lr_fraction`` of it at ``max_epochs``."""
    settings = training["optimizer"]
    total = steps_per_epoch * training["max_epochs"]
    warmup = min(steps_per_epoch * settings["warmup_epochs"], total - 1)
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate * (0.1 if warmup else 1.0),
        decay_steps=total - warmup,
        alpha=settings["final_lr_fraction"],
        warmup_target=learning_rate if warmup else None,
        warmup_steps=warmup,
    )
    return keras.optimizers.AdamW(schedule, weight_decay=settings["weight_decay"])


def train(
    train_batches: SceneBatches,
    validation_batches: SceneBatches,
    architecture: dict[str, Any],
    learning_rate: float,
    loss: str,
    training: dict[str, Any],
    seed: int,
    class_weights: Sequence[float] | None = None,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """A model fitted with AdamW on a warm-up and cosine schedule (``_optimizer``),
    stopped when the validation mean IoU has not improved for
    ``training.patience`` epochs (best weights restored). ``class_weights`` (one
    per category) weigh the cross-entropy of each pixel by its true category."""
    keras.utils.set_random_seed(seed)
    build = ARCHITECTURES[architecture["name"]]
    model = build(
        train_batches.height,
        train_batches.width,
        architecture["depth"],
        architecture["filters"],
    )
    loss_function = make_loss(loss, class_weights)
    model.compile(
        optimizer=_optimizer(learning_rate, len(train_batches), training),
        loss=loss_function,
    )
    history = model.fit(
        train_batches,
        epochs=training["max_epochs"],
        callbacks=[
            ValidationScores(validation_batches, loss_function),
            keras.callbacks.EarlyStopping(
                monitor="val_mean_iou",
                mode="max",
                patience=training["patience"],
                restore_best_weights=True,
            ),
        ],
        verbose=0,
    )
    logger.info(
        "%s (%s, %d parameters): %d epochs, best validation mean IoU %.3f.",
        architecture["name"],
        loss,
        model.count_params(),
        len(history.history["loss"]),
        max(history.history["val_mean_iou"]),
    )
    return model, {
        k: [float(v) for v in values] for k, values in history.history.items()
    }


def predict_categories(
    model: keras.Model, images: np.ndarray, batch_size: int = 8
) -> np.ndarray:
    """The most probable category of every pixel of uint8 ``images``, by direct
    calls (no traced predict function: no retracing for each new batch size)."""
    batches = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float32) / 255.0
        probabilities = keras.ops.convert_to_numpy(model(batch, training=False))
        batches.append(np.argmax(probabilities, axis=-1).astype(np.uint8))
    return np.concatenate(batches)
