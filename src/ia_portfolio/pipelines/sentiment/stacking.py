"""A lexicon stacked with trained models: VADER's scores and the trained models'
probabilities combined by a logistic regression fitted on the validation split.

The trained models rank texts of their training domain well but read other
domains through it. The lexicon knows polarity words whatever the domain but
ranks poorly. The stack weighs both on texts none of its parts was
trained on (the validation split), and answers at a decision threshold chosen
out of domain (see :func:`gate_threshold`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import special
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ia_portfolio.pipelines.sentiment import classifiers
from ia_portfolio.pipelines.sentiment.metrics import best_of_grid, grid_scores

LEXICON_SCORES = ("compound", "pos", "neg", "neu")
BASES_DIRECTORY = "bases"
# Probabilities are clipped before their logit: a confident model's 0 or 1 would
# be an infinite feature.
_EPSILON = 1e-6


def logit(proba: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))``, ``p`` clipped to ``[1e-6, 1 - 1e-6]``."""
    return special.logit(
        np.clip(np.asarray(proba, dtype=float), _EPSILON, 1 - _EPSILON)
    )


class LexiconStackClassifier:
    """Raw texts -> VADER's four scores and each base model's ``logit P(positive)``
    -> standardised -> logistic regression -> ``P(positive)``."""

    family = "lexicon_stack"

    def __init__(
        self,
        lexicon: classifiers.VaderClassifier,
        bases: Mapping[str, classifiers.TextClassifier],
        head: Pipeline | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.bases = dict(bases)
        self.head = head

    @property
    def families(self) -> set[str]:
        """Families whose code and packages the stack needs."""
        return {self.family, self.lexicon.family} | {
            b.family for b in self.bases.values()
        }

    def lexicon_scores(self, texts: Sequence[str]) -> np.ndarray:
        """VADER's compound, positive, negative and neutral scores, one row a text."""
        rows = [[self.lexicon.polarity(t)[k] for k in LEXICON_SCORES] for t in texts]
        return np.array(rows, dtype=float).reshape(len(texts), len(LEXICON_SCORES))

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The head's input: lexicon scores, then one logit per base model."""
        texts = list(texts)
        columns = [self.lexicon_scores(texts)]
        columns += [
            logit(base.predict_proba(texts))[:, None] for base in self.bases.values()
        ]
        return np.hstack(columns)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.head.predict_proba(self.features(texts))[:, 1]

    def save(self, directory: Path) -> None:
        for name, base in self.bases.items():
            classifiers.save_classifier(base, directory / BASES_DIRECTORY / name)
        joblib.dump(self.head, directory / "head.joblib")
        (directory / "stack.json").write_text(json.dumps({"bases": list(self.bases)}))

    @classmethod
    def load(cls, directory: Path) -> LexiconStackClassifier:
        directory = Path(directory)
        names = json.loads((directory / "stack.json").read_text())["bases"]
        bases = {
            name: classifiers.load_classifier(directory / BASES_DIRECTORY / name)
            for name in names
        }
        head = joblib.load(directory / "head.joblib")
        return cls(classifiers.VaderClassifier(), bases, head)


def make_head(params: Mapping[str, Any], seed: int) -> Pipeline:
    """Standardised features -> L2-regularised logistic regression (``params``:
    ``C``), not fitted."""
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=params["C"], max_iter=2000, random_state=seed),
    )


def out_of_fold_proba(
    features: np.ndarray,
    labels: np.ndarray,
    params: Mapping[str, Any],
    folds: int,
    seed: int,
) -> np.ndarray:
    """``P(positive)`` of each text by a head fitted on the other folds: the
    head's own texts scored as if unseen."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return cross_val_predict(
        make_head(params, seed), features, labels, cv=splitter, method="predict_proba"
    )[:, 1]


def gate_threshold(
    labels: np.ndarray,
    proba: np.ndarray,
    baseline: Mapping[str, float],
    allowed: np.ndarray | None = None,
) -> tuple[float, float]:
    """The threshold of the grid with the largest smallest margin over
    ``baseline`` on accuracy and F1 of the negative class (the two figures the
    gate compares), the one closest to 0.5 on ties; and that margin. Only
    thresholds where ``allowed`` (a mask over ``THRESHOLD_GRID``) is true are
    considered, all of them if none is.

    On texts of another domain than the training data, the threshold that best
    separates the classes in domain is not the one that best separates them
    there; this one is chosen on the gate's texts.
    """
    scores = grid_scores(labels, proba)
    margins = np.minimum(
        scores["accuracy"] - baseline["accuracy"],
        scores["f1_negative"] - baseline["f1_negative"],
    )
    if allowed is not None and allowed.any():
        margins = np.where(allowed, margins, -np.inf)
    return best_of_grid(margins), float(margins.max())


def describe(stack: LexiconStackClassifier) -> dict[str, Any]:
    """The head's weights per feature (on standardised features), for the log
    and the tracked parameters."""
    names = [f"vader_{k}" for k in LEXICON_SCORES] + [
        f"logit_{name}" for name in stack.bases
    ]
    weights = stack.head[-1].coef_[0]
    return {
        f"weight_{n}": round(float(w), 4) for n, w in zip(names, weights, strict=True)
    }
