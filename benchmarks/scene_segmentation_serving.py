"""``scene_segmentation_serving``: latency of ``POST /scene_segmentation/predict``
for one 256x512 street scene, and how many images per second the training data
generator (the ``keras.utils.PyDataset`` ``SceneBatches``) feeds ``model.fit``
with 1 and 2 worker threads.

The segmenter is the one ``kedro run --pipeline=scene_segmentation`` promotes,
trained in a fresh project copy or reused from an already trained project. The
API (uvicorn, one worker, 127.0.0.1) gets one request at a time: the same
generated 256x512 PNG scene in a multipart form, after a check of the answer and
a warm-up (the first request also loads the model). Then, with the server
stopped, the data generator reads and augments the project's generated training
scenes at the trained size: in the calling thread alone (the generator's own
cost), and through ``model.fit`` of a one-layer model (so that the generator, not
the model, sets the pace) with ``workers`` 1 and 2. The procedural scene
generator's drawing speed is measured too. Figures: p50, p90, p99 and max latency
in ms; images per second and CPU seconds per image.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import yaml

from benchmarks.common import (
    VENV_BIN,
    latency_summary,
    load_average,
    new_result,
    recorded,
    run_outputs,
    timed_calls,
    train_copy,
    tree_rss_bytes,
    wait_for_low_load,
)
from benchmarks.serving import (
    api_target,
    champion_version,
    free_port,
    running_server,
)

logger = logging.getLogger(__name__)

NAME = "scene_segmentation_serving"
REGISTERED_MODEL = "ia_portfolio_scene_segmentation"
PREDICT_PATH = "/scene_segmentation/predict"
PARAMETERS_FILE = Path("conf/base/parameters_scene_segmentation.yml")
SCENES = Path("01_raw/scene_segmentation/generated")


@dataclass
class SceneSegmentationServingConfig:
    """How the served segmenter and the data generator are measured
    (``trained_project``: serve this already trained project instead of training
    a copy)."""

    trained_project: Path | None = None
    requests: int = 100
    warmup: int = 5
    image_height: int = 256
    image_width: int = 512
    image_seed: int = 7
    loader_scenes: int = 96  # training scenes read per epoch
    loader_epochs: int = 4  # the first (tracing) is left out of the figures
    loader_workers: tuple[int, ...] = (1, 2)
    scenes_drawn: int = 30
    train_timeout_s: float = 3600.0
    startup_timeout_s: float = 180.0
    max_load: float = 1.5
    max_wait_s: float = 600.0
    keep: bool = False

    def train_command(self) -> list[str]:
        """The training command run in the project copy."""
        return [str(VENV_BIN / "kedro"), "run", "--pipeline=scene_segmentation"]


def scene_png(height: int, width: int, seed: int) -> bytes:
    """A generated street scene of ``height`` x ``width`` pixels as PNG bytes."""
    from PIL import Image  # noqa: PLC0415

    from ia_portfolio.generators.street_scenes import generate_scene  # noqa: PLC0415

    scene = generate_scene(np.random.default_rng(seed), height, width)
    buffer = io.BytesIO()
    Image.fromarray(scene.image).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_files(png: bytes) -> dict[str, tuple[str, bytes, str]]:
    """The multipart form the route reads (httpx ``files``): one PNG scene."""
    return {"image": ("scene.png", png, "image/png")}


def chosen_model(project: Path) -> dict[str, Any]:
    """The segmenter the pipeline chose in ``project`` and its test figures."""
    outputs = run_outputs(project) / "08_reporting/scene_segmentation/metrics.json"
    metrics = json.loads(outputs.read_text())
    name = metrics["chosen_model"]
    return {
        "chosen_model": name,
        "image_size": metrics["image_size"],
        "test_mean_iou": round(metrics["models"][name]["mean_iou"], 4),
        "baseline_test_mean_iou": round(
            metrics["models"]["pixel_baseline"]["mean_iou"], 4
        ),
        "pipeline_latency_ms_per_image": round(
            metrics["models"][name]["latency_ms_per_image"], 2
        ),
    }


def train(
    config: SceneSegmentationServingConfig, workdir: Path
) -> tuple[Path, dict[str, Any]]:
    """A project copy trained with the default configuration (or the given
    trained one)."""
    if config.trained_project is not None:
        return config.trained_project, {
            "command": "kedro run --pipeline=scene_segmentation",
            "reused": True,
            **chosen_model(config.trained_project),
        }
    project, figures = train_copy(
        config.train_command(), config.train_timeout_s, workdir
    )
    return project, {**figures, **chosen_model(project)}


def check_answer(answer: dict[str, Any], height: int, width: int) -> dict[str, Any]:
    """The API's answer must be a mask of the image's size with shares summing
    to 1; what it said."""
    shares = {c["category"]: c["share"] for c in answer["categories"]}
    if (answer["height"], answer["width"]) != (height, width):
        raise RuntimeError(
            f"The mask is {answer['height']}x{answer['width']}, not {height}x{width}."
        )
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise RuntimeError(f"The category shares sum to {sum(shares.values())}.")
    return {
        "model": answer["model"],
        "shares": {k: round(v, 4) for k, v in shares.items()},
        "mask_png_base64_chars": len(answer["mask_png"]),
    }


def measure_api(
    config: SceneSegmentationServingConfig,
    project: Path,
    workdir: Path,
    result: dict[str, Any],
) -> None:
    """Start the API, check one answer, then time ``requests`` uploads of the same
    scene, one at a time, after ``warmup`` untimed ones."""
    port = free_port()
    api = api_target(project, port, PREDICT_PATH)
    image = scene_png(config.image_height, config.image_width, config.image_seed)
    files = upload_files(image)
    result["config"]["image_bytes"] = len(image)
    client = httpx.Client(timeout=120)

    def post(_: int) -> dict[str, Any]:
        response = client.post(api.url(PREDICT_PATH), files=files)
        response.raise_for_status()
        return response.json()

    result["model_version"] = champion_version(project, REGISTERED_MODEL)
    with (
        client,
        running_server(api, workdir, project, config.startup_timeout_s) as server,
    ):
        started = time.perf_counter()
        answer = post(0)  # loads the model
        first_s = round(time.perf_counter() - started, 2)
        result["api"] = {
            "command": " ".join(api.command),
            "startup_s": server["startup_s"],
            "first_request_s": first_s,
            "answer": check_answer(answer, config.image_height, config.image_width),
            "load_check": wait_for_low_load(config.max_load, config.max_wait_s),
            "load_average_before": load_average(),
        }
        inputs = list(range(config.warmup + config.requests))
        latencies = timed_calls(post, inputs, config.warmup)
        result["api"].update(
            predict=latency_summary(latencies),
            load_average_after=load_average(),
            server_rss_bytes_after=tree_rss_bytes(server["pid"]),
        )
    logger.info("POST %s: %s", PREDICT_PATH, result["api"]["predict"])


def training_settings(project: Path) -> dict[str, Any]:
    """What the pipeline's data generator is given: size, batch size, queue and
    augmentation (``conf/base`` parameters of ``project``)."""
    params = yaml.safe_load((project / PARAMETERS_FILE).read_text())
    params = params["scene_segmentation"]
    return {
        "height": params["data"]["height"],
        "width": params["data"]["width"],
        "batch_size": params["models"]["residual_unet"]["fixed"]["batch_size"],
        "max_queue_size": params["training"]["max_queue_size"],
        "augmentation": params["training"]["augmentation"],
    }


def _rate(images: int, wall_s: float, cpu_s: float) -> dict[str, float]:
    return {
        "images": images,
        "wall_s": round(wall_s, 3),
        "images_per_s": round(images / wall_s, 1),
        "cpu_ms_per_image": round(1000 * cpu_s / images, 2),
    }


def generator_alone(
    pairs: tuple[list[str], list[str]], settings: dict[str, Any]
) -> dict[str, float]:
    """Every training batch read and augmented by ``SceneBatches.__getitem__`` in
    the calling thread, one after the other."""
    segmenters = importlib.import_module(
        "ia_portfolio.pipelines.scene_segmentation.segmenters"
    )
    batches = segmenters.SceneBatches(
        *pairs,
        settings["batch_size"],
        settings["height"],
        settings["width"],
        augmentation=settings["augmentation"],
    )
    wall, cpu = time.perf_counter(), time.process_time()
    images = sum(len(batches[i][0]) for i in range(len(batches)))
    return _rate(images, time.perf_counter() - wall, time.process_time() - cpu)


def fed_to_fit(
    pairs: tuple[list[str], list[str]],
    settings: dict[str, Any],
    workers: int,
    epochs: int,
) -> dict[str, Any]:
    """``SceneBatches`` with ``workers`` threads consumed by ``model.fit`` of a
    one-layer model (a 1x1 convolution: the generator sets the pace). Images per
    second and CPU per image: median over the epochs after the first (which also
    traces the model)."""
    segmenters = importlib.import_module(
        "ia_portfolio.pipelines.scene_segmentation.segmenters"
    )
    keras = segmenters.keras
    times: list[tuple[float, float]] = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.started = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            wall, cpu = self.started
            times.append((time.perf_counter() - wall, time.process_time() - cpu))

    batches = segmenters.SceneBatches(
        *pairs,
        settings["batch_size"],
        settings["height"],
        settings["width"],
        augmentation=settings["augmentation"],
        workers=workers,
        use_multiprocessing=False,
        max_queue_size=settings["max_queue_size"],
    )
    inputs = keras.Input((settings["height"], settings["width"], 3))
    outputs = keras.layers.Conv2D(segmenters.N_CATEGORIES, 1, activation="softmax")(
        inputs
    )
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(batches, epochs=epochs, callbacks=[EpochTimes()], verbose=0)
    images = len(pairs[0])
    wall = statistics.median(t[0] for t in times[1:])
    cpu = statistics.median(t[1] for t in times[1:])
    return {
        **_rate(images, wall, cpu),
        "epochs_timed": len(times) - 1,
        "images_per_s_per_epoch": [round(images / t[0], 1) for t in times[1:]],
    }


def scene_drawing(settings: dict[str, Any], n_scenes: int) -> dict[str, float]:
    """Scenes drawn by ``generate_scene`` at the trained size, in memory."""
    from ia_portfolio.generators.street_scenes import generate_scene  # noqa: PLC0415

    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n_scenes):
        generate_scene(
            np.random.default_rng([0, i]), settings["height"], settings["width"]
        )
    return _rate(n_scenes, time.perf_counter() - wall, time.process_time() - cpu)


def measure_loader(
    config: SceneSegmentationServingConfig, project: Path, result: dict[str, Any]
) -> None:
    """The data generator on the project's generated training scenes: alone,
    then through ``model.fit`` with each worker count."""
    from ia_portfolio.pipelines.scene_segmentation.scenes import (  # noqa: PLC0415
        index_pairs,
    )

    settings = training_settings(project)
    index = index_pairs(run_outputs(project) / SCENES)
    train_scenes = index[index["folder"] == "train"].head(config.loader_scenes)
    if train_scenes.empty:
        raise RuntimeError(f"No generated training scenes under {project}.")
    pairs = (list(train_scenes["image_path"]), list(train_scenes["label_path"]))
    loader: dict[str, Any] = {
        "settings": settings,
        "scenes": len(train_scenes),
        "load_check": wait_for_low_load(config.max_load, config.max_wait_s),
        "load_average_before": load_average(),
    }
    result["loader"] = loader
    loader["scene_drawing"] = scene_drawing(settings, config.scenes_drawn)
    loader["generator_alone"] = generator_alone(pairs, settings)
    loader["fit"] = {
        str(workers): fed_to_fit(pairs, settings, workers, config.loader_epochs)
        for workers in config.loader_workers
    }
    loader["load_average_after"] = load_average()
    logger.info(
        "Data generator: alone %s; fit %s",
        loader["generator_alone"]["images_per_s"],
        {k: v["images_per_s"] for k, v in loader["fit"].items()},
    )


def run(
    config: SceneSegmentationServingConfig, workdir: Path, results_dir: Path
) -> dict[str, Any]:
    """The ``scene_segmentation_serving`` benchmark; writes its JSON result even
    when a step fails."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = new_result(NAME, {**asdict(config), "workdir": str(workdir)})
    remove = None if config.keep or config.trained_project else workdir / "project"
    with recorded(NAME, result, results_dir, remove=remove):
        project, result["training"] = train(config, workdir)
        measure_api(config, project, workdir, result)
        measure_loader(config, project, result)
        result["ok"] = True
    return result
