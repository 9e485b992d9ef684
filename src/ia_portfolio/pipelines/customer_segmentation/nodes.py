"""Transactions -> customer features -> segments: the modelling nodes of
``customer_segmentation``. Every function is pure; plots and the report live in
``plots.py`` and ``report.py``."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    davies_bouldin_score,
    pairwise_distances,
    silhouette_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger(__name__)

CANONICAL = ("customer_id", "order_id", "timestamp", "amount")
OPTIONAL = (
    "items",
    "review_score",
    "delivery_delay_days",
    "category",
    "installments",
    "distance_km",
)
NOISE = -1
NOISE_NAME = "Unassigned (density noise)"


# --------------------------------------------------------------------------- input
def to_transactions(
    raw: pd.DataFrame, data: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a raw transaction log onto the canonical table and report bad rows.

    ``data["columns"]`` maps canonical names (``customer_id``, ``timestamp``,
    ``amount``, optional ``order_id`` and the optional behavioural columns) to raw
    column names. Rules (each counted in the returned quality table, nothing is
    dropped silently):

    - a missing required column fails with a message naming it;
    - a missing customer id, an unparsable timestamp, a non-numeric or a negative
      amount removes the row (refunds and typing errors are not purchases);
    - zero amounts and exact duplicate lines are counted and kept (the CDNOW log
      has no order id: two identical lines can be two purchases the same day);
    - when ``columns`` maps a ``status`` column, rows whose status is in
      ``excluded_statuses`` are removed (cancelled orders are not purchases).
    """
    mapping: dict[str, str] = data["columns"]
    for name in ("customer_id", "timestamp", "amount"):
        raw_name = mapping.get(name)
        if raw_name is None or raw_name not in raw.columns:
            raise ValueError(
                f"Transactions need a '{raw_name or name}' column ({name}); "
                f"got columns {list(raw.columns)}."
            )
    n = len(raw)
    customer = raw[mapping["customer_id"]].astype("string").str.strip()
    timestamp = pd.to_datetime(
        raw[mapping["timestamp"]].astype("string"),
        format=data.get("timestamp_format"),
        errors="coerce",
    )
    amount = pd.to_numeric(raw[mapping["amount"]], errors="coerce")
    if mapping.get("order_id") in raw.columns:
        order = raw[mapping["order_id"]].astype("string")
    else:
        order = pd.Series(np.arange(n).astype(str), index=raw.index, dtype="string")
    table = pd.DataFrame(
        {
            "customer_id": customer,
            "order_id": order,
            "timestamp": timestamp,
            "amount": amount.astype(float),
        }
    )
    for name in OPTIONAL:
        if mapping.get(name) in raw.columns:
            column = raw[mapping[name]]
            table[name] = (
                column.astype("string")
                if name == "category"
                else pd.to_numeric(column, errors="coerce")
            )
    missing_customer = customer.isna() | (customer == "")
    bad_date = timestamp.isna()
    non_numeric = amount.isna()
    negative = amount < 0
    status_column = mapping.get("status")
    if status_column is not None and status_column not in raw.columns:
        raise ValueError(
            f"Transactions need a '{status_column}' column (status); "
            f"got columns {list(raw.columns)}."
        )
    excluded_status = (
        raw[status_column].isin(data.get("excluded_statuses", []))
        if status_column is not None
        else pd.Series(False, index=raw.index)
    )
    removed = missing_customer | bad_date | non_numeric | negative | excluded_status
    rows = [
        ("missing customer id", mapping["customer_id"], missing_customer, "removed"),
        ("unparsable timestamp", mapping["timestamp"], bad_date, "removed"),
        ("non-numeric or missing amount", mapping["amount"], non_numeric, "removed"),
        ("negative amount", mapping["amount"], negative, "removed"),
        ("zero amount", mapping["amount"], amount == 0, "kept"),
        ("exact duplicate line", "all", raw.duplicated(), "kept"),
    ]
    if status_column is not None:
        rows.insert(
            4,
            (
                f"excluded status {data.get('excluded_statuses', [])}",
                status_column,
                excluded_status,
                "removed",
            ),
        )
    quality = pd.DataFrame(
        [
            {"issue": issue, "column": col, "rows": int(mask.sum()), "action": action}
            for issue, col, mask, action in rows
        ]
        + [
            {
                "issue": "rows removed (any reason)",
                "column": "all",
                "rows": int(removed.sum()),
                "action": "removed",
            },
            {"issue": "rows in", "column": "all", "rows": n, "action": "-"},
            {
                "issue": "rows kept",
                "column": "all",
                "rows": int((~removed).sum()),
                "action": "-",
            },
        ]
    )
    for row in quality.itertuples():
        if row.rows and row.action == "removed":
            logger.warning(
                "%s rows: %s (%s) -> removed", row.rows, row.issue, row.column
            )
    return table.loc[~removed].reset_index(drop=True), quality


