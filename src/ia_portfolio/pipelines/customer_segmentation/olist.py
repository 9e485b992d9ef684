"""The Olist e-commerce tables joined into one raw transaction log (one row per
order line), the shape ``to_transactions`` maps onto the canonical table."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

TABLES = (
    "customers",
    "orders",
    "order_items",
    "order_payments",
    "order_reviews",
    "products",
    "geolocation",
    "category_translation",
)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
EARTH_RADIUS_KM = 6371.0


def haversine_km(
    lat: np.ndarray, lng: np.ndarray, reference: Sequence[float]
) -> np.ndarray:
    """Great-circle distance in km from each (lat, lng) to ``reference``."""
    lat1, lng1 = np.radians(lat), np.radians(lng)
    lat2, lng2 = np.radians(reference[0]), np.radians(reference[1])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def _order_facts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per order: the person who bought, status, purchase time, delivery delay,
    mean review score and the largest number of instalments."""
    orders = tables["orders"]
    delivered = pd.to_datetime(
        orders["order_delivered_customer_date"],
        format=TIMESTAMP_FORMAT,
        errors="coerce",
    )
    estimated = pd.to_datetime(
        orders["order_estimated_delivery_date"],
        format=TIMESTAMP_FORMAT,
        errors="coerce",
    )
    facts = pd.DataFrame(
        {
            "order_id": orders["order_id"],
            "customer_id": orders["customer_id"],
            "order_status": orders["order_status"],
            "order_purchase_timestamp": orders["order_purchase_timestamp"],
            # positive: delivered late, in days
            "delivery_delay_days": (delivered - estimated).dt.total_seconds() / 86400,
        }
    )
    reviews = tables["order_reviews"].groupby("order_id")["review_score"].mean()
    installments = (
        tables["order_payments"].groupby("order_id")["payment_installments"].max()
    )
    facts = facts.join(reviews.rename("review_score"), on="order_id")
    facts = facts.join(installments.rename("installments"), on="order_id")
    people = tables["customers"].set_index("customer_id")
    return facts.join(
        people[["customer_unique_id", "customer_zip_code_prefix"]], on="customer_id"
    )


def _distance_by_zip(
    geolocation: pd.DataFrame, reference: Sequence[float]
) -> pd.Series:
    """Distance in km from each zip prefix's mean position to ``reference``."""
    centres = geolocation.groupby("geolocation_zip_code_prefix")[
        ["geolocation_lat", "geolocation_lng"]
    ].mean()
    return pd.Series(
        haversine_km(
            centres["geolocation_lat"].to_numpy(),
            centres["geolocation_lng"].to_numpy(),
            reference,
        ),
        index=centres.index,
        name="distance_km",
    )


def join_olist_tables(
    tables: Mapping[str, pd.DataFrame], reference_point: Sequence[float]
) -> pd.DataFrame:
    """One row per order line with the buyer, the order's facts and the product's
    English category.

    ``customer_unique_id`` identifies a person (Olist's ``customer_id`` changes
    with every order). The line's amount is its price plus its freight. Orders
    without lines keep one row with a missing amount, so the bad-input rules of
    ``to_transactions`` count them instead of the join losing them.
    ``distance_km`` is measured from the buyer's zip prefix to
    ``reference_point`` (latitude, longitude)."""
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise ValueError(f"Olist tables missing: {missing}; expected {list(TABLES)}.")
    facts = _order_facts(tables)
    items = tables["order_items"]
    lines = facts.merge(
        items[["order_id", "product_id", "price", "freight_value"]],
        on="order_id",
        how="left",
    )
    lines["item_total"] = lines["price"] + lines["freight_value"]
    translation = tables["category_translation"].set_index("product_category_name")[
        "product_category_name_english"
    ]
    products = tables["products"].set_index("product_id")["product_category_name"]
    category = lines["product_id"].map(products)
    lines["category"] = category.map(translation).fillna(category)
    distance = _distance_by_zip(tables["geolocation"], reference_point)
    lines["distance_km"] = lines["customer_zip_code_prefix"].map(distance)
    logger.info(
        "Olist join: %s orders, %s order lines, %s orders without lines, "
        "%s buyers without a known zip position.",
        len(facts),
        len(items),
        int(lines["product_id"].isna().sum()),
        int(lines["distance_km"].isna().sum()),
    )
    return lines[
        [
            "customer_unique_id",
            "order_id",
            "order_status",
            "order_purchase_timestamp",
            "item_total",
            "review_score",
            "delivery_delay_days",
            "category",
            "installments",
            "distance_km",
        ]
    ]
