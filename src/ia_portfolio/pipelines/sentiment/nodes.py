"""Nodes of the ``sentiment`` pipeline: the canonical corpus and its splits, the
models of each family, their comparison on the test split and the release of the
chosen one (figures in ``plots.py``, metrics and report in ``report.py``)."""

from __future__ import annotations

import importlib
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.model_selection import train_test_split

from ia_portfolio.pipelines.sentiment import classifiers
from ia_portfolio.pipelines.sentiment.examples import DOCUMENTATION_EXAMPLES
from ia_portfolio.pipelines.sentiment.metrics import (
    balanced_threshold,
    best_threshold,
    classification_metrics,
    grid_scores,
    negative_f1,
)
from ia_portfolio.pipelines.sentiment.serving_model import (
    CLASSIFIER_ARTIFACT,
    SentimentModel,
    predictions_frame,
)
from ia_portfolio.pipelines.sentiment.text import dedup_key, tokenize
from ia_portfolio.promotion import ModelRelease, quality_gate
from ia_portfolio.tuning import SearchResult, maximise

logger = logging.getLogger(__name__)


# TensorFlow and torch take seconds to import: loaded when a node needs them, so
# that other pipelines' runs, kedro viz and the API do not pay for them.
def _recurrent() -> ModuleType:
    return importlib.import_module("ia_portfolio.pipelines.sentiment.recurrent")


def _transformer() -> ModuleType:
    return importlib.import_module("ia_portfolio.pipelines.sentiment.transformer")


TEXT, LABEL = "text", "label"
REPORT_COLUMNS = [
    "model",
    "validation_f1_negative",
    "accuracy",
    "roc_auc",
    "f1_negative",
    "training_s",
    "latency_ms_per_text",
    "size_mb",
]
# Out-of-domain sets: the reported ones, then the one the choice of model reads.
OOD_SETS = ("drugs_test", "messages", "drugs_gate")
OOD_METRICS = ("accuracy", "f1_negative", "roc_auc")
OOD_COLUMNS = [f"ood_{s}_{m}" for s in OOD_SETS for m in OOD_METRICS]
DOCUMENTATION = "documentation"


@dataclass
class Candidate:
    """A trained model, its decision threshold and what its training cost."""

    name: str
    classifier: classifiers.TextClassifier
    threshold: float
    validation: dict[str, float]
    params: dict[str, Any]
    fit_seconds: float
    search_seconds: float
    n_trials: int


# --- data -----------------------------------------------------------------------


def prepare_corpus(raw: pd.DataFrame, data: dict[str, Any], seed: int) -> pd.DataFrame:
    """The raw table as the canonical ``text``/``label`` table (1 = positive).

    ``data`` names the text and label columns and which raw labels are negative
    and positive; rows with other labels or an empty text are dropped, and so are
    rows whose ``confidence_column`` is below ``min_confidence`` when both are
    set. With ``sample_size`` set, a stratified, seeded sample of that many rows
    is kept.
    """
    confidence_column = data.get("confidence_column")
    for key in ("text_column", "label_column", "confidence_column"):
        if data.get(key) is not None and data[key] not in raw.columns:
            raise KeyError(
                f"Column '{data[key]}' (parameter sentiment.data.{key}) is not in "
                f"sentiment.raw_texts; columns are {list(raw.columns)}."
            )
    unsure = pd.Series(False, index=raw.index)
    if confidence_column is not None:
        unsure = raw[confidence_column] < data["min_confidence"]
    corpus = _labelled(raw[~unsure], data)
    if corpus[LABEL].nunique() < 2:  # noqa: PLR2004
        raise ValueError(
            "sentiment.raw_texts needs both classes: check sentiment.data."
            "negative_labels/positive_labels against values "
            f"{raw[data['label_column']].unique()[:10]}."
        )
    sample_size = data.get("sample_size")
    if sample_size and sample_size < len(corpus):
        corpus, _ = train_test_split(
            corpus,
            train_size=sample_size,
            stratify=corpus[LABEL],
            random_state=seed,
        )
        corpus = corpus.reset_index(drop=True)
    logger.info(
        "%d texts (%d dropped, %d of them for a confidence below %s), "
        "%.1f %% negative.",
        len(corpus),
        len(raw) - len(corpus),
        int(unsure.sum()),
        data.get("min_confidence"),
        100 * (1 - corpus[LABEL].mean()),
    )
    return corpus