# ------------------------------------------------------------------------ features
def customer_features_as_of(
    transactions: pd.DataFrame,
    reference_date: str | pd.Timestamp | None = None,
    top_categories: int | None = None,
) -> pd.DataFrame:
    """One row per customer: RFM and behavioural features, in natural units.

    Recency, tenure and inter-purchase time are in days before/after
    ``reference_date`` (default: the day after the last transaction). Lines of
    the same order are summed first. A one-order customer has no inter-purchase
    time: it is set to their tenure plus one day (they have waited at least that
    long), so the column has no gaps and keeps its meaning "slow to come back".
    Optional columns present in the table add their mean, and a ``category``
    column adds each customer's share of lines per category (the
    ``top_categories`` most frequent ones, the rest pooled as ``other``).
    """
    if reference_date is None:
        reference = transactions["timestamp"].max().normalize() + pd.Timedelta(days=1)
    else:
        reference = pd.Timestamp(reference_date)
    data = transactions.loc[transactions["timestamp"] < reference]
    numeric_optional = [c for c in OPTIONAL if c in data.columns and c != "category"]
    orders = data.groupby(["customer_id", "order_id"], sort=False).agg(
        timestamp=("timestamp", "min"),
        amount=("amount", "sum"),
        **{c: (c, "mean") for c in numeric_optional},
    )
    orders = orders.reset_index().sort_values(["customer_id", "timestamp"])
    grouped = orders.groupby("customer_id", sort=True)
    first, last = grouped["timestamp"].min(), grouped["timestamp"].max()
    n_orders = grouped.size()
    features = pd.DataFrame(
        {
            "recency_days": (reference - last).dt.total_seconds() / 86400,
            "frequency": n_orders.astype(float),
            "monetary": grouped["amount"].sum(),
            "mean_basket": grouped["amount"].mean(),
            "tenure_days": (reference - first).dt.total_seconds() / 86400,
        }
    )
    span_days = (last - first).dt.total_seconds() / 86400
    interpurchase = span_days / (n_orders - 1).where(n_orders > 1)
    features["interpurchase_days"] = interpurchase.fillna(features["tenure_days"] + 1)
    for column in numeric_optional:
        values = grouped[column].mean()
        features[f"mean_{column}"] = values.fillna(values.median())
    if "category" in data.columns:
        category = data["category"].fillna("unknown")
        if top_categories is not None:
            top = category.value_counts().index[:top_categories]
            category = category.where(category.isin(top), "other")
        shares = pd.crosstab(data["customer_id"], category, normalize="index")
        shares.columns = [f"share_{c}" for c in shares.columns]
        features = features.join(shares).fillna({c: 0.0 for c in shares.columns})
    features.index.name = "customer_id"
    return features


def build_features(
    transactions: pd.DataFrame, features_params: dict[str, Any]
) -> pd.DataFrame:
    """Customer features of the whole log, as a table with a ``customer_id``
    column (for the catalog)."""
    features = customer_features_as_of(
        transactions,
        features_params.get("reference_date"),
        features_params.get("top_categories"),
    )
    logger.info("%s customers, %s features", len(features), features.shape[1])
    return features.reset_index()


def _model_columns(features: pd.DataFrame, features_params: dict[str, Any]) -> list:
    wanted = features_params["model_columns"]
    extra = (
        [c for c in features.columns if c.startswith("share_")]
        if features_params.get("use_category_shares")
        else []
    )
    return [c for c in wanted if c in features.columns] + extra


