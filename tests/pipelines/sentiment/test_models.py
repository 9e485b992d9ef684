"""Tiny versions of every model family, trained for real in seconds."""

from __future__ import annotations

import io
import json
import textwrap
import warnings

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from ia_portfolio.pipelines.sentiment import classifiers, stacking
from ia_portfolio.pipelines.sentiment.metrics import (
    THRESHOLD_GRID,
    balanced_threshold,
    best_threshold,
    grid_scores,
    negative_f1,
    predict_labels,
)
from ia_portfolio.pipelines.sentiment.serving_model import (
    CLASSIFIER_ARTIFACT,
    SentimentModel,
)
from ia_portfolio.pipelines.sentiment.text import tokenize
from tests.support.project import last_printed_line

CLEARLY_POSITIVE = ["love it, delicious and perfect", "excellent tasty snack, great"]
CLEARLY_NEGATIVE = ["awful stale box, I hate it", "terrible and disgusting, broken"]
TFIDF_PARAMS = {
    "max_ngram": 1,
    "min_df": 1,
    "max_features": 1000,
    "C": 10.0,
    "class_weight": None,
}


def _accuracy(classifier, corpus: pd.DataFrame) -> float:
    proba = classifier.predict_proba(corpus["text"].tolist())
    return float(((proba >= 0.5) == corpus["label"].to_numpy()).mean())


def test_vader_scores_polarity_without_training_and_round_trips(tmp_path):
    vader = classifiers.VaderClassifier()
    positive = vader.predict_proba(CLEARLY_POSITIVE)
    negative = vader.predict_proba(CLEARLY_NEGATIVE)
    assert positive.min() > 0.75 and negative.max() < 0.25
    loaded = classifiers.load_classifier(
        classifiers.save_classifier(vader, tmp_path / "vader")
    )
    assert loaded.family == "lexicon"
    np.testing.assert_allclose(loaded.predict_proba(CLEARLY_NEGATIVE), negative)


def test_dummy_predicts_the_prior_whatever_the_text(separable_train):
    dummy = classifiers.fit_dummy(
        separable_train["text"].tolist(), separable_train["label"]
    )
    proba = dummy.predict_proba(CLEARLY_POSITIVE + CLEARLY_NEGATIVE)
    assert np.allclose(proba, separable_train["label"].mean())


def test_tfidf_logreg_separates_clear_texts_and_round_trips(separable_train, tmp_path):
    model = classifiers.fit_tfidf_logreg(
        separable_train["text"].tolist(), separable_train["label"], TFIDF_PARAMS, seed=0
    )
    positive = model.predict_proba(CLEARLY_POSITIVE)
    negative = model.predict_proba(CLEARLY_NEGATIVE)
    assert positive.min() > 0.6 and negative.max() < 0.4
    loaded = classifiers.load_classifier(
        classifiers.save_classifier(model, tmp_path / "m")
    )
    np.testing.assert_allclose(loaded.predict_proba(CLEARLY_POSITIVE), positive)


def test_threshold_maximises_negative_f1():
    y = np.array([0, 0, 0, 1, 1, 1])
    proba = np.array([0.1, 0.3, 0.55, 0.6, 0.8, 0.9])
    threshold = best_threshold(y, proba)
    assert 0.55 < threshold <= 0.6
    assert negative_f1(y, proba, threshold) == 1.0
    assert negative_f1(y, proba, 0.5) < 1.0


@pytest.mark.parametrize("share_positive", [0.3, 0.0, 1.0])
def test_grid_scores_are_sklearns_at_every_threshold(share_positive):
    rng = np.random.default_rng(0)
    y = (rng.random(200) < share_positive).astype(int)
    proba = rng.random(200)
    scores = grid_scores(y, proba)
    for i, threshold in enumerate(THRESHOLD_GRID):
        y_pred = predict_labels(proba, threshold)
        assert scores["accuracy"][i] == pytest.approx(accuracy_score(y, y_pred))
        assert scores["f1_negative"][i] == pytest.approx(
            negative_f1(y, proba, threshold)
        )
        with warnings.catch_warnings():  # one class only: sklearn warns
            warnings.simplefilter("ignore")
            expected = balanced_accuracy_score(y, y_pred)
        assert scores["balanced_accuracy"][i] == pytest.approx(expected)


def test_balanced_threshold_does_not_follow_the_share_of_negatives():
    # 70 % negative: the best F1 of the negative class calls every doubtful text
    # negative; the best balanced accuracy weighs both classes' recalls equally.
    y = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    proba = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.42, 0.7, 0.9])
    by_f1, balanced = best_threshold(y, proba), balanced_threshold(y, proba)
    assert balanced == 0.42 < by_f1
    assert balanced_accuracy_score(y, predict_labels(proba, balanced)) > (
        balanced_accuracy_score(y, predict_labels(proba, by_f1))
    )


