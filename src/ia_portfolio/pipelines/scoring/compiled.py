"""The scoring model compiled for one applicant at a time.

:meth:`CreditScoringModel.assess` runs sklearn's pipeline on a one-row DataFrame:
right for batches, but on one row most of its time is framework overhead (column
selection, validation, pandas round trips). :class:`CompiledScorer` reads the
fitted model once, at load time, and scores a dict of raw fields with NumPy
arithmetic, giving the same probability, decision and reasons.

How: every output column of the fitted preprocessing depends on one input column
(imputers, scalers, one-hot and ordinal encoders work column by column). Take a
reference row ``r`` (numbers 0, categories missing): the preprocessing of any row
is ``T(r)`` plus, for each column ``c``, the change ``T(r with c = v) - T(r)``.
That change is linear in ``v`` for a present number (``slope * v``) and a fixed
vector for a missing number or for each category: all are measured by probing
the fitted preprocessing itself, so the compiled form cannot drift from it (and
compilation checks linearity). The classifier is then a dot product (logistic
regression; SHAP values ``coef * (x - mean)`` as shap's ``LinearExplainer``),
LightGBM's booster (``pred_contrib``: its exact TreeSHAP values) or a constant
(the dummy).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from ia_portfolio.pipelines.scoring.model import (
    CreditScoringModel,
    calibrate,
    raw_field_of,
    top_reasons,
)

_UNSEEN = "\x00a category training never met\x00"
_LINEARITY_PROBE = 1_000.0


class CompilationError(ValueError):
    """The fitted preprocessing is not column-wise affine: it cannot be compiled."""


class CompiledScorer:
    """Probability of default, decision and top reasons of one applicant from a
    :class:`CreditScoringModel`, with no sklearn or pandas on the request path."""

    def __init__(self, model: CreditScoringModel) -> None:
        self.threshold = model.threshold
        self._calibration = model.calibration
        features = model.pipeline.named_steps["features"]
        self._sentinels = [(s["column"], s["value"]) for s in features.sentinels or []]
        self._ratios = [
            (r["name"], r["numerator"], r["denominator"]) for r in features.ratios or []
        ]
        preprocess = model.pipeline.named_steps["preprocess"]
        columns = list(preprocess.feature_names_in_)
        by_kind = {name: list(cols) for name, _, cols in preprocess.transformers_}
        self._numeric = [c for c in columns if c in by_kind.get("numeric", [])]
        categorical = [c for c in columns if c in by_kind.get("categorical", [])]
        self._compile_preprocessing(model, preprocess, columns, categorical)
        names = list(preprocess.get_feature_names_out())
        field_map = pd.get_dummies(
            pd.Series([raw_field_of(name, columns) for name in names]), dtype=float
        )
        self._fields = list(field_map.columns)
        self._field_map = field_map.to_numpy()
        self._compile_classifier(model)

    def _compile_preprocessing(
        self,
        model: CreditScoringModel,
        preprocess: Any,
        columns: list[str],
        categorical: list[str],
    ) -> None:
        reference: dict[str, Any] = dict.fromkeys(self._numeric, 0.0)
        reference.update(dict.fromkeys(categorical, math.nan))
        rows = [reference]
        for column in self._numeric:
            rows += [
                {**reference, column: 1.0},
                {**reference, column: math.nan},
                {**reference, column: _LINEARITY_PROBE},
            ]
        categories: dict[str, list[Any]] = {}
        for column in categorical:
            constraint = model.field_constraints.get(column)
            categories[column] = [
                *(constraint.categories if constraint else ()),
                _UNSEEN,
            ]
            rows += [{**reference, column: value} for value in categories[column]]
        frame = pd.DataFrame(rows, columns=columns)
        frame[self._numeric] = frame[self._numeric].astype(float)
        frame[categorical] = frame[categorical].astype(object)
        probed = np.asarray(preprocess.transform(frame), dtype=float)
        self._reference = probed[0]
        deltas = probed[1:] - self._reference
        n_numeric = len(self._numeric)
        at_one = deltas[0 : 3 * n_numeric : 3]
        at_probe = deltas[2 : 3 * n_numeric : 3]
        if not np.allclose(_LINEARITY_PROBE * at_one, at_probe, rtol=1e-9, atol=1e-9):
            raise CompilationError("numeric preprocessing is not affine per column")
        self._slopes = at_one  # (n_numeric, n_outputs)
        missing = deltas[1 : 3 * n_numeric : 3]
        # Trees keep a missing number missing: those outputs become NaN.
        self._missing_stays_nan = np.isnan(missing)
        self._missing = np.nan_to_num(missing, nan=0.0)
        self._categories: dict[str, dict[Any, np.ndarray]] = {}
        start = 3 * n_numeric
        for column in categorical:
            values = categories[column]
            block = deltas[start : start + len(values)]
            self._categories[column] = dict(zip(values, block, strict=True))
            start += len(values)

    def _compile_classifier(self, model: CreditScoringModel) -> None:
        classifier = model.pipeline.named_steps["classifier"]
        self._booster = None
        self._coef = None
        self._constant = None
        if isinstance(classifier, LogisticRegression):
            self._coef = classifier.coef_[0].astype(float)
            self._intercept = float(classifier.intercept_[0])
            self._explained_mean = np.asarray(
                model.explainer().mean, dtype=float
            ).ravel()
        elif isinstance(classifier, LGBMClassifier):
            self._booster = classifier.booster_
        elif isinstance(classifier, DummyClassifier):
            self._constant = float(
                classifier.predict_proba(self._reference[None])[0, 1]
            )
        else:
            raise CompilationError(f"no compiled form for {type(classifier).__name__}")

    def derived_fields(self, applicant: Mapping[str, Any]) -> dict[str, Any]:
        """The raw fields as the model's features step sees them: sentinel codes
        turned into missing values plus a flag, and the configured ratios."""
        values: dict[str, Any] = {
            name: math.nan if applicant.get(name) is None else float(applicant[name])
            for name in self._numeric
        }
        values.update({name: applicant.get(name) for name in self._categories})
        for column, code in self._sentinels:
            is_code = values[column] == code
            values[f"{column}_IS_SENTINEL"] = 1.0 if is_code else 0.0
            if is_code:
                values[column] = math.nan
        for name, numerator, denominator in self._ratios:
            below = values[denominator]
            quotient = math.nan if below == 0 else values[numerator] / below
            values[name] = quotient if math.isfinite(quotient) else math.nan
        return values

    def assess(self, applicant: Mapping[str, Any], top_k: int = 5) -> dict[str, Any]:
        """``probability_of_default``, ``decision`` and the ``top_k`` ``reasons`` of
        one applicant given as raw field values (``None`` when unknown)."""
        values = self.derived_fields(applicant)
        numbers = np.array([values[name] for name in self._numeric])
        missing = np.isnan(numbers)
        transformed = (
            self._reference
            + np.where(missing, 0.0, numbers) @ self._slopes
            + missing.astype(float) @ self._missing
        )
        if missing.any():
            transformed[self._missing_stays_nan[missing].any(axis=0)] = math.nan
        for column, shares in self._categories.items():
            value = values[column]
            if value is not None:
                transformed = transformed + shares.get(value, shares[_UNSEEN])
        probability, contributions = self._score(transformed)
        probability = float(calibrate(np.array([probability]), self._calibration)[0])
        by_field = dict(zip(self._fields, contributions @ self._field_map, strict=True))
        shown = {
            name: None if isinstance(v, float) and math.isnan(v) else v
            for name, v in values.items()
        }
        return {
            "probability_of_default": probability,
            "decision": "refuse" if probability >= self.threshold else "grant",
            "reasons": top_reasons(by_field, shown, top_k),
        }

    def _score(self, transformed: np.ndarray) -> tuple[float, np.ndarray]:
        """The classifier's probability and SHAP values (log-odds) of one row."""
        if self._coef is not None:
            log_odds = float(transformed @ self._coef) + self._intercept
            contributions = (transformed - self._explained_mean) * self._coef
            return float(expit(log_odds)), contributions
        if self._booster is not None:
            row = transformed[None]
            probability = float(self._booster.predict(row)[0])
            contributions = self._booster.predict(row, pred_contrib=True)[0, :-1]
            return probability, np.asarray(contributions, dtype=float)
        return self._constant, np.zeros_like(transformed)