def transform_features(
    features: pd.DataFrame, features_params: dict[str, Any]
) -> pd.DataFrame:
    """The unscaled model matrix: chosen columns, ``log1p`` on skewed ones.

    Spend, basket, frequency and waiting times are right-skewed (a few customers
    spend 100 times the median); ``log1p`` brings them to a scale on which
    distances mean "times more", not "dollars more"."""
    frame = features.set_index("customer_id") if "customer_id" in features else features
    columns = _model_columns(frame, features_params)
    matrix = frame[columns].astype(float).copy()
    for column in features_params.get("log_columns", []):
        if column in matrix:
            matrix[column] = np.log1p(matrix[column].clip(lower=0))
    return matrix


def scale_features(
    features: pd.DataFrame, features_params: dict[str, Any]
) -> pd.DataFrame:
    """Log-transformed then standardised model matrix (z-scores).

    Standardisation (not min-max) so that each feature weighs the same in the
    Euclidean distance and a single extreme customer does not squash a column
    into a corner of [0, 1]."""
    matrix = transform_features(features, features_params)
    scaled = StandardScaler().fit_transform(matrix)
    return pd.DataFrame(scaled, index=matrix.index, columns=matrix.columns)


# ---------------------------------------------------------------------- modelling
def _sample(scaled: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    if len(scaled) <= size:
        return scaled
    return scaled.sample(n=size, random_state=seed)


def _quality(
    x: np.ndarray, labels: np.ndarray, distances: np.ndarray
) -> tuple[float, float]:
    """Silhouette and Davies-Bouldin of ``labels`` on ``x`` (noise left out), with
    ``x``'s pairwise distances computed once by the caller for all labellings."""
    keep = labels != NOISE
    if len(np.unique(labels[keep])) < 2:
        return float("nan"), float("nan")
    if not keep.all():
        distances = distances[np.ix_(keep, keep)]
    sil = silhouette_score(distances, labels[keep], metric="precomputed")
    return float(sil), float(davies_bouldin_score(x[keep], labels[keep]))


def _elbow(k: np.ndarray, inertia: np.ndarray) -> int:
    """The k farthest from the chord joining the first and last inertia."""
    x = (k - k.min()) / max(k.max() - k.min(), 1)
    y = (inertia - inertia.min()) / max(inertia.max() - inertia.min(), 1e-12)
    distance = np.abs(y - (1 - x))
    return int(k[int(np.argmax(distance))])


def select_k(
    scaled: pd.DataFrame, model_params: dict[str, Any], seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """KMeans for each k: inertia (elbow), silhouette and Davies-Bouldin.

    Choice rule: among k >= ``min_segments`` (fewer segments give nothing to
    write to), the best mean rank of silhouette (high) and Davies-Bouldin (low);
    a tie goes to the k closest to the elbow. Each KMeans is fitted on a sample
    of ``kmeans_sample_size`` customers (inertia is that sample's) and silhouette
    computed on a sample of ``metric_sample_size``, so the search costs the same
    on a large customer base.
    """
    sample = _sample(scaled, model_params["metric_sample_size"], seed).to_numpy()
    x = _sample(scaled, model_params["kmeans_sample_size"], seed).to_numpy()
    # Once for every k (metric_sample_size² floats: ~0.5 GB at 8,000), instead of
    # once per silhouette: 52 -> 45 CPU-s for the CDNOW run, same figures.
    distances = pairwise_distances(sample)
    rows = []
    for k in range(model_params["k_min"], model_params["k_max"] + 1):
        model = KMeans(n_clusters=k, n_init=model_params["n_init"], random_state=seed)
        model.fit(x)
        sil, db = _quality(sample, model.predict(sample), distances)
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": sil,
                "davies_bouldin": db,
            }
        )
    table = pd.DataFrame(rows)
    elbow = _elbow(table["k"].to_numpy(), table["inertia"].to_numpy())
    eligible = table.loc[table["k"] >= model_params["min_segments"]].copy()
    eligible["rank"] = (
        eligible["silhouette"].rank(ascending=False)
        + eligible["davies_bouldin"].rank(ascending=True)
    ) / 2
    eligible["elbow_gap"] = (eligible["k"] - elbow).abs()
    best = eligible.sort_values(["rank", "elbow_gap", "k"]).iloc[0]
    choice = {
        "k": int(best["k"]),
        "elbow_k": elbow,
        "best_silhouette_k": int(table.loc[table["silhouette"].idxmax(), "k"]),
        "best_davies_bouldin_k": int(table.loc[table["davies_bouldin"].idxmin(), "k"]),
        "rule": (
            f"k >= {model_params['min_segments']}, best mean rank of silhouette "
            "and Davies-Bouldin, ties to the elbow"
        ),
    }
    logger.info("k selection: %s", choice)
    return table, choice


