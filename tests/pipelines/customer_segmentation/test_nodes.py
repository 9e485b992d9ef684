"""Unit tests of the customer_segmentation nodes and of PackagedFileDataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DatasetError

from ia_portfolio.datasets import PackagedFileDataset
from ia_portfolio.pipelines.customer_segmentation import nodes
from tests.support.project import PROJECT_ROOT

PARAMS = yaml.safe_load(
    (PROJECT_ROOT / "conf/base/parameters_customer_segmentation.yml").read_text()
)["customer_segmentation"]
DATA = {
    "columns": {"customer_id": "cust", "timestamp": "day", "amount": "value"},
    "timestamp_format": "%Y-%m-%d",
}


def test_packaged_file_dataset_reads_cdnow_from_the_lifetimes_wheel() -> None:
    data = PackagedFileDataset(
        package="lifetimes",
        resource="datasets/CDNOW_master.txt",
        load_args={"sep": r"\s+", "dtype": str},
    ).load()
    assert len(data) == 69659
    assert data["customer_id"].nunique() == 23570
    assert (pd.to_numeric(data["dollar_value"]) == 0).sum() == 80
    assert data.duplicated().sum() == 255


def test_packaged_file_dataset_names_missing_package_and_file() -> None:
    with pytest.raises(DatasetError, match="no_such_package"):
        PackagedFileDataset(package="no_such_package", resource="x.txt").load()
    dataset = PackagedFileDataset(package="lifetimes", resource="datasets/none.txt")
    assert not dataset.exists()
    with pytest.raises(DatasetError, match="read-only"):
        dataset.save(pd.DataFrame())


def _log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cust": ["a", "a", "b", "c", None, "d", "e", "f"],
            "day": [
                "2020-01-01",
                "2020-01-11",
                "2020-01-05",
                "2020-01-07",
                "2020-01-02",
                "not a date",
                "2020-01-03",
                "2020-01-04",
            ],
            "value": ["10", "30", "5", "0", "7", "3", "-4", "abc"],
        }
    )


def test_bad_rows_are_counted_and_removed_by_rule() -> None:
    table, quality = nodes.to_transactions(_log(), DATA)
    counts = quality.set_index("issue")["rows"]
    assert counts["missing customer id"] == 1
    assert counts["unparsable timestamp"] == 1
    assert counts["non-numeric or missing amount"] == 1
    assert counts["negative amount"] == 1
    assert counts["zero amount"] == 1  # kept
    assert counts["rows removed (any reason)"] == 4
    assert counts["rows in"] == 8 and counts["rows kept"] == len(table) == 4
    assert sorted(table["customer_id"]) == ["a", "a", "b", "c"]
    assert list(table.columns) == list(nodes.CANONICAL)


def test_excluded_statuses_are_counted_and_removed() -> None:
    log = _log().assign(state=["ok", "canceled", "ok", "ok", "ok", "ok", "ok", "ok"])
    data = {
        **DATA,
        "columns": {**DATA["columns"], "status": "state"},
        "excluded_statuses": ["canceled"],
    }
    table, quality = nodes.to_transactions(log, data)
    counts = quality.set_index("column")["rows"]
    assert counts["state"] == 1
    assert sorted(table["customer_id"]) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="'state'"):
        nodes.to_transactions(log.drop(columns="state"), data)


def test_category_shares_pool_rare_categories() -> None:
    table = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c"],
            "order_id": ["1", "2", "3", "4", "5"],
            "timestamp": pd.to_datetime(["2020-01-01"] * 5),
            "amount": [1.0] * 5,
            "category": ["books", "books", "toys", "books", "garden"],
        }
    )
    features = nodes.customer_features_as_of(table, top_categories=1)
    assert {"share_books", "share_other"} == {
        c for c in features.columns if c.startswith("share_")
    }
    assert features.loc["a", "share_books"] == pytest.approx(2 / 3)
    assert features.loc["c", "share_other"] == 1


def test_missing_customer_column_fails_naming_it() -> None:
    with pytest.raises(ValueError, match="'cust'"):
        nodes.to_transactions(_log().drop(columns="cust"), DATA)


def test_rfm_features_by_hand() -> None:
    table, _ = nodes.to_transactions(_log(), DATA)
    features = nodes.customer_features_as_of(table, "2020-01-21")
    a, b = features.loc["a"], features.loc["b"]
    assert a["recency_days"] == 10 and a["tenure_days"] == 20
    assert a["frequency"] == 2 and a["monetary"] == 40 and a["mean_basket"] == 20
    assert a["interpurchase_days"] == 10
    # one order: waited at least its tenure
    assert b["frequency"] == 1 and b["interpurchase_days"] == b["tenure_days"] + 1
    # a cut-off ignores later transactions
    early = nodes.customer_features_as_of(table, "2020-01-06")
    assert early.loc["a", "frequency"] == 1 and "c" not in early.index


def _segments_log(seed: int = 0, weeks: int = 40) -> pd.DataFrame:
    """Three kinds of customers: frequent big spenders, regular mid spenders and
    one-time small buyers, all joining in the first weeks."""
    rng = np.random.default_rng(seed)
    rows = []
    kinds = [("vip", 7, 200.0, 150), ("mid", 30, 40.0, 150), ("one", None, 8.0, 300)]
    start = pd.Timestamp("2021-01-01")
    for kind, every, spend, n in kinds:
        for i in range(n):
            first = start + pd.Timedelta(days=int(rng.integers(0, 20)))
            days = [first]
            if every:
                while days[-1] < start + pd.Timedelta(weeks=weeks):
                    days.append(
                        days[-1]
                        + pd.Timedelta(days=int(rng.integers(every // 2, every * 2)))
                    )
            for day in days:
                rows.append(
                    {
                        "customer_id": f"{kind}{i}",
                        "order_id": f"{kind}{i}-{day.date()}",
                        "timestamp": day,
                        "amount": float(spend * rng.lognormal(0, 0.2)),
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted() -> dict:
    transactions = _segments_log()
    features = nodes.build_features(transactions, PARAMS["features"])
    scaled = nodes.scale_features(features, PARAMS["features"])
    model = {
        **PARAMS["model"],
        "k_max": 6,
        "fit_sample_size": 400,
        "hdbscan": {"min_cluster_size": 30},
    }
    table, k_choice = nodes.select_k(scaled, model, PARAMS["seed"])
    assignments, comparison, choice = nodes.fit_models(
        scaled, k_choice, model, PARAMS["seed"]
    )
    profiles = nodes.profile_segments(features, scaled, assignments, PARAMS["naming"])
    return {
        "transactions": transactions,
        "features": features,
        "scaled": scaled,
        "model": model,
        "k_table": table,
        "k_choice": k_choice,
        "assignments": assignments,
        "comparison": comparison,
        "choice": choice,
        "profiles": profiles,
    }


def test_scaling_is_log_then_standard(fitted: dict) -> None:
    scaled = fitted["scaled"]
    assert np.allclose(scaled.mean(), 0, atol=1e-9)
    assert np.allclose(scaled.std(ddof=0), 1, atol=1e-9)
    raw_monetary = fitted["features"].set_index("customer_id")["monetary"]
    assert np.corrcoef(np.log1p(raw_monetary), scaled["monetary"])[0, 1] > 0.999


def test_k_selection_never_mixes_the_three_kinds(fitted: dict) -> None:
    assert 3 <= fitted["k_choice"]["k"] <= 6
    assert set(fitted["k_table"].columns) >= {"inertia", "silhouette", "davies_bouldin"}
    segment = fitted["assignments"].set_index("customer_id")["segment"]
    kind = segment.index.str.extract(r"^([a-z]+)")[0].to_numpy()
    assert pd.crosstab(kind, segment.to_numpy()).gt(0).sum(axis=0).eq(1).all()


def test_comparison_has_three_models_and_one_choice(fitted: dict) -> None:
    comparison = fitted["comparison"]
    assert set(comparison["model"]) == {"kmeans", "agglomerative", "hdbscan"}
    assert comparison["chosen"].sum() == 1
    assert fitted["choice"]["model"] in set(comparison["model"])


def test_segment_names_come_from_the_data(fitted: dict) -> None:
    profiles = fitted["profiles"].set_index("segment")
    segment = fitted["assignments"].set_index("customer_id")["segment"]
    vip = profiles.loc[segment["vip0"], "name"]
    one = profiles.loc[segment["one0"], "name"]
    assert vip.startswith("High-value active")
    assert one.startswith("Low-value") and "one-time" in one
    assert profiles["name"].is_unique
    assert profiles["action"].is_unique
    assert profiles["action"].str.len().gt(10).all()
    assert profiles["customers"].sum() == len(segment)


def test_stability_curve_starts_at_one_and_recommends_a_period(fitted: dict) -> None:
    stability = {
        "initial_days": 60,
        "step_days": 56,
        "ari_threshold": 0.7,
        "max_elapsed_days": 400,
    }
    curve, summary = nodes.stability_curve(
        fitted["transactions"],
        fitted["k_choice"],
        PARAMS["features"],
        fitted["model"],
        stability,
        PARAMS["seed"],
    )
    assert curve["ari"].iloc[0] == pytest.approx(1.0)
    assert curve["ari"].between(-1, 1).all()
    assert curve["elapsed_days"].diff().dropna().eq(56).all()
    assert summary["recommended_refit_days"] in set(curve["elapsed_days"])
    assert curve["initial_customers"].nunique() == 1


def test_segments_of_one_tier_get_different_actions() -> None:
    """Two high-value active segments, told apart by basket size only."""
    segment = np.repeat([0, 1, 2], 4)
    z = {
        "recency_days": [-1.0] * 8 + [1.0] * 4,
        "frequency": [1.0] * 8 + [-1.0] * 4,
        "monetary": [1.0] * 8 + [-1.0] * 4,
        "mean_basket": [1.5] * 4 + [-1.5] * 4 + [0.0] * 4,
    }
    ids = [f"c{i}" for i in range(12)]
    scaled = pd.DataFrame(z, index=pd.Index(ids, name="customer_id"))
    features = scaled.reset_index().assign(frequency=2.0)
    assignments = pd.DataFrame({"customer_id": ids, "segment": segment})
    profiles = nodes.profile_segments(
        features, scaled, assignments, PARAMS["naming"]
    ).set_index("segment")
    assert profiles.loc[0, "name"].startswith("High-value active")
    assert profiles.loc[1, "name"].startswith("High-value active")
    assert profiles["name"].is_unique and profiles["action"].is_unique
    assert "premium" in profiles.loc[0, "action"]
    assert "low-priced" in profiles.loc[1, "action"]


def test_one_dip_under_the_threshold_is_not_drift() -> None:
    """A single re-fit that lands on another optimum does not set the period:
    drift is ``persistence`` checks in a row under the threshold."""
    curve = pd.DataFrame(
        {
            "elapsed_days": [0, 7, 14, 21, 28, 35, 42, 49, 56],
            "ari": [1.0, 0.8, 0.3, 0.75, 0.72, 0.6, 0.55, 0.5, 0.45],
        }
    )
    assert nodes._drift(curve, 0.7, 3) == (28, 35, [14])
    assert nodes._drift(curve, 0.7, 1) == (7, 14, [])
    steady = curve.assign(ari=[1.0, 0.8, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert nodes._drift(steady, 0.7, 3) == (56, None, [14])


def test_hints_quote_the_segment_figures_not_a_fixed_claim() -> None:
    """A lapsed segment whose orders were close together is told its figures,
    never that it "comes back within weeks"."""
    medians = pd.Series({"interpurchase_days": 22.6, "recency_days": 464.0})
    hint = nodes._feature_hint("interpurchase_days", "low", PARAMS["naming"], medians)
    assert "23 days" in hint and "464 days ago" in hint
    assert "come back" not in hint
    for feature in PARAMS["naming"]["feature_hints"].values():
        assert not any("within weeks" in text for text in feature.values())
