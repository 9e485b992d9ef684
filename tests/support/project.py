"""Throw-away copies of the project, runs of its pipelines in this process, and
what a run left behind (outputs, served model)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mlflow
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.runner import SequentialRunner
from mlflow.entities.model_registry import ModelVersion

from ia_portfolio import sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Small search budgets: tests check behaviour, benchmarks and real runs check figures.
FAST_SCORING_PARAMS = {"scoring": {"tuning": {"n_trials": 2, "timeout_s": 60}}}
# Every sentiment model family shrunk to seconds (those off by default included).
FAST_SENTIMENT_PARAMS = {
    "sentiment": {
        "data": {"sample_size": 600},
        "baselines": {"tfidf_logreg": {"tuning": {"n_trials": 2}}},
        "word_vectors": {
            "kinds": ["word2vec", "fasttext"],
            "vector_size": 16,
            "epochs": 2,
        },
        "recurrent": {
            "max_len": 32,
            "tuning": {"n_trials": 1},
            "search_space": {
                "epochs": {"type": "int", "low": 1, "high": 1},
                "units": {"type": "int", "low": 8, "high": 8},
            },
        },
        "transformer": {
            "frozen": {"enabled": True, "max_length": 32, "tuning": {"n_trials": 2}},
            "fine_tuning": {
                "max_length": 32,
                "max_epochs": 1,
                "evaluations_per_epoch": 1,
            },
        },
        # On a 90-tweet test split the stack's threshold, chosen out of domain,
        # can fall below the dummy's F1 in domain: no champion would be promoted.
        "stacking": {"enabled": False},
        "latency": {"n_texts": 5},
    }
}
# Every recommendation candidate searched with a trial or two on MovieLens-100K.
FAST_RECOMMENDATION_PARAMS = {
    "recommendation": {
        "candidates": {
            "popularity": {"tuning": {"n_trials": 2}},
            "als": {"tuning": {"n_trials": 2}},
            "bpr": {
                "tuning": {"n_trials": 1},
                "search_space": {"iterations": {"type": "int", "low": 20, "high": 20}},
            },
            "item_knn": {"tuning": {"n_trials": 2}},
            "hybrid": {"tuning": {"n_trials": 8}},
        }
    }
}

# The chatbot's searches cut to one point and a BiLSTM trained for seconds.
FAST_CHATBOT_PARAMS = {
    "chatbot": {
        "tagger": {"c1": [0.05], "c2": [0.05], "max_iterations": 50},
        "neural_tagger": {"word_dims": 16, "units": 16, "max_epochs": 3},
        "intents": {"C": [10.0], "stacking": {"folds": 3}},
        "latency": {"repeats": 1},
    }
}
# Scenes of 32x64 and every segmenter one level deep with four filters, trained one
# epoch: building and tracing a Keras model, not its arithmetic, is what costs here.
FAST_SCENE_SEGMENTATION_PARAMS = {
    "scene_segmentation": {
        "data": {"height": 32, "width": 64},
        "baseline": {"pixels_per_scene": 50, "model": {"max_iter": 10}},
        "training": {"max_epochs": 1, "workers": 1},
        "models": {
            "unet": {
                "tuning": {"n_trials": 1},
                "architecture": {"depth": 1, "filters": 4},
            },
            "unet_dice": {"architecture": {"depth": 1, "filters": 4}},
            "residual_unet": {"architecture": {"depth": 1, "filters": 4}},
        },
        "evaluation": {"examples": 2, "latency_images": 2},
    }
}


def copy_project(destination: Path) -> Path:
    """A copy of this project's configuration with empty data folders."""
    return sandbox.copy_project(PROJECT_ROOT, destination)


def data_dir(project: Path, env: str | None = None) -> Path:
    """The folder under which a run in ``env`` writes its outputs (``02_intermediate``
    ... ``08_reporting``): ``data/`` for the default environment, ``data/envs/<env>/``
    for any other. Raw inputs are read from ``data/01_raw`` by every environment."""
    if env in (None, "local"):
        return project / "data"
    return project / "data" / "envs" / env


def champion_version(project: Path, registered_model_name: str) -> ModelVersion:
    """The version of ``registered_model_name`` that ``project``'s registry serves
    (alias ``champion``)."""
    client = mlflow.MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    return client.get_model_version_by_alias(registered_model_name, "champion")


def run_pipeline(
    project: Path,
    pipeline: str,
    env: str | None = None,
    runtime_params: dict | None = None,
) -> None:
    """``kedro run --pipeline=<pipeline>`` in ``project``, in this process."""
    bootstrap_project(project)
    try:
        with KedroSession.create(
            project_path=project, env=env, runtime_params=runtime_params
        ) as session:
            # Named as `kedro run` names it: kedro-viz reads a session run
            # without a runner as non-sequential and warns.
            session.run(pipeline_names=[pipeline], runner=SequentialRunner())
    finally:
        # kedro-mlflow finishes its run in the store but can leave it on MLflow's
        # in-process stack; a second session in the same process would reuse it.
        while mlflow.active_run():
            mlflow.end_run()


def last_printed_line(script: str, cwd: Path) -> str:
    """Run ``script`` in a fresh interpreter of this venv (nothing loaded by the
    test process helps it) and return the last line it printed."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    return result.stdout.strip().splitlines()[-1]
