"""The MLflow pyfunc model registered as ``ia_portfolio_scene_segmentation``.

Input: a DataFrame with an ``image`` column, each a PNG or JPEG file encoded in
base64. Output: one row per image with ``mask`` (a base64 PNG, same size as the
image, whose pixel values are the category indices 0-7) and ``share_<category>``
(the share of the image's pixels in each of the 8 categories). The image is
resized to the size the model was trained at, segmented, and the categories
brought back to its own size (nearest neighbour). The Keras model is the pyfunc
artifact ``segmenter``; its input size, the category names and their colours
are the ``model_config``.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from PIL import Image

SEGMENTER_ARTIFACT = "segmenter"


def encode_png(array: np.ndarray) -> bytes:
    """An 8-bit grey or RGB array as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_image(data: bytes) -> np.ndarray:
    """RGB pixels (uint8) of a PNG or JPEG file."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), np.uint8)


def example_input(height: int, width: int) -> pd.DataFrame:
    """A one-row input: a grey-blue gradient image, as a base64 PNG."""
    rows = np.linspace(60, 200, height, dtype=np.uint8)[:, None, None]
    image = np.broadcast_to(rows, (height, width, 3)).copy()
    return pd.DataFrame({"image": [base64.b64encode(encode_png(image)).decode()]})


class SceneSegmentationModel(mlflow.pyfunc.PythonModel):
    """Street images in, the category of every pixel and category shares out."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.load_artifacts(context.artifacts[SEGMENTER_ARTIFACT], context.model_config)

    def load_artifacts(self, segmenter_path: str, config: dict[str, Any]) -> None:
        """Load the Keras model (TensorFlow is imported here, not at import time)."""
        from ia_portfolio.pipelines.scene_segmentation import segmenters  # noqa: PLC0415

        self._segmenters = segmenters
        self.model = segmenters.keras.models.load_model(segmenter_path, compile=False)
        self.height, self.width = int(config["height"]), int(config["width"])
        self.categories = list(config["categories"])
        self.colours = np.array(config["colours"], np.uint8)

    def segment(self, image: np.ndarray) -> np.ndarray:
        """The category index of every pixel of one uint8 RGB image, at its size."""
        height, width = image.shape[:2]
        small = np.asarray(
            Image.fromarray(image).resize(
                (self.width, self.height), Image.Resampling.BILINEAR
            )
        )
        categories = self._segmenters.predict_categories(self.model, small[None])[0]
        if (height, width) != categories.shape:
            categories = np.asarray(
                Image.fromarray(categories).resize(
                    (width, height), Image.Resampling.NEAREST
                )
            )
        return categories

    def shares(self, categories: np.ndarray) -> dict[str, float]:
        """The share of pixels in each category, in category order."""
        counts = np.bincount(categories.ravel(), minlength=len(self.categories))
        return {
            name: float(c) / categories.size
            for name, c in zip(self.categories, counts, strict=True)
        }

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        rows = []
        for encoded in model_input["image"]:
            categories = self.segment(decode_image(base64.b64decode(encoded)))
            rows.append(
                {
                    "mask": base64.b64encode(encode_png(categories)).decode(),
                    **{f"share_{k}": v for k, v in self.shares(categories).items()},
                }
            )
        return pd.DataFrame(rows)