def deduplicate(corpus: pd.DataFrame) -> pd.DataFrame:
    """One row per text, compared cleaned and lowercased.

    A text seen with both labels says nothing reliable about either: all its
    copies are dropped. Otherwise its first copy is kept.
    """
    keys = corpus[TEXT].map(dedup_key)
    labels_per_key = corpus.groupby(keys)[LABEL].nunique()
    conflicting = keys.isin(labels_per_key.index[labels_per_key > 1])
    unique = corpus[~conflicting & ~keys.duplicated()]
    logger.info(
        "Deduplication: %d duplicate copies and %d rows of %d texts with "
        "conflicting labels dropped.",
        int((~conflicting & keys.duplicated()).sum()),
        int(conflicting.sum()),
        int((labels_per_key > 1).sum()),
    )
    return unique.reset_index(drop=True)


def split_corpus(
    corpus: pd.DataFrame, split: dict[str, Any], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Deduplicated, then stratified and seeded train/validation/test splits.

    After deduplication no text can land in two splits. Validation chooses
    hyperparameters, thresholds and the model; test is read once, at the end.
    """
    unique = deduplicate(corpus)
    train_validation, test = train_test_split(
        unique,
        test_size=split["test_size"],
        stratify=unique[LABEL],
        random_state=seed,
    )
    train, validation = train_test_split(
        train_validation,
        test_size=split["validation_size"] / (1 - split["test_size"]),
        stratify=train_validation[LABEL],
        random_state=seed,
    )
    logger.info(
        "Splits: %d train, %d validation, %d test.",
        len(train),
        len(validation),
        len(test),
    )
    return (
        train.reset_index(drop=True),
        validation.reset_index(drop=True),
        test.reset_index(drop=True),
    )


def _labelled(raw: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """``text`` and ``label`` (1 = positive) of the rows whose raw label is one of
    ``spec``'s negative or positive labels and whose text is not empty."""
    raw_labels = raw[spec["label_column"]]
    labels = pd.Series(np.nan, index=raw.index)
    labels[raw_labels.isin(spec["negative_labels"])] = 0
    labels[raw_labels.isin(spec["positive_labels"])] = 1
    texts = raw[spec["text_column"]].astype("string").str.strip()
    keep = labels.notna() & texts.notna() & (texts.str.len() > 0)
    return pd.DataFrame(
        {TEXT: texts[keep].astype(str), LABEL: labels[keep].astype(int)}
    ).reset_index(drop=True)


def prepare_out_of_domain(
    drug_reviews: pd.DataFrame, messages: pd.DataFrame, spec: dict[str, Any]
) -> pd.DataFrame:
    """Labelled texts of other domains than the training data, one ``set`` each:
    ``drugs_gate`` and ``drugs_test`` (the drugs.com reviews' two published
    parts), ``messages`` (short hand-written complaints and praise) and
    ``documentation`` (the texts the API's documentation shows).

    Drug reviews labelled neutral are left out: the question is negative versus
    positive, and a neutral review belongs to neither.
    """
    drugs = spec["drug_reviews"]
    parts = []
    for part, rows in drug_reviews.groupby("part", sort=False):
        parts.append(_labelled(rows, drugs).assign(set=f"drugs_{part}"))
    parts.append(_labelled(messages, spec["messages"]).assign(set="messages"))
    parts.append(
        pd.DataFrame(
            {
                TEXT: list(DOCUMENTATION_EXAMPLES),
                LABEL: list(DOCUMENTATION_EXAMPLES.values()),
                "set": DOCUMENTATION,
            }
        )
    )
    texts = pd.concat(parts, ignore_index=True)
    left_out = drug_reviews[drugs["label_column"]].isin(drugs["ignored_labels"])
    logger.info(
        "Out-of-domain texts: %s; %d neutral drug reviews left out.",
        {k: int(v) for k, v in texts["set"].value_counts(sort=False).items()},
        int(left_out.sum()),
    )
    return texts


# --- training -------------------------------------------------------------------


def _candidate(
    name: str,
    search: SearchResult,
    validation: pd.DataFrame,
    validation_proba: np.ndarray | None = None,
) -> Candidate:
    """The searched model at the threshold of the best validation balanced
    accuracy (``validation_proba``: its validation scores, when already known)."""
    proba = (
        search.model.predict_proba(validation[TEXT].tolist())
        if validation_proba is None
        else validation_proba
    )
    threshold = balanced_threshold(validation[LABEL].to_numpy(), proba)
    return Candidate(
        name=name,
        classifier=search.model,
        threshold=threshold,
        validation=classification_metrics(validation[LABEL], proba, threshold),
        params=search.params,
        fit_seconds=search.fit_seconds,
        search_seconds=search.search_seconds,
        n_trials=search.n_trials,
    )


def _validation_score(
    classifier: classifiers.TextClassifier, validation: pd.DataFrame
) -> float:
    """Negative-class F1 at the best threshold: the selection metric."""
    proba = classifier.predict_proba(validation[TEXT].tolist())
    y = validation[LABEL].to_numpy()
    return negative_f1(y, proba, best_threshold(y, proba))


def train_baselines(
    train: pd.DataFrame, validation: pd.DataFrame, baselines: dict[str, Any], seed: int
) -> dict[str, Candidate]:
    """The naive baseline (class prior), the VADER lexicon (nothing learned from
    the training texts) and a tuned TF-IDF + logistic regression."""
    texts, y = train[TEXT].tolist(), train[LABEL].to_numpy()
    started = time.perf_counter()
    dummy = classifiers.fit_dummy(texts, y)
    dummy_fit = SearchResult(
        model=dummy,
        params={"strategy": "prior"},
        score=_validation_score(dummy, validation),
        fit_seconds=time.perf_counter() - started,
        search_seconds=0.0,
        n_trials=1,
    )
    spec = baselines["tfidf_logreg"]

    def fit_tfidf(params: dict[str, Any]) -> tuple[Any, float]:
        model = classifiers.fit_tfidf_logreg(
            texts, y, {**spec["fixed"], **params}, seed
        )
        return model, _validation_score(model, validation)

    tfidf = maximise(
        "tfidf_logreg",
        fit_tfidf,
        spec["search_space"],
        {**spec["tuning"], "seed": seed},
    )
    return {
        "dummy_prior": _candidate("dummy_prior", dummy_fit, validation),
        "vader": _vader_candidate(baselines["vader"], validation),
        "tfidf_logreg": _candidate("tfidf_logreg", tfidf, validation),
    }


def _vader_candidate(spec: dict[str, Any], validation: pd.DataFrame) -> Candidate:
    """VADER at its authors' cut-off (positive from a compound score of
    ``spec["positive_from_compound"]``): a lexicon used as published, learning
    nothing from the training data, not even a threshold."""
    started = time.perf_counter()
    vader = classifiers.VaderClassifier()
    threshold = (spec["positive_from_compound"] + 1) / 2
    proba = vader.predict_proba(validation[TEXT].tolist())
    return Candidate(
        name="vader",
        classifier=vader,
        threshold=threshold,
        validation=classification_metrics(validation[LABEL], proba, threshold),
        params={"lexicon": "vaderSentiment", **spec},
        fit_seconds=time.perf_counter() - started,
        search_seconds=0.0,
        n_trials=1,
    )


def train_word_vectors(
    train: pd.DataFrame,
    word_vectors: dict[str, Any],
    glove: Any,
    seed: int,
) -> dict[str, Any]:
    """Word vectors per kind: those trained with gensim on the training texts, plus
    the pretrained GloVe vectors when their file is present."""
    recurrent = _recurrent()
    token_lists = [tokenize(t) for t in train[TEXT]]
    vectors = {
        kind: recurrent.train_word_vectors(token_lists, kind, word_vectors, seed)
        for kind in word_vectors["kinds"]
    }
    if glove is not None:
        vectors["glove"] = glove
    return vectors


def train_recurrent_models(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    word_vectors: dict[str, Any],
    spec: dict[str, Any],
    seed: int,
) -> dict[str, Candidate]:
    """One tuned Keras recurrent model per kind of word vectors."""
    recurrent = _recurrent()
    token_lists = [tokenize(t) for t in train[TEXT]]
    vocabulary = recurrent.build_vocabulary(
        token_lists, spec["vocabulary"]["min_count"], spec["vocabulary"]["max_size"]
    )
    max_len = spec["max_len"]
    train_ids = recurrent.encode(train[TEXT].tolist(), vocabulary, max_len)
    validation_ids = recurrent.encode(validation[TEXT].tolist(), vocabulary, max_len)
    y_train, y_validation = train[LABEL].to_numpy(), validation[LABEL].to_numpy()
    architecture = spec["fixed"]
    prefix = ("bi" if architecture["bidirectional"] else "") + architecture["cell"]

    candidates = {}
    for kind, vectors in word_vectors.items():
        matrix = recurrent.embedding_matrix(vocabulary, vectors, seed)

        def fit(
            params: dict[str, Any], matrix: np.ndarray = matrix
        ) -> tuple[Any, float]:
            model = recurrent.fit_recurrent(
                train_ids,
                y_train,
                validation_ids,
                y_validation,
                matrix,
                {**architecture, **params},
                seed,
            )
            classifier = recurrent.KerasSequenceClassifier(model, vocabulary, max_len)
            return classifier, _validation_score(classifier, validation)

        name = f"{prefix}_{kind}"
        search = maximise(
            name, fit, spec["search_space"], {**spec["tuning"], "seed": seed}
        )
        candidates[name] = _candidate(name, search, validation)
    return candidates


def train_transformer(
    train: pd.DataFrame, validation: pd.DataFrame, spec: dict[str, Any], seed: int
) -> dict[str, Candidate]:
    """With ``frozen.enabled``, frozen MiniLM embeddings (computed once) with a
    tuned logistic-regression head; with ``fine_tuning.enabled``, MiniLM
    fine-tuned with a linear head on ``fine_tuning.train_size`` training texts
    (a stratified, seeded sample; null: all), stopped early on the validation
    split."""
    candidates = {}
    if spec["frozen"]["enabled"]:
        candidates["minilm_logreg"] = _frozen_minilm(
            train, validation, spec["frozen"], seed
        )
    fine_tuning = spec["fine_tuning"]
    if fine_tuning["enabled"]:
        candidates["minilm_finetuned"] = _fine_tuned_minilm(
            train, validation, fine_tuning, seed
        )
    return candidates


def _frozen_minilm(
    train: pd.DataFrame, validation: pd.DataFrame, spec: dict[str, Any], seed: int
) -> Candidate:
    transformer = _transformer()
    encoder = transformer.MiniLMEncoder(
        spec["max_length"], spec["batch_size"], bfloat16=spec["bfloat16"]
    )
    started = time.perf_counter()
    train_embeddings = encoder.encode(train[TEXT].tolist(), progress=True)
    encoding_seconds = time.perf_counter() - started
    validation_embeddings = encoder.encode(validation[TEXT].tolist(), progress=True)
    y_train, y_validation = train[LABEL].to_numpy(), validation[LABEL].to_numpy()

    def fit(params: dict[str, Any]) -> tuple[Any, float]:
        head = transformer.fit_head(train_embeddings, y_train, params, seed)
        proba = head.predict_proba(validation_embeddings)[:, 1]
        score = negative_f1(y_validation, proba, best_threshold(y_validation, proba))
        return transformer.MiniLMClassifier(encoder, head), score

    search = maximise(
        "minilm_logreg", fit, spec["search_space"], {**spec["tuning"], "seed": seed}
    )
    # Encoding the training texts is part of what this model costs to train.
    search.fit_seconds += encoding_seconds
    return _candidate(
        "minilm_logreg",
        search,
        validation,
        search.model.head.predict_proba(validation_embeddings)[:, 1],
    )


def _fine_tuned_minilm(
    train: pd.DataFrame, validation: pd.DataFrame, spec: dict[str, Any], seed: int
) -> Candidate:
    if spec["train_size"] is not None and spec["train_size"] < len(train):
        train, _ = train_test_split(
            train,
            train_size=spec["train_size"],
            stratify=train[LABEL],
            random_state=seed,
        )
    params = {k: v for k, v in spec.items() if k not in {"enabled", "train_size"}}
    started = time.perf_counter()
    model = _transformer().fine_tune(
        train[TEXT].tolist(),
        train[LABEL].to_numpy(),
        validation[TEXT].tolist(),
        validation[LABEL].to_numpy(),
        params,
        seed,
    )
    seconds = time.perf_counter() - started
    fitted = SearchResult(
        model=model,
        params={
            **params,
            "train_size": len(train),
            "best_epoch": model.best_epoch,
            "evaluations": len(model.history),
        },
        score=max(h["validation_f1"] for h in model.history),
        fit_seconds=seconds,
        search_seconds=seconds,
        n_trials=1,
    )
    # The best evaluation already scored the validation split with these weights.
    return _candidate("minilm_finetuned", fitted, validation, model.validation_proba)


def _stacking() -> ModuleType:
    return importlib.import_module("ia_portfolio.pipelines.sentiment.stacking")


def train_lexicon_stack(
    baselines: dict[str, Candidate],
    recurrent_models: dict[str, Candidate],
    transformers: dict[str, Candidate],
    validation: pd.DataFrame,
    out_of_domain: pd.DataFrame,
    spec: dict[str, Any],
    selection: dict[str, Any],
    seed: int,
) -> dict[str, Candidate]:
    """VADER's four scores and the base models' logits (``spec["bases"]``, those
    trained) combined by a logistic regression fitted on the validation split,
    which none of them was trained on; its ``C`` searched on the out-of-fold
    validation F1 of the negative class.

    Its threshold is chosen on the gate set (``selection.gate.set``, out of
    domain, already read by the choice): the one with the largest smallest margin
    over the gate's baseline on the gate metrics, among those at which its
    out-of-fold validation F1 of the negative class is at least
    ``spec["validation_floor"]``'s (the prior-predicting dummy: the promotion
    gate's baseline). Its validation figures are out of fold, at that
    threshold. Nothing is learnt from the reported
    out-of-domain sets nor from the test split. Nothing is trained when
    ``spec["enabled"]`` is false.
    """
    if not spec["enabled"]:
        return {}
    stacking = _stacking()
    candidates = {**baselines, **recurrent_models, **transformers}
    missing = [b for b in spec["bases"] if b not in candidates]
    if missing:
        logger.warning("Lexicon stack: base models %s not trained, left out.", missing)
    bases = {b: candidates[b].classifier for b in spec["bases"] if b in candidates}
    gate = selection["gate"]
    lexicon = candidates[gate["baseline"]]
    started = time.perf_counter()
    stack = stacking.LexiconStackClassifier(lexicon.classifier, bases)
    features = stack.features(validation[TEXT].tolist())
    y = validation[LABEL].to_numpy()
    folds = spec["folds"]

    def fit(params: dict[str, Any]) -> tuple[Any, float]:
        proba = stacking.out_of_fold_proba(features, y, params, folds, seed)
        return proba, negative_f1(y, proba, best_threshold(y, proba))

    search = maximise(
        "lexicon_stack", fit, spec["search_space"], {**spec["tuning"], "seed": seed}
    )
    stack.head = stacking.make_head(search.params, seed).fit(features, y)
    gate_texts = out_of_domain[out_of_domain["set"] == gate["set"]]
    gate_y = gate_texts[LABEL].to_numpy()
    baseline = classification_metrics(
        gate_y,
        lexicon.classifier.predict_proba(gate_texts[TEXT].tolist()),
        lexicon.threshold,
    )
    # In domain, the stack must stay at least as good as the floor model
    # (predicting the prior) at its threshold, on its out-of-fold validation F1.
    floor = candidates[spec["validation_floor"]].validation["f1_negative"]
    allowed = grid_scores(y, search.model)["f1_negative"] >= floor
    threshold, margin = stacking.gate_threshold(
        gate_y, stack.predict_proba(gate_texts[TEXT].tolist()), baseline, allowed
    )
    seconds = time.perf_counter() - started
    weights = stacking.describe(stack)
    logger.info(
        "Lexicon stack of %s: threshold %.2f chosen on %s (smallest margin over %s "
        "%.3f), head weights %s.",
        list(bases),
        threshold,
        gate["set"],
        gate["baseline"],
        margin,
        weights,
    )
    return {
        "lexicon_stack": Candidate(
            name="lexicon_stack",
            classifier=stack,
            threshold=threshold,
            validation=classification_metrics(y, search.model, threshold),
            params={
                **search.params,
                "bases": ",".join(bases),
                "threshold_set": gate["set"],
                **weights,
            },
            fit_seconds=seconds,
            search_seconds=seconds,
            n_trials=search.n_trials,
        )
    }


# --- evaluation -----------------------------------------------------------------


def _latency_ms(classifier: classifiers.TextClassifier, texts: list[str]) -> float:
    """Median time to answer one text alone, as the API does (after a warm-up)."""
    classifier.predict_proba(texts[:1])
    timings = []
    for text in texts:
        started = time.perf_counter()
        classifier.predict_proba([text])
        timings.append(1000 * (time.perf_counter() - started))
    return statistics.median(timings)


def _size_mb(classifier: classifiers.TextClassifier, directory: Path) -> float:
    """Saved files, plus the MiniLM weights the model reads from its package."""
    size = classifiers.directory_size_mb(directory)
    if "minilm" in classifiers.families_of(classifier):
        size += classifiers.directory_size_mb(_transformer().minilm_path())
    return size


def _track(candidate: Candidate, row: dict[str, Any], directory: Path) -> None:
    """One nested MLflow run per model: parameters, metrics, saved files (only
    inside a tracked run, as kedro-mlflow opens for every ``kedro run``)."""
    if mlflow.active_run() is None:
        return
    with mlflow.start_run(run_name=f"sentiment.{candidate.name}", nested=True):
        mlflow.set_tag("family", candidate.classifier.family)
        mlflow.log_params({**candidate.params, "threshold": candidate.threshold})
        mlflow.log_metrics(
            {f"validation_{k}": v for k, v in candidate.validation.items()}
            | {
                f"test_{k}": row[k]
                for k in ("accuracy", "roc_auc", "f1_negative")
                if np.isfinite(row[k])
            }
            | {
                k: row[k]
                for k in ("training_s", "tuning_s", "latency_ms_per_text", "size_mb")
            }
            | {k: row[k] for k in OOD_COLUMNS if np.isfinite(row[k])}
        )
        mlflow.log_artifacts(str(directory), artifact_path="classifier")


def evaluate_out_of_domain(
    baselines: dict[str, Candidate],
    recurrent_models: dict[str, Candidate],
    transformers: dict[str, Candidate],
    stacked_models: dict[str, Candidate],
    texts: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every model on each out-of-domain set, at its own (validation) threshold,
    as the served model would answer: one row per model and set, and every text's
    ``P(positive)`` per model."""
    candidates = {**baselines, **recurrent_models, **transformers, **stacked_models}
    predictions = texts.copy()
    rows = []
    for name, candidate in candidates.items():
        proba = candidate.classifier.predict_proba(texts[TEXT].tolist())
        predictions[f"p_positive_{name}"] = proba
        for set_name, part in texts.groupby("set", sort=False):
            y = part[LABEL].to_numpy()
            rows.append(
                {
                    "model": name,
                    "set": set_name,
                    "n_texts": len(part),
                    "negative_share": float(1 - y.mean()),
                    **classification_metrics(
                        y, proba[part.index.to_numpy()], candidate.threshold
                    ),
                }
            )
        logger.info(
            "%s out of domain: %s",
            name,
            {
                r[
                    "set"
                ]: f"accuracy {r['accuracy']:.3f}, F1 neg. {r['f1_negative']:.3f}"
                for r in rows
                if r["model"] == name
            },
        )
    return pd.DataFrame(rows), predictions


def _out_of_domain_columns(results: pd.DataFrame) -> pd.DataFrame:
    """One row per model: ``ood_<set>_<metric>`` and the number of documentation
    examples answered correctly."""
    wide = results.pivot(index="model", columns="set", values=list(OOD_METRICS))
    columns = pd.DataFrame(index=wide.index)
    for set_name in OOD_SETS:
        for metric in OOD_METRICS:
            key = (metric, set_name)
            columns[f"ood_{set_name}_{metric}"] = (
                wide[key] if key in wide.columns else np.nan
            )
    documentation = results[results["set"] == DOCUMENTATION].set_index("model")
    columns["documentation_correct"] = (
        (documentation["accuracy"] * documentation["n_texts"]).round().astype(int)
    )
    columns["documentation_total"] = documentation["n_texts"]
    return columns


def _eligible(
    comparison: pd.DataFrame, gate: dict[str, Any], documentation: bool = True
) -> pd.Series:
    """Models that transfer: on the gate set (out of domain, not a reported
    figure), at least the lexicon baseline's score on every gate metric, and (if
    required, and ``documentation``) every documentation example answered
    correctly."""
    by_model = comparison.set_index("model")
    eligible = pd.Series(True, index=by_model.index)
    if gate["baseline"] in by_model.index:
        baseline = by_model.loc[gate["baseline"]]
        for metric in gate["metrics"]:
            column = f"ood_{gate['set']}_{metric}"
            eligible &= by_model[column] >= baseline[column]
    if gate["documentation"] and documentation:
        eligible &= by_model["documentation_correct"] == by_model["documentation_total"]
    return eligible.reindex(comparison["model"]).to_numpy()


def evaluate_candidates(
    baselines: dict[str, Candidate],
    recurrent_models: dict[str, Candidate],
    transformers: dict[str, Candidate],
    stacked_models: dict[str, Candidate],
    test: pd.DataFrame,
    out_of_domain: pd.DataFrame,
    latency: dict[str, Any],
    selection: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, Candidate]:
    """Every model on the same test split and out of domain, and the chosen one.

    The choice never reads the test split nor the reported out-of-domain sets.
    Eligible models transfer at least as well as the lexicon baseline on the gate
    set (``selection.gate``) and answer the documentation examples correctly; of
    those, the best validation F1 of the negative class wins, models within
    ``selection.tolerance`` of it count as tied and the fastest one (median
    latency per text) wins. The lexicon itself is the yardstick, never chosen.
    If no model is eligible, the rule falls back to the models that pass the
    gate's metrics but miss a documentation example, and if there are none to
    all the others (logged as a warning, ``eligible`` false for every model in
    the comparison).
    """
    candidates = {**baselines, **recurrent_models, **transformers, **stacked_models}
    texts, y_test = test[TEXT].tolist(), test[LABEL].to_numpy()
    latency_texts = texts[: latency["n_texts"]]
    ood = _out_of_domain_columns(out_of_domain)
    rows, predictions = [], {TEXT: texts, LABEL: y_test}
    for name, candidate in candidates.items():
        proba = candidate.classifier.predict_proba(texts)
        predictions[f"p_positive_{name}"] = proba
        with tempfile.TemporaryDirectory() as tmp:
            directory = classifiers.save_classifier(candidate.classifier, Path(tmp))
            row = {
                "model": name,
                "family": candidate.classifier.family,
                "threshold": candidate.threshold,
                "validation_f1_negative": candidate.validation["f1_negative"],
                **classification_metrics(y_test, proba, candidate.threshold),
                "training_s": candidate.fit_seconds,
                "tuning_s": candidate.search_seconds,
                "n_trials": candidate.n_trials,
                "latency_ms_per_text": _latency_ms(candidate.classifier, latency_texts),
                "size_mb": _size_mb(candidate.classifier, directory),
                **ood.loc[name].to_dict(),
                "documentation_correct": int(ood.loc[name, "documentation_correct"]),
                "documentation_total": int(ood.loc[name, "documentation_total"]),
            }
            _track(candidate, row, directory)
        rows.append(row)
        logger.info("%s on test: %s", name, {k: row[k] for k in REPORT_COLUMNS[1:]})

    comparison = pd.DataFrame(rows)
    gate = selection["gate"]
    others = comparison["model"] != gate["baseline"]
    comparison["eligible"] = _eligible(comparison, gate) & others
    tiers = {
        "eligible models": comparison["eligible"],
        "models that pass its metrics but miss a documentation example": (
            _eligible(comparison, gate, documentation=False) & others
        ),
        "all models but the gate's baseline": others,
    }
    described, pool = next(
        (what, comparison[mask]) for what, mask in tiers.items() if mask.any()
    )
    if described != "eligible models":
        logger.warning(
            "No model passes the out-of-domain gate %s: choosing among %s.",
            gate,
            described,
        )
    best = pool["validation_f1_negative"].max()
    tied = pool[pool["validation_f1_negative"] >= best - selection["tolerance"]]
    chosen = tied.sort_values("latency_ms_per_text").iloc[0]["model"]
    comparison["chosen"] = comparison["model"] == chosen
    comparison = comparison.sort_values(
        ["validation_f1_negative", "latency_ms_per_text"], ascending=[False, True]
    ).reset_index(drop=True)
    logger.info(
        "Chosen model: %s (eligible: %s).",
        chosen,
        ", ".join(comparison.loc[comparison["eligible"], "model"]) or "none",
    )
    return comparison, pd.DataFrame(predictions), candidates[chosen]


def models_on_test(comparison: pd.DataFrame) -> dict[str, Any]:
    """The chosen model's name and every model's row of the comparison, as in
    ``metrics.json`` (non-finite figures as ``None``)."""
    models = {
        row["model"]: {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in row.items()
            if k not in {"model", "chosen"}
        }
        for row in comparison.to_dict(orient="records")
    }
    chosen = comparison.loc[comparison["chosen"], "model"].iloc[0]
    return {"chosen_model": chosen, "models": models}


def register_model(
    chosen: Candidate,
    comparison: pd.DataFrame,
    train: pd.DataFrame,
    data: dict[str, Any],
    serving: dict[str, Any],
    promotion: dict[str, Any],
) -> ModelRelease:
    """The chosen model as an MLflow pyfunc release (texts in, label and
    ``probability_positive`` out, texts it cannot judge flagged), with the verdict
    of its quality gate: it is served only if it beats the naive baseline on the
    primary metric. It reads the comparison rather than ``metrics.json`` so that it
    runs with the in-memory chosen model (one Airflow task)."""
    results = models_on_test(comparison)
    verdict = quality_gate(results, promotion["gate"])
    example = pd.DataFrame({TEXT: ["Awful, never again.", "Lovely, would buy again."]})
    output = predictions_frame(
        chosen.classifier.predict_proba(example[TEXT].tolist()), chosen.threshold
    )
    test = results["models"][chosen.name]
    return ModelRelease(
        python_model=SentimentModel(
            vocabulary={word for text in train[TEXT] for word in tokenize(text)},
            languages=serving["languages"],
            min_language_probability=serving["min_language_probability"],
        ),
        signature=infer_signature(example, output),
        input_example=example,
        verdict=verdict,
        description=(
            f"Sentiment: {chosen.name} ({chosen.classifier.family}), negative below "
            f"P(positive) = {chosen.threshold:.3f}. Test: F1 of the negative class "
            f"{test['f1_negative']:.3f}, accuracy {test['accuracy']:.3f}. "
            f"{verdict.reason}."
        ),
        tags={"candidate": chosen.name, "family": chosen.classifier.family},
        model_config={
            "threshold": chosen.threshold,
            "label_description": " ".join(str(data["label_description"]).split()),
        },
        pip_requirements=classifiers.pip_requirements(
            *sorted(classifiers.families_of(chosen.classifier))
        ),
        write_artifacts=lambda directory: {
            CLASSIFIER_ARTIFACT: str(
                classifiers.save_classifier(chosen.classifier, directory / "classifier")
            )
        },
    )
