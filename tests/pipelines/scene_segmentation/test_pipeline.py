"""``kedro run --pipeline=scene_segmentation`` for real on a project copy (tiny
scenes and budgets), its segmenter promoted, and the API process the container
runs answering an upload: over HTTP, and dropped on the page in headless
Chromium."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from ia_portfolio.generators.street_scenes import generate_scene
from tests.serving.container import running_api
from tests.support.browser import chromium_page
from tests.support.project import champion_version

pytestmark = pytest.mark.slow

REPORTS = Path("data/08_reporting/scene_segmentation")


@pytest.fixture(scope="module")
def project(trained_scene_segmentation_project: Path) -> Path:
    """The copy trained on tiny scenes, its segmenter promoted (``conftest.py``)."""
    return trained_scene_segmentation_project


@pytest.fixture(scope="module")
def api(project: Path, tmp_path_factory: pytest.TempPathFactory):
    log_file = tmp_path_factory.mktemp("scene_segmentation_api") / "api.log"
    with running_api(project, log_file) as base:
        yield base


@pytest.fixture(scope="module")
def scene_png() -> bytes:
    """A generated 256x512 street scene as PNG bytes."""
    scene = generate_scene(np.random.default_rng(7), 256, 512)
    buffer = io.BytesIO()
    Image.fromarray(scene.image).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_run_writes_cityscapes_named_pairs_reports_and_promotes(
    project: Path,
) -> None:
    raw = project / "data/01_raw/scene_segmentation/generated"
    images = sorted(raw.glob("leftImg8bit/*/generated/*_leftImg8bit.png"))
    labels = sorted(raw.glob("gtFine/*/generated/*_gtFine_labelIds.png"))
    assert len(images) == len(labels) == 20
    metrics = json.loads((project / REPORTS / "metrics.json").read_text())
    assert metrics["scenes"] == {"train": 12, "validation": 4, "test": 4}
    for name in (
        "report.md",
        "model_comparison.csv",
        "example_predictions.png",
        "training_curves.png",
        "confusion_matrix.png",
    ):
        assert (project / REPORTS / name).stat().st_size > 500, name
    version = champion_version(project, "ia_portfolio_scene_segmentation")
    assert version.tags["candidate"] == metrics["chosen_model"]
    assert version.tags["promotion"] == "promoted"


def test_the_api_segments_an_uploaded_scene(api: str, scene_png: bytes) -> None:
    assert len(scene_png) < 2 * 1024 * 1024  # fits the API's body limit
    response = httpx.post(
        f"{api}/scene_segmentation/predict",
        files={"image": ("scene.png", scene_png, "image/png")},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["width"], body["height"]) == (512, 256)
    mask = Image.open(io.BytesIO(base64.b64decode(body["mask_png"])))
    assert mask.size == (512, 256)
    assert [c["category"] for c in body["categories"]][:2] == ["void", "flat"]
    assert sum(c["share"] for c in body["categories"]) == pytest.approx(1.0)


def test_non_images_are_refused_with_4xx(api: str) -> None:
    url = f"{api}/scene_segmentation/predict"
    text = httpx.post(url, files={"image": ("a.png", b"not an image", "image/png")})
    assert text.status_code == 415
    broken = httpx.post(
        url, files={"image": ("a.png", b"\x89PNG\r\n\x1a\nbroken", "image/png")}
    )
    assert broken.status_code == 422
    assert httpx.post(url, data={"other": "x"}).status_code == 422


@pytest.mark.e2e
def test_the_page_shows_the_legend_of_a_dropped_scene(
    api: str, scene_png: bytes
) -> None:
    with chromium_page() as (page, _):
        page.goto(f"{api}/scene_segmentation/")
        transfer = page.evaluate_handle(
            """(data) => {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "scene.png", {type: "image/png"}));
                return transfer;
            }""",
            base64.b64encode(scene_png).decode(),
        )
        page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
        page.wait_for_selector("#legend li[data-category=flat]", timeout=60_000)
        shares = {
            item.get_attribute("data-category"): float(
                item.locator(".share").inner_text().split()[0]
            )
            for item in page.locator("#legend li").all()
        }
        assert len(shares) == 8
        assert sum(shares.values()) == pytest.approx(100, abs=0.5)
        assert page.evaluate("document.getElementById('overlay').width") == 512