def _extend(
    sample: pd.DataFrame, labels: np.ndarray, scaled: pd.DataFrame
) -> np.ndarray:
    """Labels of every customer from those of a fitted sample (1-nearest
    neighbour; noise stays noise)."""
    if len(sample) == len(scaled):
        return labels
    knn = KNeighborsClassifier(n_neighbors=1).fit(sample.to_numpy(), labels)
    return knn.predict(scaled.to_numpy())


def fit_models(
    scaled: pd.DataFrame,
    k_choice: dict[str, Any],
    model_params: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """KMeans (chosen k), HDBSCAN and Ward agglomerative; labels, comparison,
    choice.

    HDBSCAN and Ward are quadratic in memory or time: they are fitted on a
    sample of ``fit_sample_size`` customers and the others take the label of
    their nearest sampled neighbour. All models are scored on the same metric
    sample. Business readability: between ``min_segments`` and ``max_segments``
    segments, the smallest holding at least ``min_segment_share`` of customers,
    at most ``max_noise_share`` unassigned. The chosen model is the readable one
    with the best silhouette (KMeans if none is readable).
    """
    k = k_choice["k"]
    x = scaled.to_numpy()
    fit_sample = _sample(scaled, model_params["fit_sample_size"], seed)
    labels = {
        "kmeans": KMeans(
            n_clusters=k, n_init=model_params["n_init"], random_state=seed
        ).fit_predict(x),
        "agglomerative": _extend(
            fit_sample,
            AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(
                fit_sample.to_numpy()
            ),
            scaled,
        ),
        "hdbscan": _extend(
            fit_sample,
            HDBSCAN(copy=True, **model_params["hdbscan"]).fit_predict(
                fit_sample.to_numpy()
            ),
            scaled,
        ),
    }
    metric_index = _sample(scaled, model_params["metric_sample_size"], seed).index
    position = scaled.index.get_indexer(metric_index)
    distances = pairwise_distances(x[position])
    rows = []
    for name, assigned in labels.items():
        sil, db = _quality(x[position], assigned[position], distances)
        counts = pd.Series(assigned[assigned != NOISE]).value_counts(normalize=True)
        noise = float((assigned == NOISE).mean())
        n_seg = int(counts.size)
        smallest = float(counts.min() * (1 - noise)) if n_seg else 0.0
        readable = bool(
            model_params["min_segments"] <= n_seg <= model_params["max_segments"]
            and smallest >= model_params["min_segment_share"]
            and noise <= model_params["max_noise_share"]
        )
        rows.append(
            {
                "model": name,
                "n_segments": n_seg,
                "silhouette": sil,
                "davies_bouldin": db,
                "noise_share": noise,
                "smallest_segment_share": smallest,
                "largest_segment_share": float(counts.max() * (1 - noise))
                if n_seg
                else 0.0,
                "readable": readable,
            }
        )
    comparison = pd.DataFrame(rows)
    readable = comparison.loc[comparison["readable"]]
    chosen = (
        readable.sort_values("silhouette", ascending=False).iloc[0]["model"]
        if len(readable)
        else "kmeans"
    )
    comparison["chosen"] = comparison["model"] == chosen
    assignments = pd.DataFrame(labels, index=scaled.index)
    assignments["segment"] = assignments[chosen]
    choice = {
        "model": chosen,
        "k": int(comparison.set_index("model").loc[chosen, "n_segments"]),
        "readable_models": readable["model"].tolist(),
    }
    logger.info("model comparison:\n%s", comparison.to_string(index=False))
    return assignments.reset_index(), comparison, choice


# ----------------------------------------------------------------------- profiles
def _tier(z: float, thresholds: dict[str, float], words: list[str]) -> str:
    if z >= thresholds["high"]:
        return words[0]
    if z <= thresholds["low"]:
        return words[2]
    return words[1]


def _distinctive_feature(zs: pd.Series, naming: dict[str, Any]) -> tuple[str, str]:
    """The feature, other than value and recency, on which a segment departs most
    from the average customer, and the direction (``high`` or ``low``)."""
    others = zs.drop([c for c in [*naming["value_columns"], "recency_days"] if c in zs])
    feature = str(others.abs().idxmax())
    return feature, "high" if others[feature] > 0 else "low"


def _feature_hint(
    feature: str, direction: str, naming: dict[str, Any], medians: pd.Series
) -> str:
    """The hint for a segment's distinctive feature, its figures filled in from
    the segment's medians (``{median}``: the feature's, ``{recency}``: days since
    the last purchase), so that the advice says what the data shows."""
    if feature.startswith("share_"):
        category = feature.removeprefix("share_").replace("_", " ")
        return naming["category_hint"][direction].format(category=category)
    template = naming["feature_hints"].get(feature, {}).get(direction, "")
    return template.format(
        median=float(medians.get(feature, float("nan"))),
        recency=float(medians.get("recency_days", float("nan"))),
    )


def profile_segments(
    features: pd.DataFrame,
    scaled: pd.DataFrame,
    assignments: pd.DataFrame,
    naming: dict[str, Any],
) -> pd.DataFrame:
    """Per segment: size, share, feature medians, mean z-scores, a name and an
    action.

    The name is computed from the segment's mean z-scores: a value tier from
    spend and frequency (``value_columns``), an activity tier from recency, and
    "one-time buyers" when the median customer ordered once. The action is looked
    up from the (value, activity) pair in ``naming.actions`` and completed by the
    hint of the segment's most distinctive other feature when it stands out
    (``naming.feature_hints``), so two segments of the same tier get different
    advice. Names shared by several segments are completed by that feature."""
    frame = features.set_index("customer_id")
    segment = assignments.set_index("customer_id")["segment"]
    frame = frame.loc[segment.index]
    z = scaled.loc[segment.index].groupby(segment).mean()
    medians = frame.groupby(segment).median(numeric_only=True)
    sizes = segment.value_counts()
    rows = []
    for seg in sorted(z.index):
        zs = z.loc[seg]
        value_z = float(zs[[c for c in naming["value_columns"] if c in zs]].mean())
        recency_z = float(zs["recency_days"])
        value = _tier(
            value_z, naming["thresholds"], ["high-value", "mid-value", "low-value"]
        )
        # a recent customer has a *low* recency: invert the sign
        activity = _tier(
            -recency_z, naming["thresholds"], ["active", "cooling", "lapsed"]
        )
        feature, direction = _distinctive_feature(zs, naming)
        stands_out = abs(zs[feature]) >= naming["thresholds"]["high"]
        one_time = seg != NOISE and medians.loc[seg, "frequency"] <= 1
        # A one-time buyer's "time between orders" is a stand-in (tenure + 1 day),
        # not a buying cycle to advise on.
        if one_time and feature == "interpurchase_days":
            stands_out = False
        hint = (
            _feature_hint(feature, direction, naming, medians.loc[seg])
            if stands_out
            else ""
        )
        name = f"{value.capitalize()} {activity}" + (
            " one-time buyers" if one_time else " customers"
        )
        if seg == NOISE:
            name, action = NOISE_NAME, naming["noise_action"]
        else:
            action = naming["actions"][value][activity] + (f"; {hint}" if hint else "")
        rows.append(
            {
                "segment": int(seg),
                "name": name,
                "action": action,
                "distinctive_feature": f"{direction} {feature.replace('_', ' ')}",
                "customers": int(sizes.loc[seg]),
                "share": float(sizes.loc[seg] / len(segment)),
                "value_z": value_z,
                "recency_z": recency_z,
                **{f"median_{c}": float(medians.loc[seg, c]) for c in medians.columns},
                **{f"z_{c}": float(zs[c]) for c in z.columns},
            }
        )
    profiles = pd.DataFrame(rows)
    duplicated = profiles["name"].duplicated(keep=False)
    profiles.loc[duplicated, "name"] += (
        ", " + profiles.loc[duplicated, "distinctive_feature"]
    )
    dup = profiles["name"].duplicated(keep=False)
    profiles.loc[dup, "name"] += " #" + profiles.loc[dup, "segment"].astype(str)
    return profiles.sort_values("value_z", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------------- stability
def _drift(
    curve: pd.DataFrame, threshold: float, persistence: int
) -> tuple[int, int | None, list[int]]:
    """Re-fit period, first day of the first run of ``persistence`` checks under
    ``threshold`` (None: no such run), and the earlier checks under it that
    recovered."""
    checks = curve.loc[curve["elapsed_days"] > 0]
    below = (checks["ari"] < threshold).to_numpy()
    days = checks["elapsed_days"].astype(int).tolist()
    for start in range(len(days)):
        run = below[start : start + persistence]
        if len(run) == persistence and run.all():
            dips = [d for d, b in zip(days[:start], below[:start], strict=True) if b]
            earlier = curve.loc[curve["elapsed_days"] < days[start], "elapsed_days"]
            return int(earlier.max()), days[start], dips
    dips = [d for d, b in zip(days, below, strict=True) if b]
    return int(curve["elapsed_days"].max()), None, dips


def stability_curve(
    transactions: pd.DataFrame,
    k_choice: dict[str, Any],
    features_params: dict[str, Any],
    model_params: dict[str, Any],
    stability: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """ARI between a frozen segmentation and a re-fitted one, by elapsed time.

    The model (scaler + KMeans with the chosen k) is fitted on the first
    ``initial_days`` of the log. Every ``step_days`` (up to ``max_elapsed_days``)
    the features of the initial customers are recomputed on the longer log; the
    frozen model assigns them, a model re-fitted on all customers of the longer
    log assigns them too, and the ARI compares both. Each KMeans is fitted on at
    most ``kmeans_sample_size`` customers.

    A re-fitted KMeans can land on another local optimum, so one check under
    ``ari_threshold`` may be noise: the segments count as drifted once the ARI
    stays under it for ``persistence`` consecutive checks. The recommended re-fit
    period is the last elapsed time before that run starts; the checks under the
    threshold that recovered are reported as ``dips``.
    """
    k = k_choice["k"]
    start = transactions["timestamp"].min().normalize()
    end = transactions["timestamp"].max().normalize() + pd.Timedelta(days=1)
    cut0 = start + pd.Timedelta(days=stability["initial_days"])

    def fit(cut: pd.Timestamp) -> tuple[pd.DataFrame, StandardScaler, KMeans]:
        features = customer_features_as_of(
            transactions, cut, features_params.get("top_categories")
        )
        matrix = transform_features(features, features_params)
        scaler = StandardScaler().fit(matrix)
        model = KMeans(n_clusters=k, n_init=model_params["n_init"], random_state=seed)
        sample = _sample(matrix, model_params["kmeans_sample_size"], seed)
        model.fit(scaler.transform(sample))
        return matrix, scaler, model

    matrix0, scaler0, model0 = fit(cut0)
    initial = matrix0.index
    horizon = min(end, cut0 + pd.Timedelta(days=stability["max_elapsed_days"]))
    rows = []
    elapsed = 0
    while cut0 + pd.Timedelta(days=elapsed) <= horizon:
        cut = cut0 + pd.Timedelta(days=elapsed)
        matrix, scaler, model = fit(cut)
        known = matrix.loc[initial]
        # a category that enters the top ones later is unknown to the frozen model
        frozen_view = known.reindex(columns=matrix0.columns, fill_value=0.0)
        frozen = model0.predict(scaler0.transform(frozen_view))
        refit = model.predict(scaler.transform(known))
        rows.append(
            {
                "elapsed_days": elapsed,
                "cutoff": cut.date().isoformat(),
                "customers": len(matrix),
                "initial_customers": len(initial),
                "ari": float(adjusted_rand_score(frozen, refit)),
            }
        )
        elapsed += stability["step_days"]
    curve = pd.DataFrame(rows)
    threshold = stability["ari_threshold"]
    persistence = stability.get("persistence", 1)
    period, sustained, dips = _drift(curve, threshold, persistence)
    if sustained is None:
        note = (
            f"the ARI never stayed under the threshold for {persistence} "
            "consecutive checks over the observed log"
        )
    else:
        note = (
            f"the ARI stayed under the threshold from {sustained} days on "
            f"({persistence} consecutive checks or more)"
        )
    if dips:
        note += (
            f"; it also dipped under it at {', '.join(map(str, dips))} days "
            "before recovering, read as re-fitting noise"
        )
    summary = {
        "initial_days": stability["initial_days"],
        "step_days": stability["step_days"],
        "ari_threshold": threshold,
        "persistence": persistence,
        "recommended_refit_days": period,
        "never_below_threshold": bool((curve["ari"] >= threshold).all()),
        "drift_from_days": sustained,
        "dips_days": dips,
        "note": note,
        "k": k,
    }
    logger.info("stability: %s", summary)
    return curve, summary
