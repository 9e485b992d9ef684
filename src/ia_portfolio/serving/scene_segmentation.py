"""``/scene_segmentation``: the category of every pixel of an uploaded street
image, answered by the segmenter the ``scene_segmentation`` pipeline promoted in
the project's MLflow registry, and a page at ``/scene_segmentation/`` to try it
(drag and drop an image, see the mask over it and the share of each category).

The answer is JSON: the colour mask as a base64 PNG the size of the image (each
pixel in its category's Cityscapes colour), the share of each category and the
legend, so that one request gives the page everything it shows.
"""

from __future__ import annotations

import base64
import io
import logging
import warnings
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import HTMLResponse
from PIL import Image
from pydantic import BaseModel, Field

from ia_portfolio.serving.catalog import ProjectModels
from ia_portfolio.serving.registry import ModelInfo, ModelNotAvailableError
from ia_portfolio.serving.safety import MAX_BODY_BYTES

logger = logging.getLogger(__name__)

MODEL_DATASET = "scene_segmentation.registered_model"
TRAIN_COMMAND = "kedro run --pipeline=scene_segmentation"
# The whole request (file and multipart framing) is capped at MAX_BODY_BYTES (2 MiB)
# by the API; a 256x512 PNG street scene is ~0.3 MB.
MAX_IMAGE_BYTES = MAX_BODY_BYTES - 16 * 1024
MAX_SIDE = 4096
MIN_SIDE = 16
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}

LIMITS = (
    f"The `image` field of a multipart form: a PNG or JPEG file (recognised from "
    f"its bytes, whatever its declared type) of at most {MAX_IMAGE_BYTES:,} bytes, "
    f"{MIN_SIDE} to {MAX_SIDE} pixels a side. Another kind of file gets 415; a "
    "damaged image or one outside the size limits gets 422 with the reason; a "
    f"request over {MAX_BODY_BYTES:,} bytes gets 413; 503 while no model is "
    "registered, with the command that trains one."
)


class CategoryShare(BaseModel):
    category: str = Field(examples=["flat"])
    colour: str = Field(
        description="The category's colour in the mask", examples=["#804080"]
    )
    share: float = Field(ge=0, le=1, description="Share of the image's pixels")


class SegmentationResponse(BaseModel):
    width: int
    height: int
    mask_png: str = Field(
        description="The colour mask, a base64 PNG the size of the image: each "
        "pixel in its category's colour (see `categories`)"
    )
    categories: list[CategoryShare] = Field(
        description="The 8 categories, in index order"
    )
    model: ModelInfo


UNAVAILABLE = {503: {"description": f"No model registered yet: run `{TRAIN_COMMAND}`"}}
ANSWERS: dict[int | str, dict[str, Any]] = {
    **UNAVAILABLE,
    415: {"description": "The file is not a PNG or JPEG image"},
    422: {
        "description": "The form has no `image` file, the image is damaged, or its size is outside the limits"
    },
}


