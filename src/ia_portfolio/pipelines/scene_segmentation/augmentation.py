"""Augmentation of training pairs: geometric changes applied to the image and its
mask together, photometric ones to the image only (the labels do not change)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image


def augment_pair(
    image: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    params: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """A randomly changed copy of ``(image, mask)``.

    ``params``: ``flip`` (probability of a left-right flip), ``max_scale`` (zoom in
    by up to that factor, then a random crop back to the size), ``brightness`` and
    ``contrast`` (relative ranges), ``noise`` (largest noise standard deviation,
    in grey levels). The mask is resized with the nearest neighbour, so every
    label of the result exists at that place in the zoomed original.
    """
    height, width = mask.shape
    if rng.random() < params["flip"]:
        image, mask = image[:, ::-1], mask[:, ::-1]
    scale = rng.uniform(1.0, params["max_scale"])
    if scale > 1.0 + 1e-3:
        big_h, big_w = round(height * scale), round(width * scale)
        top = int(rng.integers(0, big_h - height + 1))
        left = int(rng.integers(0, big_w - width + 1))
        box = (left, top, left + width, top + height)
        image = np.asarray(
            Image.fromarray(np.ascontiguousarray(image))
            .resize((big_w, big_h), Image.Resampling.BILINEAR)
            .crop(box)
        )
        mask = np.asarray(
            Image.fromarray(np.ascontiguousarray(mask))
            .resize((big_w, big_h), Image.Resampling.NEAREST)
            .crop(box)
        )
    pixels = image.astype(np.float32)
    contrast = 1.0 + rng.uniform(-params["contrast"], params["contrast"])
    brightness = 1.0 + rng.uniform(-params["brightness"], params["brightness"])
    mean = pixels.mean()
    pixels = ((pixels - mean) * contrast + mean) * brightness
    sigma = rng.uniform(0.0, params["noise"])
    if sigma > 0:
        pixels += rng.normal(0.0, sigma, pixels.shape)
    image = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return image, np.ascontiguousarray(mask)