def test_lexicon_stack_weighs_vader_and_a_base_model_and_round_trips(
    separable_train, separable_validation, tmp_path
):
    base = classifiers.fit_tfidf_logreg(
        separable_train["text"].tolist(), separable_train["label"], TFIDF_PARAMS, seed=0
    )
    stack = stacking.LexiconStackClassifier(
        classifiers.VaderClassifier(), {"tfidf_logreg": base}
    )
    texts = separable_validation["text"].tolist()
    features = stack.features(texts)
    assert features.shape == (len(texts), 5)  # 4 lexicon scores, 1 logit
    y = separable_validation["label"].to_numpy()
    stack.head = stacking.make_head({"C": 1.0}, seed=0).fit(features, y)
    assert _accuracy(stack, separable_validation) >= 0.9
    oof = stacking.out_of_fold_proba(features, y, {"C": 1.0}, folds=3, seed=0)
    assert oof.shape == (len(texts),) and ((oof >= 0.5) == y).mean() >= 0.9
    assert classifiers.families_of(stack) == {"lexicon_stack", "lexicon", "sklearn"}
    assert "vaderSentiment" in " ".join(
        classifiers.pip_requirements(*classifiers.families_of(stack))
    )
    loaded = classifiers.load_classifier(
        classifiers.save_classifier(stack, tmp_path / "stack")
    )
    assert list(loaded.bases) == ["tfidf_logreg"]
    np.testing.assert_allclose(
        loaded.predict_proba(CLEARLY_NEGATIVE), stack.predict_proba(CLEARLY_NEGATIVE)
    )


