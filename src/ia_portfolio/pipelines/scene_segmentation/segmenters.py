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


def _conv_block(x: Any, filters: int, separable: bool) -> Any:
    conv = keras.layers.SeparableConv2D if separable else keras.layers.Conv2D
    for _ in range(2):
        x = conv(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    return x


def _residual_block(x: Any, filters: int, stride: int) -> Any:
    """MobileNet-style block: depthwise-separable convolutions and a shortcut."""
    shortcut = x
    x = keras.layers.SeparableConv2D(
        filters, 3, strides=stride, padding="same", use_bias=False
    )(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False)(
            shortcut
        )
        shortcut = keras.layers.BatchNormalization()(shortcut)
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
    x = keras.layers.BatchNormalization()(x)
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


def dice_cross_entropy(y_true: Any, y_pred: Any) -> Any:
    """Cross-entropy plus soft Dice: the first for calibrated pixels, the second
    against the dominance of large categories (road, sky) over small ones."""
    cross_entropy = keras.ops.mean(
        keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    )
    return cross_entropy + soft_dice_loss(y_true, y_pred)


LOSSES = {
    "cross_entropy": "sparse_categorical_crossentropy",
    "dice_cross_entropy": dice_cross_entropy,
}


# --- training and prediction ----------------------------------------------------------


def train(
    train_batches: SceneBatches,
    validation_batches: SceneBatches,
    architecture: dict[str, Any],
    learning_rate: float,
    loss: str,
    training: dict[str, Any],
    seed: int,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """A model fitted with Adam, stopped when the validation mean IoU has not
    improved for ``training.patience`` epochs (best weights restored)."""
    keras.utils.set_random_seed(seed)
    build = ARCHITECTURES[architecture["name"]]
    model = build(
        train_batches.height,
        train_batches.width,
        architecture["depth"],
        architecture["filters"],
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=LOSSES[loss],
        metrics=[
            "accuracy",
            keras.metrics.MeanIoU(
                N_CATEGORIES, name="mean_iou", sparse_y_true=True, sparse_y_pred=False
            ),
        ],
    )
    history = model.fit(
        train_batches,
        validation_data=validation_batches,
        epochs=training["max_epochs"],
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_mean_iou",
                mode="max",
                patience=training["patience"],
                restore_best_weights=True,
            )
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
