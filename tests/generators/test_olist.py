"""Tests of the synthetic Olist tables and of their join into a transaction log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DatasetError

from ia_portfolio.datasets import JoinedTablesDataset
from ia_portfolio.generators.olist import (
    FILE_NAMES,
    generate_tables,
    generate_transactions,
    write_tables,
)
from ia_portfolio.pipelines.customer_segmentation.olist import (
    haversine_km,
    join_olist_tables,
)
from ia_portfolio.validation import validate_dataframe
from tests.support.project import PROJECT_ROOT

CATALOG = yaml.safe_load(
    (PROJECT_ROOT / "conf/original/catalog_customer_segmentation.yml").read_text()
)["customer_segmentation.raw_transactions"]
SAO_PAULO = (-23.5505, -46.6333)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate_tables(20_000, seed=3)


def test_tables_match_the_original_catalog_schemas(tables: dict) -> None:
    assert set(tables) == set(CATALOG["tables"]) == set(FILE_NAMES)
    for name, frame in tables.items():
        validate_dataframe(frame, CATALOG["tables"][name]["metadata"]["schema"], name)


def test_same_seed_same_tables() -> None:
    first, again = generate_tables(2_000, seed=1), generate_tables(2_000, seed=1)
    for name in FILE_NAMES:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["orders"].equals(generate_tables(2_000, seed=2)["orders"])


def test_relations_and_olist_traits(tables: dict) -> None:
    orders, customers = tables["orders"], tables["customers"]
    assert orders["order_id"].is_unique and customers["customer_id"].is_unique
    assert set(tables["order_items"]["order_id"]) <= set(orders["order_id"])
    orders_per_person = customers.groupby("customer_unique_id").size()
    assert 0.9 < (orders_per_person == 1).mean() < 0.99
    assert 0.95 < (orders["order_status"] == "delivered").mean() < 0.99
    not_delivered = orders["order_status"] != "delivered"
    assert orders.loc[not_delivered, "order_delivered_customer_date"].isna().all()
    assert tables["products"]["product_category_name"].isna().mean() > 0.005


def test_join_gives_one_row_per_order_line(tables: dict) -> None:
    log = join_olist_tables(tables, SAO_PAULO)
    items, orders = tables["order_items"], tables["orders"]
    without_lines = ~orders["order_id"].isin(items["order_id"])
    assert len(log) == len(items) + without_lines.sum()
    assert 18_000 < len(items) < 22_000
    assert log["item_total"].isna().sum() == without_lines.sum()
    person = tables["customers"].set_index("customer_id")["customer_unique_id"]
    expected = orders.set_index("order_id")["customer_id"].map(person)
    assert (log["customer_unique_id"] == log["order_id"].map(expected)).all()
    assert log["category"].dropna().str.startswith("category_").all()
    late = log["delivery_delay_days"] > 0
    assert log.loc[late, "review_score"].mean() < log.loc[~late, "review_score"].mean()


def test_haversine_distance() -> None:
    rio = haversine_km(np.array([-22.9068]), np.array([-43.1729]), SAO_PAULO)
    assert rio[0] == pytest.approx(360, abs=5)


def test_joined_dataset_reads_the_csv_files_and_names_a_bad_table(
    tmp_path: Path,
) -> None:
    write_tables(tmp_path, 3_000, seed=0)
    config = {
        **CATALOG,
        "tables": {
            name: {**table, "filepath": str(tmp_path / FILE_NAMES[name])}
            for name, table in CATALOG["tables"].items()
        },
    }
    dataset = JoinedTablesDataset(
        **{k: v for k, v in config.items() if k not in {"type", "metadata"}}
    )
    loaded = dataset.load()
    expected = generate_transactions(3_000, seed=0, reference_point=SAO_PAULO)
    pd.testing.assert_series_equal(
        loaded["item_total"], expected["item_total"], check_dtype=False
    )
    reviews = pd.read_csv(tmp_path / FILE_NAMES["order_reviews"])
    reviews.drop(columns="review_score").to_csv(
        tmp_path / FILE_NAMES["order_reviews"], index=False
    )
    with pytest.raises(
        DatasetError,
        match=r"^Dataset 'order_reviews .*column 'review_score' is missing",
    ):
        dataset.load()
