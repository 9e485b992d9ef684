"""Synthetic Olist e-commerce tables (the eight CSVs of the Brazilian public
dataset), for runs at any size without the original files.

No row comes from Olist. The tables have the original files' columns, dtypes (as
``pandas.read_csv`` gives them) and relations, and the traits that matter for
customer segmentation:

* ``customer_id`` is per order, ``customer_unique_id`` per person; about 97 % of
  people order once (the real share), the others two to six times;
* purchases from 2016-09 to 2018-08, growing month after month;
* order statuses at the real rates (about 97 % delivered; canceled and
  unavailable orders, often without order lines; shipped and processing ones
  without a delivery date);
* lines per order mostly one, prices log-normal (median about 75 BRL) plus
  freight, instalments from 1 to 10 with card payments, sometimes two payments;
* review scores skewed to 5 and lower when the delivery was late, about 1 % of
  orders without a review and a few with two;
* 71 product categories with long-tailed popularity, 1.9 % of products without
  a category, and about 1 % of buyers' zip prefixes absent from the geolocation
  table.

One ``numpy.random.default_rng(seed)`` drives everything: the same
``(n_transactions, seed)`` gives the same tables. ``n_transactions`` counts
order lines (the rows of the joined transaction log).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ia_portfolio.generators.original_dtypes import frame_with_original_dtypes
from ia_portfolio.pipelines.customer_segmentation.olist import (
    TIMESTAMP_FORMAT,
    join_olist_tables,
)

FILE_NAMES = {
    "customers": "olist_customers_dataset.csv",
    "orders": "olist_orders_dataset.csv",
    "order_items": "olist_order_items_dataset.csv",
    "order_payments": "olist_order_payments_dataset.csv",
    "order_reviews": "olist_order_reviews_dataset.csv",
    "products": "olist_products_dataset.csv",
    "geolocation": "olist_geolocation_dataset.csv",
    "category_translation": "product_category_name_translation.csv",
}
STATUSES = {
    "delivered": 0.970,
    "shipped": 0.011,
    "canceled": 0.006,
    "unavailable": 0.006,
    "invoiced": 0.003,
    "processing": 0.003,
    "created": 0.0005,
    "approved": 0.0005,
}
PAYMENT_TYPES = {
    "credit_card": 0.74,
    "boleto": 0.19,
    "voucher": 0.055,
    "debit_card": 0.015,
}
REVIEW_SCORES = np.array([1, 2, 3, 4, 5])
REVIEW_ON_TIME = np.array([0.08, 0.03, 0.08, 0.20, 0.61])
REVIEW_LATE = np.array([0.45, 0.10, 0.15, 0.12, 0.18])
N_CATEGORIES = 71
START = pd.Timestamp("2016-09-04")
END = pd.Timestamp("2018-08-31")
STATES = ["SP", "RJ", "MG", "RS", "PR", "SC", "BA", "DF", "GO", "ES", "PE", "CE"]
# Approximate state centres (latitude, longitude) and the share of buyers.
STATE_CENTRES = np.array(
    [
        [-23.5, -46.6],
        [-22.9, -43.2],
        [-19.9, -43.9],
        [-30.0, -51.2],
        [-25.4, -49.3],
        [-27.6, -48.5],
        [-12.97, -38.5],
        [-15.8, -47.9],
        [-16.7, -49.3],
        [-20.3, -40.3],
        [-8.05, -34.9],
        [-3.7, -38.5],
    ]
)
STATE_SHARES = np.array(
    [0.42, 0.13, 0.12, 0.055, 0.05, 0.037, 0.034, 0.021, 0.02, 0.02, 0.016, 0.013]
)


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 32-character hexadecimal ids, like Olist's."""
    high = rng.integers(0, 2**63, size=n, dtype=np.int64)
    low = np.arange(n, dtype=np.int64)
    return np.char.add(
        np.char.zfill(np.char.mod("%x", high).astype("U16"), 16),
        np.char.zfill(np.char.mod("%x", low).astype("U16"), 16),
    )