def read_upload(data: bytes) -> np.ndarray:
    """RGB pixels of an uploaded PNG or JPEG, or the HTTP error that says why not."""
    if not data:
        raise HTTPException(422, "The image file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise HTTPException(413, f"The image is larger than {MAX_IMAGE_BYTES:,} bytes.")
    if not any(data.startswith(signature) for signature in SIGNATURES):
        raise HTTPException(415, "The file is not a PNG or JPEG image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if not (
                    MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE
                ):
                    raise HTTPException(
                        422,
                        f"The image is {width}x{height} pixels; each side must be "
                        f"{MIN_SIDE} to {MAX_SIDE} pixels.",
                    )
                return np.asarray(image.convert("RGB"), np.uint8)
    except HTTPException:
        raise
    except (
        OSError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as error:
        raise HTTPException(422, f"The image cannot be read: {error}.") from error


def scene_segmentation_router(models: ProjectModels) -> APIRouter:
    """Routes of the served segmenter: the one ``scene_segmentation.registered_model``
    promotes (``ia_portfolio_scene_segmentation@champion``), and its page."""
    registered = models.champion(
        models.reference(MODEL_DATASET), TRAIN_COMMAND, prepare=lambda m: m
    )
    router = APIRouter(prefix="/scene_segmentation", tags=["scene_segmentation"])

    def available() -> tuple[Any, ModelInfo]:
        try:
            return registered.get()
        except ModelNotAvailableError as error:
            raise HTTPException(503, str(error)) from error

    @router.post(
        "/predict",
        response_model=SegmentationResponse,
        responses=ANSWERS,
        description=f"The category of every pixel of a street image, as a colour mask, and the share of each category. {LIMITS}",
    )
    def predict(
        image: Annotated[
            UploadFile,
            File(
                description=f"A PNG or JPEG street image, at most {MAX_IMAGE_BYTES:,} bytes"
            ),
        ],
    ) -> SegmentationResponse:
        pixels = read_upload(image.file.read())
        model, info = available()
        segmenter = model.unwrap_python_model()
        categories = segmenter.segment(pixels)
        colours = segmenter.colours
        buffer = io.BytesIO()
        Image.fromarray(colours[categories]).save(buffer, format="PNG")
        shares = segmenter.shares(categories)
        return SegmentationResponse(
            width=pixels.shape[1],
            height=pixels.shape[0],
            mask_png=base64.b64encode(buffer.getvalue()).decode(),
            categories=[
                CategoryShare(
                    category=name,
                    colour="#{:02x}{:02x}{:02x}".format(*colours[i]),
                    share=shares[name],
                )
                for i, name in enumerate(segmenter.categories)
            ],
            model=info,
        )

    @router.get("/model", response_model=ModelInfo, responses=UNAVAILABLE)
    def model() -> ModelInfo:
        """The registered model version that answers (loads it if needed)."""
        return available()[1]

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        """The upload page."""
        return PAGE

    return router


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Street scene segmentation</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
#drop { border: 2px dashed #888; border-radius: 8px; padding: 2rem; text-align: center; color: #444; }
#drop.over { background: #eef6ff; border-color: #2563eb; }
#views { display: flex; gap: 1rem; flex-wrap: wrap; margin-top: 1rem; }
#views figure { margin: 0; }
#views img, #views canvas { max-width: 30rem; width: 100%; border: 1px solid #ccc; }
#legend { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(4, 1fr); gap: .3rem; }
#legend li { display: flex; align-items: center; gap: .4rem; }
.swatch { width: 1rem; height: 1rem; border: 1px solid #333; display: inline-block; }
#status.error { color: #b91c1c; }
</style>
</head>
<body>
<h1>Street scene segmentation</h1>
<p>Drop a street image (PNG or JPEG, at most 2 MB) below, or choose one. Each pixel
is given one of 8 Cityscapes categories.</p>
<div id="drop">Drop an image here, or <input id="file" type="file" accept="image/png,image/jpeg"></div>
<p id="status" role="status"></p>
<label><input id="opacity" type="range" min="0" max="100" value="55"> mask opacity</label>
<div id="views">
  <figure><img id="original" alt="uploaded image"><figcaption>image</figcaption></figure>
  <figure><canvas id="overlay"></canvas><figcaption>mask over the image</figcaption></figure>
</div>
<h2>Categories</h2>
<ul id="legend"></ul>
<script>
const drop = document.getElementById("drop");
const status = document.getElementById("status");
const original = document.getElementById("original");
const overlay = document.getElementById("overlay");
const opacity = document.getElementById("opacity");
let mask = null;
function say(text, error) { status.textContent = text; status.className = error ? "error" : ""; }
function draw() {
  if (!mask || !original.complete) return;
  overlay.width = original.naturalWidth; overlay.height = original.naturalHeight;
  const context = overlay.getContext("2d");
  context.globalAlpha = 1; context.drawImage(original, 0, 0);
  context.globalAlpha = opacity.value / 100; context.drawImage(mask, 0, 0);
}
function showLegend(categories) {
  const legend = document.getElementById("legend");
  legend.replaceChildren();
  for (const c of categories) {
    const item = document.createElement("li");
    item.dataset.category = c.category;
    const swatch = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = c.colour;
    const name = document.createElement("span"); name.textContent = c.category;
    const share = document.createElement("span");
    share.className = "share"; share.textContent = (100 * c.share).toFixed(1) + " %";
    item.append(swatch, name, share);
    legend.append(item);
  }
}
async function upload(file) {
  if (!file) return;
  say("Segmenting " + file.name + "…");
  original.src = URL.createObjectURL(file);
  const form = new FormData();
  form.append("image", file);
  try {
    const response = await fetch("predict", {method: "POST", body: form});
    const body = await response.json();
    if (!response.ok) {
      say(typeof body.detail === "string" ? body.detail : "The image was refused.", true);
      return;
    }
    mask = new Image();
    mask.onload = draw;
    mask.src = "data:image/png;base64," + body.mask_png;
    showLegend(body.categories);
    say("Segmented " + body.width + "x" + body.height + " pixels with model version " + body.model.version + ".");
  } catch (error) {
    say("The service is not reachable.", true);
  }
}
original.onload = draw;
opacity.oninput = draw;
document.getElementById("file").addEventListener("change", (e) => upload(e.target.files[0]));
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault(); drop.classList.remove("over");
  upload(e.dataTransfer.files[0]);
});
</script>
</body>
</html>
"""
