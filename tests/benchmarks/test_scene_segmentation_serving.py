"""The scene_segmentation_serving benchmark: its upload is one FastAPI reads as
the route does, the data generator is timed over every scene and epoch, and the
README section shows the latency and each worker count."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, File, UploadFile
from fastapi.testclient import TestClient

from benchmarks import report, scene_segmentation_serving
from ia_portfolio.pipelines.scene_segmentation.datasets import GeneratedScenes
from ia_portfolio.serving.scene_segmentation import read_upload


def test_the_upload_is_a_form_the_route_reads_as_the_scene_image():
    app = FastAPI()

    @app.post("/upload")
    def upload(image: Annotated[UploadFile, File()]) -> dict:
        pixels = read_upload(image.file.read())
        return {"filename": image.filename, "shape": list(pixels.shape)}

    png = scene_segmentation_serving.scene_png(32, 64, seed=7)
    files = scene_segmentation_serving.upload_files(png)
    with TestClient(app) as client:
        response = client.post("/upload", files=files)
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "scene.png", "shape": [32, 64, 3]}


def test_the_data_generator_is_timed_over_every_scene_and_epoch(tmp_path):
    index = GeneratedScenes(tmp_path, {"train": 6}, 32, 64).index(seed=0)
    pairs = (list(index["image_path"]), list(index["label_path"]))
    settings = {
        "height": 32,
        "width": 64,
        "batch_size": 4,
        "max_queue_size": 4,
        "augmentation": {
            "flip": 0.5,
            "max_scale": 1.3,
            "brightness": 0.25,
            "contrast": 0.25,
            "noise": 6.0,
        },
    }
    alone = scene_segmentation_serving.generator_alone(pairs, settings)
    assert alone["images"] == 6 and alone["images_per_s"] > 0
    fed = scene_segmentation_serving.fed_to_fit(pairs, settings, workers=2, epochs=3)
    assert fed["images"] == 6 and fed["epochs_timed"] == 2
    assert len(fed["images_per_s_per_epoch"]) == 2
    per_epoch = fed["images_per_s_per_epoch"]
    assert min(per_epoch) <= fed["images_per_s"] <= max(per_epoch)
    assert fed["cpu_ms_per_image"] > 0


def test_the_readme_section_shows_the_latency_and_each_worker_count():
    rate = {"images_per_s": 300.0, "cpu_ms_per_image": 5.0}
    result = {
        "started_at": "2026-12-02T22:00:00+00:00",
        "machine": {
            "usable_cpus": 2,
            "cpu_model": "cpu",
            "memory_total_bytes": 8 * 2**30,
            "load_average": {"1min": 1.0, "5min": 1.0, "15min": 1.0},
            "git_commit": "abc",
        },
        "config": {
            "requests": 100,
            "warmup": 5,
            "image_height": 256,
            "image_width": 512,
            "image_bytes": 300_000,
            "loader_epochs": 4,
        },
        "training": {
            "reused": True,
            "command": "kedro run --pipeline=scene_segmentation",
            "chosen_model": "residual_unet",
            "image_size": [96, 192],
            "test_mean_iou": 0.588,
        },
        "model_version": "1",
        "api": {
            "startup_s": 3.0,
            "first_request_s": 2.0,
            "predict": {
                "requests": 100,
                "p50_ms": 61.5,
                "p90_ms": 70.0,
                "p99_ms": 98.25,
                "max_ms": 120.0,
                "requests_per_s": 15.2,
            },
            "server_rss_bytes_after": 700 * 2**20,
            "load_average_before": {"1min": 1.1},
            "load_average_after": {"1min": 1.3},
        },
        "loader": {
            "settings": {"height": 96, "width": 192, "batch_size": 8},
            "scenes": 96,
            "load_average_before": {"1min": 1.0},
            "load_average_after": {"1min": 1.2},
            "scene_drawing": rate,
            "generator_alone": rate,
            "fit": {
                "1": {**rate, "images_per_s_per_epoch": [290.0, 300.0, 310.0]},
                "2": {**rate, "images_per_s": 450.0, "images_per_s_per_epoch": [450.0]},
            },
        },
    }
    text = "\n".join(report._scene_segmentation_serving_section(result))
    assert "| POST /scene_segmentation/predict | 61.5 | 70.0 | 98.25 |" in text
    rows = report.scene_segmentation_serving_rows(result)
    assert [row[1] for row in rows] == ["300.0", "300.0", "300.0", "450.0"]
    assert "workers=1" in rows[2][0] and "workers=2" in rows[3][0]