def _timestamps(values: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    return pd.DatetimeIndex(values).strftime(TIMESTAMP_FORMAT).to_numpy(dtype=object)


def _choice(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    probabilities = np.array(list(shares.values()))
    return rng.choice(list(shares), size=n, p=probabilities / probabilities.sum())


def _purchase_times(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    """Times between START and END with a density growing over the period."""
    span = (END - START).total_seconds()
    fraction = np.sqrt(rng.uniform(0.02, 1.0, size=n))  # linear growth of orders
    return START + pd.to_timedelta(np.sort(fraction) * span, unit="s")


def _geography(
    rng: np.random.Generator, n_prefixes: int
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Zip prefixes with their state and a geolocation table (several points per
    prefix)."""
    prefixes = np.sort(
        rng.choice(np.arange(1000, 99990), size=n_prefixes, replace=False)
    )
    state = rng.choice(
        len(STATES), size=n_prefixes, p=STATE_SHARES / STATE_SHARES.sum()
    )
    centre = STATE_CENTRES[state] + rng.normal(0, 0.8, size=(n_prefixes, 2))
    points = 4
    repeat = np.repeat(np.arange(n_prefixes), points)
    known = rng.random(n_prefixes) > 0.01  # about 1 % of prefixes have no position
    repeat = repeat[known[repeat]]
    geolocation = frame_with_original_dtypes(
        {
            "geolocation_zip_code_prefix": prefixes[repeat],
            "geolocation_lat": centre[repeat, 0] + rng.normal(0, 0.02, repeat.size),
            "geolocation_lng": centre[repeat, 1] + rng.normal(0, 0.02, repeat.size),
            "geolocation_city": np.array(["cidade"] * repeat.size),
            "geolocation_state": np.array(STATES)[state[repeat]],
        },
        order=[
            "geolocation_zip_code_prefix",
            "geolocation_lat",
            "geolocation_lng",
            "geolocation_city",
            "geolocation_state",
        ],
        string_columns={"geolocation_city", "geolocation_state"},
        integer_columns={"geolocation_zip_code_prefix"},
    )
    return prefixes, state, geolocation


def _products(
    rng: np.random.Generator, n_products: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    categories = np.array([f"categoria_{i:02d}" for i in range(N_CATEGORIES)])
    popularity = 1.0 / np.arange(1, N_CATEGORIES + 1) ** 0.9
    category = rng.choice(
        N_CATEGORIES, size=n_products, p=popularity / popularity.sum()
    )
    names = categories[category].astype(object)
    names[rng.random(n_products) < 0.019] = None
    sizes = rng.lognormal(3.0, 0.5, size=(n_products, 3)).round()
    columns = {
        "product_id": _ids(rng, n_products),
        "product_category_name": names,
        "product_name_lenght": rng.integers(5, 76, n_products).astype(float),
        "product_description_lenght": rng.integers(4, 3992, n_products).astype(float),
        "product_photos_qty": rng.integers(1, 8, n_products).astype(float),
        "product_weight_g": rng.lognormal(6.5, 1.1, n_products).round(),
        "product_length_cm": sizes[:, 0],
        "product_height_cm": sizes[:, 1],
        "product_width_cm": sizes[:, 2],
    }
    products = frame_with_original_dtypes(
        columns,
        order=list(columns),
        string_columns={"product_id", "product_category_name"},
        integer_columns=set(),
    )
    translation = frame_with_original_dtypes(
        {
            "product_category_name": categories,
            "product_category_name_english": np.array(
                [f"category_{i:02d}" for i in range(N_CATEGORIES)]
            ),
        },
        order=["product_category_name", "product_category_name_english"],
        string_columns={"product_category_name", "product_category_name_english"},
        integer_columns=set(),
    )
    # a product's base price depends on its category
    base_price = np.exp(rng.normal(4.3, 0.5, N_CATEGORIES))[category]
    return products, translation, base_price


def _orders(
    rng: np.random.Generator, n_orders: int
) -> tuple[dict[str, pd.DataFrame], pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Orders, their buyers and the geolocation table; also each order's
    purchase time, status and whether its delivery was late."""
    # people: 97 % order once, the others 2 to 6 times
    orders_per_person = np.where(
        rng.random(n_orders) < 0.97, 1, rng.integers(2, 7, n_orders)
    )
    person_of_order = np.repeat(np.arange(n_orders), orders_per_person)[:n_orders]
    rng.shuffle(person_of_order)
    n_people = int(person_of_order.max()) + 1
    person_ids = _ids(rng, n_people)
    prefixes, _, geolocation = _geography(rng, max(n_people // 50, 20))
    person_prefix = rng.choice(prefixes, size=n_people)

    purchase = _purchase_times(rng, n_orders)
    status = _choice(rng, STATUSES, n_orders)
    estimated = (
        purchase + pd.to_timedelta(rng.integers(15, 35, n_orders), unit="D")
    ).normalize()
    delivered = purchase + pd.to_timedelta(rng.gamma(3.0, 4.0, n_orders), unit="D")
    late = np.asarray(delivered > estimated)
    is_delivered = status == "delivered"
    order_customer_ids = _ids(rng, n_orders)
    approved = purchase + pd.to_timedelta(rng.exponential(0.4, n_orders), unit="D")
    carrier = purchase + pd.to_timedelta(rng.gamma(2.0, 1.5, n_orders), unit="D")
    shipped_or_more = np.isin(status, ["delivered", "shipped"])
    order_columns = {
        "order_id": _ids(rng, n_orders),
        "customer_id": order_customer_ids,
        "order_status": status,
        "order_purchase_timestamp": _timestamps(purchase),
        "order_approved_at": np.where(status != "created", _timestamps(approved), None),
        "order_delivered_carrier_date": np.where(
            shipped_or_more, _timestamps(carrier), None
        ),
        "order_delivered_customer_date": np.where(
            is_delivered, _timestamps(delivered), None
        ),
        "order_estimated_delivery_date": _timestamps(estimated),
    }
    orders = frame_with_original_dtypes(
        order_columns,
        order=list(order_columns),
        string_columns=set(order_columns),
        integer_columns=set(),
    )
    customers = frame_with_original_dtypes(
        {
            "customer_id": order_customer_ids,
            "customer_unique_id": person_ids[person_of_order],
            "customer_zip_code_prefix": person_prefix[person_of_order],
            "customer_city": np.array(["cidade"] * n_orders),
            "customer_state": np.array(["SP"] * n_orders),
        },
        order=[
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ],
        string_columns={
            "customer_id",
            "customer_unique_id",
            "customer_city",
            "customer_state",
        },
        integer_columns={"customer_zip_code_prefix"},
    )
    tables = {"customers": customers, "orders": orders, "geolocation": geolocation}
    return tables, purchase, status, late & is_delivered


def _order_lines(
    rng: np.random.Generator,
    order_ids: np.ndarray,
    purchase: pd.DatetimeIndex,
    status: np.ndarray,
    n_transactions: int,
) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """Order lines, products and category names; also each order's total."""
    n_orders = order_ids.size
    # canceled and unavailable orders usually have no line
    lines_per_order = 1 + rng.poisson(0.14, n_orders)
    empty = np.isin(status, ["canceled", "unavailable"]) & (rng.random(n_orders) < 0.9)
    lines_per_order[empty] = 0
    line_order = np.repeat(np.arange(n_orders), lines_per_order)
    first_line = np.cumsum(lines_per_order) - lines_per_order
    line_number = (
        np.arange(line_order.size) - np.repeat(first_line, lines_per_order) + 1
    )
    products, translation, base_price = _products(rng, max(n_transactions // 3, 20))
    popularity = rng.pareto(1.2, len(products)) + 1
    product = rng.choice(
        len(products), size=line_order.size, p=popularity / popularity.sum()
    )
    price = np.round(base_price[product] * rng.lognormal(0, 0.6, line_order.size), 2)
    freight = np.round(rng.gamma(2.5, 8.0, line_order.size), 2)
    item_columns = {
        "order_id": order_ids[line_order],
        "order_item_id": line_number,
        "product_id": products["product_id"].to_numpy()[product],
        "seller_id": _ids(rng, max(n_orders // 30, 5))[
            rng.integers(0, max(n_orders // 30, 5), line_order.size)
        ],
        "shipping_limit_date": _timestamps(purchase[line_order] + pd.Timedelta(days=6)),
        "price": price,
        "freight_value": freight,
    }
    order_items = frame_with_original_dtypes(
        item_columns,
        order=list(item_columns),
        string_columns={"order_id", "product_id", "seller_id", "shipping_limit_date"},
        integer_columns={"order_item_id"},
    )

    order_total = np.bincount(line_order, weights=price + freight, minlength=n_orders)
    order_total[lines_per_order == 0] = np.round(
        rng.lognormal(4.5, 0.7, int(empty.sum())), 2
    )
    tables = {
        "order_items": order_items,
        "products": products,
        "category_translation": translation,
    }
    return tables, order_total


def _payments(
    rng: np.random.Generator, order_ids: np.ndarray, order_total: np.ndarray
) -> pd.DataFrame:
    """One payment per order, two for about 3 % (a voucher beside the main one)."""
    n_orders = order_ids.size
    split = rng.random(n_orders) < 0.03  # a voucher next to the main payment
    payment_order = np.concatenate([np.arange(n_orders), np.flatnonzero(split)])
    payment_sequential = np.concatenate(
        [np.ones(n_orders, int), np.full(int(split.sum()), 2)]
    )
    payment_type = _choice(rng, PAYMENT_TYPES, payment_order.size)
    payment_type[payment_sequential == 2] = "voucher"
    installments = np.where(
        payment_type == "credit_card",
        rng.choice(np.arange(1, 11), payment_order.size),
        1,
    )
    share = np.where(
        split[payment_order], np.where(payment_sequential == 1, 0.8, 0.2), 1.0
    )
    payment_columns = {
        "order_id": order_ids[payment_order],
        "payment_sequential": payment_sequential,
        "payment_type": payment_type,
        "payment_installments": installments,
        "payment_value": np.round(order_total[payment_order] * share, 2),
    }
    return frame_with_original_dtypes(
        payment_columns,
        order=list(payment_columns),
        string_columns={"order_id", "payment_type"},
        integer_columns={"payment_sequential", "payment_installments"},
    )


def _reviews(
    rng: np.random.Generator,
    order_ids: np.ndarray,
    purchase: pd.DatetimeIndex,
    late: np.ndarray,
) -> pd.DataFrame:
    """About one review per order, worse after a late delivery."""
    n_orders = order_ids.size
    reviewed = rng.random(n_orders) > 0.01
    twice = reviewed & (rng.random(n_orders) < 0.005)
    review_order = np.concatenate([np.flatnonzero(reviewed), np.flatnonzero(twice)])
    late_review = late[review_order]
    scores = np.where(
        late_review,
        rng.choice(REVIEW_SCORES, review_order.size, p=REVIEW_LATE),
        rng.choice(REVIEW_SCORES, review_order.size, p=REVIEW_ON_TIME),
    )
    created = purchase[review_order] + pd.Timedelta(days=20)
    review_columns = {
        "review_id": _ids(rng, review_order.size),
        "order_id": order_ids[review_order],
        "review_score": scores,
        "review_comment_title": np.full(review_order.size, None, dtype=object),
        "review_comment_message": np.where(scores <= 2, "produto nao chegou", None),
        "review_creation_date": _timestamps(created.normalize()),
        "review_answer_timestamp": _timestamps(created + pd.Timedelta(days=2)),
    }
    return frame_with_original_dtypes(
        review_columns,
        order=list(review_columns),
        string_columns=set(review_columns) - {"review_score"},
        integer_columns={"review_score"},
    )


def generate_tables(n_transactions: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The eight Olist tables with about ``n_transactions`` order lines."""
    rng = np.random.default_rng(seed)
    n_orders = max(int(n_transactions / 1.14), 5)
    tables, purchase, status, late = _orders(rng, n_orders)
    order_ids = tables["orders"]["order_id"].to_numpy()
    lines, order_total = _order_lines(rng, order_ids, purchase, status, n_transactions)
    tables.update(lines)
    tables["order_payments"] = _payments(rng, order_ids, order_total)
    tables["order_reviews"] = _reviews(rng, order_ids, purchase, late)
    return {name: tables[name] for name in FILE_NAMES}


def generate_transactions(
    n_rows: int, seed: int = 0, reference_point: Sequence[float] = (-23.55, -46.63)
) -> pd.DataFrame:
    """The joined transaction log of :func:`generate_tables` (what the
    ``original`` catalog gives for the real files)."""
    return join_olist_tables(generate_tables(n_rows, seed), reference_point)


def write_tables(
    directory: Path, n_transactions: int, seed: int = 0
) -> dict[str, Path]:
    """Write the eight tables as the original CSV files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in generate_tables(n_transactions, seed).items():
        paths[name] = directory / FILE_NAMES[name]
        frame.to_csv(paths[name], index=False)
    return paths
