"""The scoring model: raw applicant fields in, probability, decision and reasons out.

Everything the API needs (derived features, preprocessing, classifier, threshold,
explainer) lives in one :class:`CreditScoringModel` so the serving layer never
re-implements feature code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shap
from lightgbm import LGBMClassifier
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

logger = logging.getLogger(__name__)

NUMERIC = "numeric"
CATEGORICAL = "categorical"


class DerivedFeatures(BaseEstimator, TransformerMixin):
    """Replace sentinel codes with missing values and add configured ratio features.

    Args:
        ratios: ``[{"name": ..., "numerator": ..., "denominator": ...}]``; a ratio
            is missing where its denominator is 0 or the quotient overflows a float.
        sentinels: ``[{"column": ..., "value": ...}]``; each also adds a 0/1 flag
            column ``<column>_IS_SENTINEL`` because the code itself carries meaning
            (e.g. Home Credit's ``DAYS_EMPLOYED = 365243`` marks pensioners).
    """

    def __init__(
        self,
        ratios: list[dict[str, str]] | None = None,
        sentinels: list[dict[str, Any]] | None = None,
    ) -> None:
        self.ratios = ratios
        self.sentinels = sentinels

    def fit(self, X: pd.DataFrame, y: Any = None) -> DerivedFeatures:  # noqa: N803
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        # Copy-on-write: the new and replaced columns never reach the caller's
        # table, and the untouched ones are not copied.
        X = X.copy(deep=False)  # noqa: N806
        for sentinel in self.sentinels or []:
            column = sentinel["column"]
            is_sentinel = X[column] == sentinel["value"]
            X[f"{column}_IS_SENTINEL"] = is_sentinel.astype(float)
            X[column] = X[column].mask(is_sentinel)
        for ratio in self.ratios or []:
            denominator = X[ratio["denominator"]].astype(float).replace(0.0, np.nan)
            quotient = X[ratio["numerator"]].astype(float) / denominator
            X[ratio["name"]] = quotient.where(np.isfinite(quotient))
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(self.feature_names_in_)
        names += [f"{s['column']}_IS_SENTINEL" for s in self.sentinels or []]
        names += [r["name"] for r in self.ratios or []]
        return np.asarray(names, dtype=object)


def _numeric_selector() -> Any:
    return make_column_selector(dtype_include="number")


def _categorical_selector() -> Any:
    return make_column_selector(dtype_exclude="number")


class StackedColumnTransformer(ColumnTransformer):
    """A ``ColumnTransformer`` whose table output, when every part is float64,
    is one block of numbers.

    ``pandas.concat`` would keep one block per transformer, which the classifier
    then copies into one array, and for a fit once more into row order: two
    copies of the whole transformed table. Stacked here, the fitted rows come in
    row order (C), as a fit copies them, and transformed rows in column order
    (F), as pandas gives a table of several blocks to a prediction: the
    classifier gets the very numbers and layout it got before, without a copy.
    """

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:  # noqa: N803
        self._stack_order = "C"
        try:
            return super().fit_transform(X, y, **params)
        finally:
            del self._stack_order

    def _hstack(self, Xs: list[Any], *, n_samples: int) -> Any:  # noqa: N803
        if not _stackable(Xs, n_samples):
            return super()._hstack(Xs, n_samples=n_samples)
        self._transformers_feature_names_out = np.hstack(
            [np.asarray(X.columns, dtype=object) for X in Xs]
        )
        width = sum(X.shape[1] for X in Xs)
        if getattr(self, "_stack_order", "F") == "C":
            stacked = np.empty((n_samples, width), dtype=np.float64)
        else:
            stacked = np.empty((width, n_samples), dtype=np.float64).T
        start = 0
        for X in Xs:  # noqa: N806
            stacked[:, start : start + X.shape[1]] = X.to_numpy()
            start += X.shape[1]
        # Columns are named by the output wrapper (get_feature_names_out).
        return pd.DataFrame(stacked, index=Xs[0].index, copy=False)


def _stackable(parts: list[Any], n_samples: int) -> bool:
    """Whether ``parts`` are float64 tables of ``n_samples`` rows with string
    column names and one row index (else ``ColumnTransformer`` stacks them)."""
    return bool(parts) and all(
        isinstance(part, pd.DataFrame)
        and len(part) == n_samples
        and part.index.equals(parts[0].index)
        and all(isinstance(name, str) for name in part.columns)
        and all(dtype == np.float64 for dtype in part.dtypes)
        for part in parts
    )


def build_preprocessor(family: str) -> ColumnTransformer:
    """Preprocessing for a model family: ``linear`` (impute, scale, one-hot) or
    ``tree`` (keep missing values, ordinal-encode categories)."""
    if family == "linear":
        numeric = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
        )
        categorical = make_pipeline(
            SimpleImputer(strategy="constant", fill_value="missing"),
            OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=20,
                sparse_output=False,
            ),
        )
    elif family == "tree":
        numeric = "passthrough"
        categorical = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
        )
    else:
        raise ValueError(f"Unknown preprocessing family '{family}'.")
    return StackedColumnTransformer(
        [
            ("numeric", numeric, _numeric_selector()),
            ("categorical", categorical, _categorical_selector()),
        ],
        verbose_feature_names_out=False,
    )


def build_classifier(kind: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    """A classifier of the given kind with the given hyperparameters."""
    if kind == "dummy":
        return DummyClassifier(strategy="prior", **params)
    if kind == "logistic_regression":
        return LogisticRegression(max_iter=5000, random_state=seed, **params)
    if kind == "lightgbm":
        return LGBMClassifier(random_state=seed, verbose=-1, **params)
    raise ValueError(f"Unknown classifier kind '{kind}'.")


# The dummy ignores its inputs: the cheapest preprocessing (no one-hot table).
PREPROCESSING_FAMILY = {
    "dummy": "tree",
    "logistic_regression": "linear",
    "lightgbm": "tree",
}


def build_pipeline(
    kind: str, params: dict[str, Any], data_config: dict[str, Any], seed: int
) -> Pipeline:
    """Raw applicant table -> probability of default, as one sklearn pipeline."""
    pipeline = Pipeline(
        [
            (
                "features",
                DerivedFeatures(
                    ratios=data_config.get("ratios"),
                    sentinels=data_config.get("sentinels"),
                ),
            ),
            ("preprocess", build_preprocessor(PREPROCESSING_FAMILY[kind])),
            ("classifier", build_classifier(kind, params, seed)),
        ]
    )
    return pipeline.set_output(transform="pandas")


def fit_sigmoid_calibration(
    labels: np.ndarray, proba: np.ndarray
) -> tuple[float, float]:
    """Platt scaling: ``(slope, intercept)`` of a logistic fit of the labels on the
    model's log-odds. Class weights and resampling distort probabilities; this maps
    them back to observed default rates without changing the ranking."""
    log_odds = logit(np.clip(proba, 1e-6, 1 - 1e-6)).reshape(-1, 1)
    fit = LogisticRegression(C=1e6).fit(log_odds, labels)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def calibrate(proba: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    """Apply a Platt calibration ``(slope, intercept)`` to probabilities."""
    slope, intercept = calibration
    return expit(slope * logit(np.clip(proba, 1e-6, 1 - 1e-6)) + intercept)


class CalibratedPipeline(ClassifierMixin, BaseEstimator):
    """A fitted pipeline whose probabilities go through a Platt calibration; the
    object registered in MLflow, so its ``predict_proba`` matches the API."""

    def __init__(self, pipeline: Pipeline, calibration: tuple[float, float]) -> None:
        self.pipeline = pipeline
        self.calibration = calibration

    @property
    def classes_(self) -> np.ndarray:
        return self.pipeline.classes_

    def fit(self, X: pd.DataFrame, y: Any) -> CalibratedPipeline:  # noqa: N803
        raise NotImplementedError("Fitted by the scoring pipeline, not refitted.")

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        positive = calibrate(self.pipeline.predict_proba(X)[:, 1], self.calibration)
        return np.column_stack([1 - positive, positive])

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)  # noqa: PLR2004


def raw_field_of(feature: str, raw_fields: list[str]) -> str:
    """The raw field a model feature comes from (longest matching name prefix)."""
    feature = feature.removeprefix("missingindicator_")
    matches = [f for f in raw_fields if feature == f or feature.startswith(f"{f}_")]
    return max(matches, key=len) if matches else feature


@dataclass(frozen=True)
class FieldConstraint:
    """What the training split showed of one raw field.

    The model has only learned how values inside what it saw relate to default:
    numbers within ``[minimum, maximum]``, the ``categories`` it met, and a missing
    value only where training had some (``missing_seen``). Anything else is beyond
    what it can judge.

    Attributes:
        kind: ``numeric`` or ``categorical``.
        missing_seen: whether some training applicant lacked the field.
        minimum: smallest finite training value (numeric; ``None`` if none seen).
        maximum: largest finite training value (numeric; ``None`` if none seen).
        categories: the training categories, sorted (categorical).
        description: what the field means (the data dictionary's name).
        typical: a typical training value (median or most frequent), an example.
    """

    kind: str
    missing_seen: bool
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    description: str = ""
    typical: float | str | None = None


def ratio_constraints_of(
    pipeline: Pipeline, applicants: pd.DataFrame
) -> dict[str, FieldConstraint]:
    """The :class:`FieldConstraint` of each configured ratio on the training
    applicants (computed by the fitted pipeline's ``features`` step)."""
    features = pipeline.named_steps["features"]
    names = [ratio["name"] for ratio in features.ratios or []]
    return field_constraints_of(features.transform(applicants)[names])


def field_constraints_of(
    applicants: pd.DataFrame, descriptions: Mapping[str, str] | None = None
) -> dict[str, FieldConstraint]:
    """The :class:`FieldConstraint` of each raw field of the training applicants,
    described by ``descriptions`` (field -> human name) where it has one."""
    constraints = {}
    for name, kind in field_kinds_of(applicants).items():
        column = applicants[name]
        missing_seen = bool(column.isna().any())
        description = (descriptions or {}).get(name, "")
        if kind == NUMERIC:
            values = column.astype(float)
            values = values[np.isfinite(values)]
            seen = len(values) > 0
            constraints[name] = FieldConstraint(
                kind,
                missing_seen,
                minimum=float(values.min()) if seen else None,
                maximum=float(values.max()) if seen else None,
                description=description,
                # A value training really had (no half-way median of two).
                typical=float(values.quantile(0.5, interpolation="nearest"))
                if seen
                else None,
            )
        else:
            present = column.dropna().astype(str)
            constraints[name] = FieldConstraint(
                kind,
                missing_seen,
                categories=tuple(sorted(set(present))),
                description=description,
                typical=present.mode().iloc[0] if len(present) else None,
            )
    return constraints


@dataclass
class CreditScoringModel:
    """Trained preprocessing + classifier + decision threshold, persisted as one.

    Attributes:
        name: candidate name, e.g. ``lightgbm``.
        pipeline: fitted sklearn pipeline from raw fields to the classifier's score.
        calibration: Platt ``(slope, intercept)`` turning that score into a
            probability of default.
        threshold: probability at or above which the applicant is refused.
        field_kinds: raw input fields and their kind (``numeric``/``categorical``).
        background: a sample of transformed training rows for the explainer.
        field_constraints: what the training split showed of each raw field, hence
            the values the model can judge (see :class:`FieldConstraint`).
        ratio_constraints: the same for each configured ratio (e.g.
            ``loan_to_income``): fields each within their range can still combine
            into a ratio the model never saw.
    """

    name: str
    pipeline: Pipeline
    calibration: tuple[float, float]
    threshold: float
    field_kinds: dict[str, str]
    background: pd.DataFrame
    field_constraints: dict[str, FieldConstraint]
    ratio_constraints: dict[str, FieldConstraint] = field(default_factory=dict)
    _explainer: Any = field(default=None, repr=False, compare=False)
    _field_map: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def unjudgeable_ratios(self, applicant: Mapping[str, Any]) -> dict[str, str]:
        """The ratios of one applicant (raw field values) the model cannot judge,
        with the reason: a zero denominator under a non-zero numerator (an infinite
        ratio) or a value outside the training range of that ratio. Computed with
        plain numbers, as ``DerivedFeatures`` does (sentinel codes count as
        missing), since it runs on every request."""
        features = self.pipeline.named_steps["features"]
        values = dict(applicant)
        for sentinel in features.sentinels or []:
            if values.get(sentinel["column"]) == sentinel["value"]:
                values[sentinel["column"]] = None
        problems = {}
        for ratio in features.ratios or []:
            name = ratio["name"]
            numerator = values.get(ratio["numerator"])
            denominator = values.get(ratio["denominator"])
            constraint = self.ratio_constraints.get(name)
            if constraint is None or numerator is None or denominator is None:
                continue
            formula = f"{name} = {ratio['numerator']} / {ratio['denominator']}"
            if denominator == 0:
                # 0 / 0 (none of either) is a case training had; x / 0 is not.
                if numerator != 0 or not constraint.missing_seen:
                    problems[name] = (
                        f"{formula} is undefined: {ratio['denominator']} is 0 and "
                        f"{ratio['numerator']} is not"
                    )
                continue
            value = float(numerator) / float(denominator)
            if not constraint.minimum <= value <= constraint.maximum:
                problems[name] = (
                    f"{formula} = {value:.4g} is outside the training range "
                    f"[{constraint.minimum:.4g}, {constraint.maximum:.4g}]"
                )
        return problems

    def predict_proba(self, applicants: pd.DataFrame) -> np.ndarray:
        """Probability of default for each applicant."""
        return self.as_estimator().predict_proba(self._as_frame(applicants))[:, 1]

    def as_estimator(self) -> CalibratedPipeline:
        """Raw fields -> calibrated probabilities, as one sklearn estimator."""
        return CalibratedPipeline(self.pipeline, self.calibration)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """``refuse`` where the probability reaches the threshold, else ``grant``."""
        return np.where(np.asarray(probabilities) >= self.threshold, "refuse", "grant")

    def assess(self, applicants: pd.DataFrame, top_k: int = 5) -> list[dict]:
        """Probability of default, decision and top reasons of each applicant, with
        one pass through the preprocessing (what the API serves)."""
        features = self.pipeline.named_steps["features"].transform(
            self._as_frame(applicants)
        )
        transformed = self.pipeline.named_steps["preprocess"].transform(features)
        score = self.pipeline.named_steps["classifier"].predict_proba(transformed)[:, 1]
        probabilities = calibrate(score, self.calibration)
        contributions = self._field_contributions(transformed, features.columns)
        return [
            {
                "probability_of_default": float(probability),
                "decision": str(decision),
                "reasons": top_reasons(
                    dict(zip(contributions.columns, row, strict=True)),
                    features.iloc[i],
                    top_k,
                ),
            }
            for i, (probability, decision, row) in enumerate(
                zip(
                    probabilities,
                    self.decide(probabilities),
                    contributions.to_numpy(),
                    strict=True,
                )
            )
        ]

    def contributions(self, applicants: pd.DataFrame) -> pd.DataFrame:
        """SHAP contributions to the default score (log-odds for LightGBM and
        logistic regression), summed per raw field."""
        features = self.pipeline.named_steps["features"].transform(
            self._as_frame(applicants)
        )
        transformed = self.pipeline.named_steps["preprocess"].transform(features)
        return self._field_contributions(transformed, features.columns).set_axis(
            applicants.index
        )

    def reasons(self, applicants: pd.DataFrame, top_k: int = 5) -> list[list[dict]]:
        """The ``top_k`` fields that moved each applicant's score the most."""
        return [a["reasons"] for a in self.assess(applicants, top_k)]

    def _field_contributions(
        self, transformed: pd.DataFrame, fields: pd.Index
    ) -> pd.DataFrame:
        explainer = self.explainer()
        if explainer is None:
            values = np.zeros(transformed.shape, dtype=float)
        else:
            values = np.asarray(explainer.shap_values(transformed), dtype=float)
            if values.ndim == 3:  # noqa: PLR2004 - per-class output: keep "default"
                values = values[:, :, 1]
        if self._field_map is None:
            groups = [raw_field_of(c, list(fields)) for c in transformed.columns]
            self._field_map = pd.get_dummies(pd.Series(groups), dtype=float)
        return pd.DataFrame(
            values @ self._field_map.to_numpy(), columns=self._field_map.columns
        )

    def _as_frame(self, applicants: pd.DataFrame) -> pd.DataFrame:
        return coerce_fields(applicants, self.field_kinds)

    def explainer(self) -> Any:
        if self._explainer is None and self.name != "dummy":
            classifier = self.pipeline[-1]
            if isinstance(classifier, LGBMClassifier):
                self._explainer = shap.TreeExplainer(classifier)
            else:
                self._explainer = shap.LinearExplainer(classifier, self.background)
        return self._explainer

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_explainer"] = None  # rebuilt on demand, cheaper than pickling it
        state["_field_map"] = None
        return state


def top_reasons(
    contributions: dict[str, float], features: Mapping[str, Any], top_k: int
) -> list[dict]:
    """The ``top_k`` largest contributions by raw field, with the applicant's value
    of each field."""
    ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    return [
        {
            "field": name,
            "value": _json_value(features[name]),
            "contribution": round(float(value), 4),
            "effect": "raises risk" if value > 0 else "lowers risk",
        }
        for name, value in ranked[:top_k]
    ]


def _json_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def coerce_fields(frame: pd.DataFrame, field_kinds: dict[str, str]) -> pd.DataFrame:
    """The raw fields in model order, numeric as float and categorical as objects
    with missing values as ``NaN``, the same in training and serving."""
    frame = frame.reindex(columns=list(field_kinds))
    # The numbers as one block, then each categorical field at its place: a
    # table of few blocks, which later steps copy or extend without defragmenting.
    coerced = pd.DataFrame(
        {
            name: pd.to_numeric(frame[name], errors="coerce").astype(float)
            for name, kind in field_kinds.items()
            if kind == NUMERIC
        },
        index=frame.index,
    )
    for position, (name, kind) in enumerate(field_kinds.items()):
        if kind != NUMERIC:
            column = frame[name].astype(object)
            coerced.insert(position, name, column.where(column.notna(), np.nan))
    return coerced


def field_kinds_of(applicants: pd.DataFrame) -> dict[str, str]:
    """Kind of each raw field as the model will expect it in requests."""
    return {
        column: NUMERIC
        if pd.api.types.is_numeric_dtype(applicants[column])
        else CATEGORICAL
        for column in applicants.columns
    }
