"""The preprocessing hands the classifier one block of numbers, in the layout a
fit or a prediction would otherwise copy it into, and gives the same numbers,
model and probabilities as sklearn's own ``ColumnTransformer``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer

from ia_portfolio.pipelines.scoring import nodes
from ia_portfolio.pipelines.scoring.model import (
    DerivedFeatures,
    StackedColumnTransformer,
    build_pipeline,
    coerce_fields,
    field_kinds_of,
)
from tests.pipelines.scoring.test_nodes import DATA, synthetic_applications

PARAMS = {
    "logistic_regression": {"C": 0.3, "class_weight": "balanced"},
    "lightgbm": {"n_estimators": 30, "num_leaves": 7, "n_jobs": 1},
}


def _with_plain_column_transformer(pipeline):
    """The same pipeline with sklearn's ``ColumnTransformer`` (pandas concat)."""
    stacked = pipeline.named_steps["preprocess"]
    plain = ColumnTransformer(
        stacked.transformers, verbose_feature_names_out=False
    ).set_output(transform="pandas")
    pipeline.steps[1] = ("preprocess", plain)
    return pipeline


@pytest.fixture(scope="module")
def split():
    features, labels = nodes.prepare_applications(
        synthetic_applications(900, seed=4), DATA
    )
    return nodes.split_train_test(features, labels, {"test_size": 0.3}, seed=0)


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_same_model_and_probabilities_as_sklearns_column_transformer(kind, split):
    x_train, x_test, y_train, _ = split
    stacked = build_pipeline(kind, PARAMS[kind], DATA, seed=1).fit(x_train, y_train)
    plain = _with_plain_column_transformer(
        build_pipeline(kind, PARAMS[kind], DATA, seed=1)
    ).fit(x_train, y_train)
    assert isinstance(stacked.named_steps["preprocess"], StackedColumnTransformer)

    ours, theirs = stacked[:-1].transform(x_test), plain[:-1].transform(x_test)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    # Bit for bit, not approximately: the layout decides the rounding of a
    # prediction's dot products.
    assert np.array_equal(stacked.predict_proba(x_test), plain.predict_proba(x_test))
    if kind == "logistic_regression":
        assert np.array_equal(stacked[-1].coef_, plain[-1].coef_)
        assert np.array_equal(stacked[-1].intercept_, plain[-1].intercept_)


def test_fitted_rows_come_in_row_order_and_predicted_rows_in_column_order(split):
    x_train, x_test, y_train, _ = split
    preprocessing = build_pipeline("logistic_regression", {}, DATA, seed=1)[:-1]
    fitted = preprocessing.fit_transform(x_train, y_train)
    transformed = preprocessing.transform(x_test)
    for table, contiguous in ((fitted, "C_CONTIGUOUS"), (transformed, "F_CONTIGUOUS")):
        assert table._mgr.nblocks == 1  # one block of numbers, not one per part
        assert np.asarray(table).flags[contiguous]  # the classifier's layout, as is
    assert list(fitted.index) == list(x_train.index)
    assert list(transformed.index) == list(x_test.index)


def test_mixed_outputs_are_concatenated_as_sklearn_does():
    table = pd.DataFrame({"number": [1.0, 2.0], "count": [3, 4]})
    transformer = StackedColumnTransformer(
        [("a", "passthrough", ["number"]), ("b", "passthrough", ["count"])],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    out = transformer.fit_transform(table)
    assert out.dtypes.to_dict() == {"number": np.float64, "count": np.int64}


def test_coerced_fields_are_a_table_of_few_blocks_and_inputs_stay_unchanged():
    raw = synthetic_applications(50).drop(columns=["Class", "loan_id"])
    raw["grade"] = raw["grade"].astype("str")
    before = raw.copy()
    coerced = coerce_fields(raw, field_kinds_of(raw) | {"absent": "categorical"})
    assert list(coerced.columns) == [*raw.columns, "absent"]
    assert coerced["grade"].dtype == object and coerced["absent"].isna().all()
    assert coerced["days_employed"].dtype == float
    assert coerced._mgr.nblocks <= 3  # noqa: PLR2004 - numbers, then each text field
    derived = DerivedFeatures(DATA["ratios"], DATA["sentinels"]).transform(coerced)
    assert derived["days_employed"].isna().any()
    assert not coerced["days_employed"].isna().any()  # the input is not changed
    pd.testing.assert_frame_equal(raw, before)