def test_gate_threshold_has_the_largest_smallest_margin_over_the_baseline():
    # 3 negatives then 7 positives; P(positive) ranks them perfectly but low.
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    proba = np.array([0.05, 0.1, 0.15, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    baseline = {"accuracy": 0.7, "f1_negative": 0.5}
    threshold, margin = stacking.gate_threshold(y, proba, baseline)
    assert 0.15 < threshold <= 0.25  # every text right
    assert margin == pytest.approx(min(1.0 - 0.7, 1.0 - 0.5))
    # Thresholds ruled out (e.g. by the in-domain floor) are never chosen.
    allowed = THRESHOLD_GRID >= 0.5  # noqa: PLR2004
    threshold, margin = stacking.gate_threshold(y, proba, baseline, allowed)
    assert threshold == 0.5 and margin < 0.3  # noqa: PLR2004


def test_fasttext_vectors_cover_unseen_words_word2vec_does_not(separable_train):
    from ia_portfolio.pipelines.sentiment import recurrent  # noqa: PLC0415

    tokens = [t.split() for t in separable_train["text"]]
    params = {
        "vector_size": 8,
        "window": 3,
        "min_count": 1,
        "skip_gram": 1,
        "epochs": 2,
    }
    word2vec = recurrent.train_word_vectors(tokens, "word2vec", params, seed=0)
    fasttext = recurrent.train_word_vectors(tokens, "fasttext", params, seed=0)
    assert word2vec.vector_size == fasttext.vector_size == 8
    assert "delicious" in word2vec and "deliciously" not in word2vec
    assert fasttext["deliciously"].shape == (8,)


def test_keras_model_outputs_probabilities_and_learns(
    separable_train, separable_validation, tmp_path
):
    from ia_portfolio.pipelines.sentiment import recurrent  # noqa: PLC0415

    texts = separable_train["text"].tolist()
    tokens = [t.split() for t in texts]
    vocabulary = recurrent.build_vocabulary(tokens, min_count=1, max_size=100)
    vectors = recurrent.train_word_vectors(
        tokens,
        "word2vec",
        {"vector_size": 8, "window": 3, "min_count": 1, "skip_gram": 1, "epochs": 2},
        seed=0,
    )
    matrix = recurrent.embedding_matrix(vocabulary, vectors, seed=0)
    assert matrix.shape == (len(vocabulary) + 2, 8) and not matrix[0].any()
    max_len = 10
    params = {
        "cell": "gru",
        "bidirectional": True,
        "units": 8,
        "dropout": 0.0,
        "trainable_embeddings": True,
        "loss": "binary_crossentropy",
        "learning_rate": 0.02,
        "batch_size": 32,
        "epochs": 4,
        "patience": 2,
    }
    model = recurrent.fit_recurrent(
        recurrent.encode(texts, vocabulary, max_len),
        separable_train["label"].to_numpy(),
        recurrent.encode(separable_validation["text"].tolist(), vocabulary, max_len),
        separable_validation["label"].to_numpy(),
        matrix,
        params,
        seed=0,
    )
    classifier = recurrent.KerasSequenceClassifier(model, vocabulary, max_len)
    proba = classifier.predict_proba(separable_validation["text"].tolist())
    assert proba.shape == (len(separable_validation),)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert _accuracy(classifier, separable_validation) >= 0.8  # chance is 0.5
    loaded = classifiers.load_classifier(
        classifiers.save_classifier(classifier, tmp_path / "keras")
    )
    np.testing.assert_allclose(
        loaded.predict_proba(CLEARLY_NEGATIVE),
        classifier.predict_proba(CLEARLY_NEGATIVE),
        atol=1e-6,
    )


@pytest.fixture(scope="module")
def encoder():
    from ia_portfolio.pipelines.sentiment.transformer import MiniLMEncoder  # noqa: PLC0415

    return MiniLMEncoder(max_length=32, batch_size=16)


def test_minilm_embeddings_have_384_dims_and_ignore_padding(encoder):
    short = "Great coffee."
    long = "The tea arrived stale and broken, the box was crushed and I hate it. " * 3
    tokens = encoder.tokenize([short, long])
    # The short text is padded up to the long one; the mask marks the padding.
    assert tokens["input_ids"].shape == tokens["attention_mask"].shape
    assert tokens["attention_mask"][0].sum() < tokens["attention_mask"][1].sum() == 32
    assert (
        tokens["input_ids"][0][tokens["attention_mask"][0] == 0]
        == encoder.tokenizer.pad_token_id
    ).all()
    alone = encoder.encode([short])
    padded = encoder.encode([short, long])
    assert alone.shape == (1, 384)
    np.testing.assert_allclose(padded[0], alone[0], atol=1e-5)
    assert np.linalg.norm(alone[0]) == pytest.approx(1.0, abs=1e-5)


def test_bfloat16_embeddings_stay_close_to_float32_and_round_trip(encoder, tmp_path):
    from ia_portfolio.pipelines.sentiment import transformer  # noqa: PLC0415

    fast = transformer.MiniLMEncoder(max_length=32, batch_size=16, bfloat16=True)
    # Only where the CPU computes bfloat16 natively (emulated, it would be slower).
    assert fast.bfloat16 == transformer.native_bfloat16()
    texts = CLEARLY_NEGATIVE + CLEARLY_POSITIVE
    exact, approximate = encoder.encode(texts), fast.encode(texts)
    assert approximate.dtype == np.float32
    cosine = (exact * approximate).sum(axis=1)  # both are L2-normalised
    assert cosine.min() > 0.99
    (tmp_path / "encoder.json").write_text(json.dumps(fast.config()))
    assert transformer.MiniLMEncoder.from_config(tmp_path).bfloat16 == fast.bfloat16


def test_minilm_head_learns_and_round_trips(
    encoder, separable_train, separable_validation, tmp_path
):
    from ia_portfolio.pipelines.sentiment import transformer  # noqa: PLC0415

    head = transformer.fit_head(
        encoder.encode(separable_train["text"].tolist()),
        separable_train["label"].to_numpy(),
        {"C": 10.0, "class_weight": None},
        seed=0,
    )
    classifier = transformer.MiniLMClassifier(encoder, head)
    assert _accuracy(classifier, separable_validation) >= 0.9
    loaded = classifiers.load_classifier(
        classifiers.save_classifier(classifier, tmp_path / "minilm")
    )
    assert not list((tmp_path / "minilm").glob("*.safetensors"))  # weights not copied
    np.testing.assert_allclose(
        loaded.predict_proba(CLEARLY_POSITIVE),
        classifier.predict_proba(CLEARLY_POSITIVE),
        atol=1e-6,
    )


# Emoji only; another language (every word unknown to an English model would
# also do, so the French text shares words with the training texts on purpose).
NOT_JUDGEABLE = [
    "\U0001f621\U0001f621\U0001f621",
    "Ce produit est une horreur, je ne le recommande à personne : great awful",
]


# A fresh interpreter importing MLflow and the project: tens of seconds, so in the
# slow tier (test_pipeline.py also loads the registered model in a fresh process).
@pytest.mark.slow
def test_pyfunc_model_keeps_the_contract_in_a_fresh_process(separable_train, tmp_path):
    model = classifiers.fit_tfidf_logreg(
        separable_train["text"].tolist(), separable_train["label"], TFIDF_PARAMS, seed=0
    )
    directory = classifiers.save_classifier(model, tmp_path / "classifier")
    mlflow.pyfunc.save_model(
        tmp_path / "pyfunc",
        python_model=SentimentModel(
            vocabulary={w for t in separable_train["text"] for w in tokenize(t)}
        ),
        artifacts={CLASSIFIER_ARTIFACT: str(directory)},
        model_config={"threshold": 0.5},
        pip_requirements=classifiers.pip_requirements("sklearn"),
    )
    script = textwrap.dedent(
        f"""
        import mlflow.pyfunc, pandas as pd
        model = mlflow.pyfunc.load_model({str(tmp_path / "pyfunc")!r})
        texts = {CLEARLY_NEGATIVE + CLEARLY_POSITIVE + NOT_JUDGEABLE!r}
        print(model.predict(pd.DataFrame({{"text": texts}})).to_json(orient="records"))
        """
    )
    output = pd.read_json(io.StringIO(last_printed_line(script, cwd=tmp_path)))
    assert list(output.columns) == ["label", "probability_positive", "reason"]
    assert output["label"].tolist() == ["negative"] * 2 + ["positive"] * 2 + [
        "unknown"
    ] * len(NOT_JUDGEABLE)
    assert output["probability_positive"].between(0, 1).all()
    reasons = output["reason"].fillna("").tolist()
    assert reasons[:4] == [""] * 4
    assert "none of its words" in reasons[4]
    assert "written in 'fr'" in reasons[5]


def test_evaluations_are_evenly_spaced_and_the_last_step_is_evaluated_once():
    from ia_portfolio.pipelines.sentiment.transformer import (  # noqa: PLC0415
        evaluation_steps,
    )

    assert evaluation_steps(6, 2) == {3, 6}
    # 313 batches, 2 evaluations: halfway and the last step, not also step 312.
    assert evaluation_steps(313, 2) == {156, 313}
    assert evaluation_steps(961, 3) == {320, 641, 961}


def test_fine_tuned_minilm_learns_and_saves_its_own_weights(
    separable_train, separable_validation, tmp_path
):
    import torch  # noqa: PLC0415

    from ia_portfolio.pipelines.sentiment import transformer  # noqa: PLC0415

    params = {
        "max_length": 16,
        "batch_size": 16,
        "max_epochs": 2,
        "frozen_layers": 2,
        "learning_rate": 5e-5,
        "head_learning_rate": 0.01,
        "evaluations_per_epoch": 2,
        "patience": 10,
        "max_seconds": 600,
        "warmup_share": 0.1,
        "bfloat16": True,
    }
    train = separable_train.head(96)
    validation = separable_validation.head(32)
    classifier = transformer.fine_tune(
        train["text"].tolist(),
        train["label"].to_numpy(),
        validation["text"].tolist(),
        validation["label"].to_numpy(),
        params,
        seed=0,
    )
    # Evaluated twice per epoch on validation; the best evaluation's weights kept.
    assert [h["epoch"] for h in classifier.history] == [0.5, 1.0, 1.5, 2.0]
    best = max(classifier.history, key=lambda h: h["validation_f1"])
    assert classifier.best_epoch == best["epoch"]
    proba = classifier.predict_proba(validation["text"].tolist())
    y = validation["label"].to_numpy()
    assert negative_f1(y, proba, best_threshold(y, proba)) == pytest.approx(
        best["validation_f1"]
    )
    # The kept weights' validation scores, reused to choose the threshold.
    np.testing.assert_allclose(classifier.validation_proba, proba, atol=1e-6)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert _accuracy(classifier, separable_validation) >= 0.8
    # Embeddings and the bottom layers stayed as pretrained.
    pretrained = transformer.MiniLMEncoder(16, 16).model
    tuned = classifier.encoder.model
    assert torch.equal(
        tuned.embeddings.word_embeddings.weight,
        pretrained.embeddings.word_embeddings.weight,
    )
    assert torch.equal(
        tuned.encoder.layer[1].output.dense.weight,
        pretrained.encoder.layer[1].output.dense.weight,
    )
    assert not torch.equal(
        tuned.encoder.layer[5].output.dense.weight,
        pretrained.encoder.layer[5].output.dense.weight,
    )
    directory = classifiers.save_classifier(classifier, tmp_path / "finetuned")
    assert (directory / "encoder" / "model.safetensors").is_file()
    loaded = classifiers.load_classifier(directory)
    np.testing.assert_allclose(
        loaded.predict_proba(CLEARLY_POSITIVE),
        classifier.predict_proba(CLEARLY_POSITIVE),
        atol=1e-5,
    )
