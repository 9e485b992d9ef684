"""Nodes of the ``recommendation`` pipeline: candidates tuned on the validation
period, refitted on train + validation and measured once on the test period; the
candidate chosen on validation refitted on every click and registered."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import infer_signature

from ia_portfolio.pipelines.recommendation.content import vector_columns
from ia_portfolio.pipelines.recommendation.evaluation import (
    evaluate_model,
    period_targets,
    summarise,
)
from ia_portfolio.pipelines.recommendation.models import (
    ClickMatrix,
    HybridModel,
    Recommender,
    build_model,
)
from ia_portfolio.pipelines.recommendation.serving_model import (
    RecommendationModel,
    requests_frame,
)
from ia_portfolio.promotion import ModelRelease, quality_gate
from ia_portfolio.tuning import maximise

logger = logging.getLogger(__name__)

BASE_FAMILIES = ("popularity", "content", "als", "bpr", "item_knn")
HYBRID_COMPONENTS = ("als", "content", "popularity")


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """Catalogue item ids (sorted), their unit content vectors and publication
    times, aligned row for row."""

    item_ids: np.ndarray
    vectors: np.ndarray
    published_at: np.ndarray


def catalogue(items: pd.DataFrame, item_vectors: pd.DataFrame) -> Catalogue:
    """The items that have a content vector, in item id order."""
    joined = items[["item_id", "published_at"]].merge(item_vectors, on="item_id")
    joined = joined.sort_values("item_id")
    return Catalogue(
        item_ids=joined["item_id"].to_numpy("int64"),
        vectors=joined[vector_columns(joined)].to_numpy("float32"),
        published_at=joined["published_at"].to_numpy("int64"),
    )


def fit_candidate(
    tuned: dict[str, Any],
    clicks: ClickMatrix,
    vectors: np.ndarray,
    seed: int,
    fitted: dict[str, Recommender] | None = None,
) -> Recommender:
    """The candidate ``tuned`` describes, fitted on ``clicks``; a hybrid reuses
    its components from ``fitted``."""
    if tuned["family"] == "hybrid":
        components = {name: (fitted or {})[name] for name in HYBRID_COMPONENTS}
        return _hybrid(components, tuned["params"])
    return build_model(tuned["family"], tuned["params"], vectors, seed).fit(clicks)


def _hybrid(components: dict[str, Recommender], params: dict[str, Any]) -> HybridModel:
    """The blend of ``components`` with the weights and prior of ``params``."""
    weights = {name: params.get(name, 0.0) for name in HYBRID_COMPONENTS}
    return HybridModel(components, weights, params.get("new_item_prior", 0.0))


def _search(
    name: str,
    score: Any,
    candidate: dict[str, Any],
    seed: int,
) -> tuple[dict[str, Any], float, dict[str, Any]]:
    result = maximise(
        f"recommendation.{name}",
        lambda params: (None, score(params)),
        candidate["search_space"],
        {**candidate["tuning"], "seed": seed},
    )
    search = {
        "n_trials": result.n_trials,
        "search_seconds": round(result.search_seconds, 2),
    }
    return result.params, result.score, search


def tune_candidate(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    items: pd.DataFrame,
    item_vectors: pd.DataFrame,
    candidate: dict[str, Any],
    evaluation: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """The candidate's best hyperparameters on the validation period (Optuna
    TPE within its budget), fitted on train, and its validation figure."""
    found = catalogue(items, item_vectors)
    history = ClickMatrix.build(train, found.item_ids)
    targets = period_targets(
        history,
        validation,
        found.published_at,
        evaluation.get("max_readers"),
        seed,
    )
    fixed = candidate.get("fixed", {})

    def score(params: dict[str, Any]) -> float:
        tuned = {"family": candidate["family"], "params": {**fixed, **params}}
        model = fit_candidate(tuned, history, found.vectors, seed)
        readers, _ = evaluate_model(model, history, targets, evaluation)
        return float(readers[evaluation["metric"]].mean())

    params, best, search = _search(candidate["family"], score, candidate, seed)
    return {
        "family": candidate["family"],
        "params": {**fixed, **params},
        "validation": {evaluation["metric"]: best, "readers": len(targets.user_ids)},
        "search": search,
    }


def tune_hybrid(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    items: pd.DataFrame,
    item_vectors: pd.DataFrame,
    tuned_als: dict[str, Any],
    tuned_content: dict[str, Any],
    tuned_popularity: dict[str, Any],
    candidate: dict[str, Any],
    evaluation: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """Weights of the blend of the tuned ALS, content and popularity models on
    the validation period (ALS weight 1), the components fitted once on train.
    The objective adds ``new_items_weight`` times the metric on new items (for
    the readers who clicked one) to the metric on every reader."""
    found = catalogue(items, item_vectors)
    history = ClickMatrix.build(train, found.item_ids)
    targets = period_targets(
        history,
        validation,
        found.published_at,
        evaluation.get("max_readers"),
        seed,
    )
    tuned = {"als": tuned_als, "content": tuned_content, "popularity": tuned_popularity}
    fitted = {
        name: fit_candidate(tuned[name], history, found.vectors, seed)
        for name in HYBRID_COMPONENTS
    }

    metric, weight = evaluation["metric"], float(candidate["new_items_weight"])

    def figures(params: dict[str, Any]) -> tuple[float, float]:
        model = _hybrid(fitted, {"als": 1.0, **params})
        readers, _ = evaluate_model(model, history, targets, evaluation)
        new_items = readers.get(f"new_items_{metric}", pd.Series(dtype=float))
        on_new = float(new_items.mean()) if new_items.notna().any() else 0.0
        return float(readers[metric].mean()), on_new

    params, best, search = _search(
        "hybrid", lambda p: figures(p)[0] + weight * figures(p)[1], candidate, seed
    )
    overall, on_new = figures(params)
    return {
        "family": "hybrid",
        "params": {"als": 1.0, **params},
        "components": {name: tuned[name]["params"] for name in HYBRID_COMPONENTS},
        "validation": {
            metric: overall,
            f"new_items_{metric}": on_new,
            "objective": best,
            "readers": len(targets.user_ids),
        },
        "search": search,
    }


def collect_tuning(*tuned: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every candidate's tuning result by name (its family)."""
    return {result["family"]: result for result in tuned}


def fit_all(
    tuning: dict[str, dict[str, Any]],
    clicks: ClickMatrix,
    vectors: np.ndarray,
    seed: int,
) -> dict[str, Recommender]:
    """Every candidate with its tuned configuration fitted on ``clicks``."""
    fitted: dict[str, Recommender] = {}
    for name in [*BASE_FAMILIES, "hybrid"]:
        fitted[name] = fit_candidate(tuning[name], clicks, vectors, seed, fitted)
    return fitted


def chosen_candidate(tuning: dict[str, dict[str, Any]], metric: str) -> str:
    """The candidate with the best validation figure (the test period is never
    used to choose)."""
    return max(tuning, key=lambda name: tuning[name]["validation"][metric])


def evaluate_on_test(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    items: pd.DataFrame,
    item_vectors: pd.DataFrame,
    tuning: dict[str, dict[str, Any]],
    evaluation: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every tuned candidate refitted on train + validation and measured on the
    test period: the comparison (one row per model and segment) and the
    per-reader metrics."""
    found = catalogue(items, item_vectors)
    history = ClickMatrix.build(pd.concat([train, validation]), found.item_ids)
    targets = period_targets(
        history, test, found.published_at, evaluation.get("max_readers"), seed
    )
    fitted = fit_all(tuning, history, found.vectors, seed)
    rows, readers = [], []
    for name, model in fitted.items():
        per_reader, lists = evaluate_model(model, history, targets, evaluation)
        for row in summarise(per_reader, lists, evaluation["cold_user_max_clicks"]):
            rows.append({"model": name, **row})
        readers.append(per_reader.assign(model=name))
        logger.info(
            "%s on test: NDCG@10 %.4f, HR@10 %.4f, coverage %.3f.",
            name,
            per_reader["ndcg_at_10"].mean(),
            per_reader["hr_at_10"].mean(),
            lists["coverage"],
        )
    comparison = pd.DataFrame(rows)
    metric = evaluation["metric"]
    comparison.insert(
        2,
        f"validation_{metric}",
        comparison["model"].map(lambda n: tuning[n]["validation"][metric]),
    )
    return comparison, pd.concat(readers, ignore_index=True)


def models_on_test(
    comparison: pd.DataFrame, tuning: dict[str, dict[str, Any]], metric: str
) -> dict[str, Any]:
    """The chosen model's name and every model's test figures (all readers), as
    the quality gate reads them."""
    overall = comparison[comparison["segment"] == "all"].set_index("model")
    figures = overall.drop(columns="segment")
    return {
        "chosen_model": chosen_candidate(tuning, metric),
        "models": {
            name: {key: float(value) for key, value in row.items()}
            for name, row in figures.iterrows()
        },
    }


def register_model(
    interactions: pd.DataFrame,
    items: pd.DataFrame,
    item_vectors: pd.DataFrame,
    tuning: dict[str, dict[str, Any]],
    comparison: pd.DataFrame,
    evaluation: dict[str, Any],
    serving: dict[str, Any],
    promotion: dict[str, Any],
    seed: int,
) -> ModelRelease:
    """The candidate chosen on validation, refitted on every click, as an MLflow
    pyfunc release (a reader id or items just read in, k items out, with the
    model or fallback that chose them), with the verdict of its quality gate:
    it is served only if its test NDCG@10 beats the popularity baseline's."""
    results = models_on_test(comparison, tuning, evaluation["metric"])
    verdict = quality_gate(results, promotion["gate"])
    chosen = results["chosen_model"]
    found = catalogue(items, item_vectors)
    clicks = ClickMatrix.build(interactions, found.item_ids)
    needed = {"popularity"} | (
        set(HYBRID_COMPONENTS) if chosen == "hybrid" else {chosen}
    )
    fitted = {
        name: fit_candidate(tuning[name], clicks, found.vectors, seed)
        for name in sorted(needed)
    }
    model = fit_candidate(tuning[chosen], clicks, found.vectors, seed, fitted)
    served = RecommendationModel(
        model=model,
        name=chosen,
        fallback=fitted["popularity"],
        clicks=dataclasses.replace(clicks, clicks=clicks.clicks.iloc[:0]),
        items=items.set_index("item_id").loc[found.item_ids, ["title", "category"]],
        max_k=int(serving["max_k"]),
    )
    example = requests_frame(
        [int(clicks.user_ids[0]), None],
        [[], [int(found.item_ids[0])]],
        int(serving["default_k"]),
    )
    test = results["models"][chosen]
    return ModelRelease(
        python_model=served,
        signature=infer_signature(example, served.predict(None, example)),
        input_example=example,
        verdict=verdict,
        description=(
            f"Recommendation: {chosen} (chosen on validation NDCG@10), refitted on "
            f"{len(interactions):,} clicks. Test: NDCG@10 {test['ndcg_at_10']:.4f}, "
            f"HR@10 {test['hr_at_10']:.4f}, coverage {test['coverage']:.3f}. "
            f"{verdict.reason}."
        ),
        tags={"candidate": chosen},
        pip_requirements=["implicit==0.7.3", "scipy", "pandas", "numpy"],
    )
