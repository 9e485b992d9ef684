"""Nodes of the ``smart_city`` pipeline: describe, check, clean and plan the
maintenance of a city's tree inventory."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ia_portfolio.outliers import RULES, flag_outliers
from ia_portfolio.profiling import column_statistics

logger = logging.getLogger(__name__)

UNKNOWN_STAGE = "unknown"
REASONS: tuple[str, ...] = (
    "remarkable",
    "mature",
    "measure_suspect",
    "measure_missing",
    "stage_unknown",
)
"""Why a tree is on the inspection list, most urgent first."""

ZONE_PARIS, ZONE_WOODS, ZONE_OUTSIDE = "Paris", "woods", "outside Paris"


# --- names ---------------------------------------------------------------------


def _name_key(value: str) -> str:
    """Spelling-insensitive key: no accents, case or repeated/outer spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def canonical_spellings(values: pd.Series) -> dict[str, str]:
    """Map every spelling of ``values`` to the most frequent spelling sharing its
    key (case, accents and spaces ignored); ties go to the alphabetically first."""
    counts = values.dropna().astype(str).value_counts()
    if counts.empty:
        return {}
    table = pd.DataFrame({"raw": counts.index, "rows": counts.to_numpy()})
    table["clean"] = table["raw"].map(lambda v: " ".join(v.split()))
    table["key"] = table["raw"].map(_name_key)
    per_clean = table.groupby(["key", "clean"], as_index=False)["rows"].sum()
    per_clean = per_clean.sort_values(
        ["key", "rows", "clean"], ascending=[True, False, True]
    )
    best = per_clean.drop_duplicates("key").set_index("key")["clean"]
    return dict(zip(table["raw"], table["key"].map(best)))


def harmonise_names(
    raw: pd.DataFrame, names: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge the spelling variants of taxon names (case, accents, spaces,
    synonyms, placeholders such as ``n. sp.``).

    Returns the inventory with harmonised names and a table of every variant
    replaced: column, raw value, value kept, rows.
    """
    trees = raw.copy()
    changes = []
    synonyms = names.get("synonyms") or {}
    placeholders = names.get("placeholders") or {}
    for column in names["columns"]:
        if column not in trees.columns:
            raise KeyError(
                f"Column '{column}' (parameter smart_city.names.columns) is not in "
                f"the raw inventory (smart_city.raw_trees)."
            )
        mapping = canonical_spellings(trees[column])
        for variant, kept in (synonyms.get(column) or {}).items():
            for raw_value, canonical in mapping.items():
                if canonical == variant:
                    mapping[raw_value] = kept
        for placeholder in placeholders.get(column) or []:
            for raw_value, canonical in mapping.items():
                if canonical == placeholder:
                    mapping[raw_value] = None
        counts = trees[column].value_counts()
        for raw_value, kept in mapping.items():
            if raw_value != kept:
                changes.append(
                    {
                        "column": column,
                        "raw_value": raw_value,
                        "kept_value": kept,
                        "rows": int(counts.get(raw_value, 0)),
                    }
                )
        trees[column] = pd.array(trees[column].map(mapping), dtype="str")
    variants = pd.DataFrame(
        changes, columns=["column", "raw_value", "kept_value", "rows"]
    )
    variants = variants.sort_values(["column", "rows"], ascending=[True, False])
    logger.info(
        "Harmonised %d spelling variants on %d cells.",
        len(variants),
        int(variants["rows"].sum()),
    )
    return trees, variants.reset_index(drop=True)


# --- outliers ------------------------------------------------------------------


def _with_missing_codes(
    frame: pd.DataFrame, missing_codes: dict[str, list]
) -> pd.DataFrame:
    """Copy of ``frame`` where codes meaning "not recorded" (e.g. 0) are NaN."""
    out = frame.copy()
    for column, codes in (missing_codes or {}).items():
        if column in out.columns:
            out[column] = out[column].astype(np.float64).mask(out[column].isin(codes))
    return out


def detect_outliers(
    trees: pd.DataFrame,
    columns: dict[str, str],
    missing_codes: dict[str, list],
    outliers: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Flag values with the configured rules (domain bounds, IQR, robust z-score),
    per column and within groups (e.g. per genus).

    Codes meaning "not measured" (``missing_codes``) are missing values, not
    outliers. Returns one row per flagged value (rules that flagged it, fences,
    z-score, the action the cleaning takes, and the tree's context) and a summary
    of counts per column and rule. The flagged values come twice: for the
    cleaning, and as the report table (so that no reporting dataset feeds the
    primary layer).
    """
    frame = _with_missing_codes(trees, missing_codes)
    flagged = flag_outliers(
        frame,
        outliers["rules"],
        group_by=outliers.get("group_by"),
        min_group_size=int(outliers.get("min_group_size", 30)),
        id_column=columns["id"],
    )
    statistical = outliers.get("statistical_action", "flag")
    flagged["action"] = np.where(
        flagged["domain"],
        "set missing (impossible value)",
        "set missing (unusual value)"
        if statistical == "set_missing"
        else "keep, check on site",
    )
    context = [
        columns[role]
        for role in ("area", "place", "species", "stage")
        if columns.get(role) in trees.columns
    ]
    if context and not flagged.empty:
        lookup = trees.drop_duplicates(columns["id"]).set_index(columns["id"])[context]
        flagged = flagged.join(lookup, on=columns["id"])
    summary = outlier_summary(flagged, frame, list(outliers["rules"]))
    logger.info(
        "Flagged %d values: %s.",
        len(flagged),
        dict(zip(summary["column"], summary["flagged"])),
    )
    return flagged, flagged.copy(), summary


def outlier_summary(
    flagged: pd.DataFrame, frame: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Per column: present values, values flagged by each rule and by any, and
    the share flagged."""
    rows = []
    for column in columns:
        present = int(frame[column].notna().sum())
        part = flagged[flagged["column"] == column]
        row = {"column": column, "present_values": present}
        row |= {rule: int(part[rule].sum()) for rule in RULES}
        row["flagged"] = len(part)
        row["flagged_share"] = len(part) / present if present else np.nan
        row["max_flagged"] = float(part["value"].max()) if len(part) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


# --- cleaning ------------------------------------------------------------------


def area_order(areas: pd.Series | list[str], inside_pattern: str) -> list[str]:
    """Areas in reading order: numbered arrondissements 1..20, then the rest
    alphabetically."""
    pattern = re.compile(inside_pattern)
    values = sorted({str(a) for a in pd.Series(areas).dropna()})

    def key(area: str) -> tuple[int, int, str]:
        match = pattern.match(area)
        if match and match.groups():
            return (0, int(match.group(1)), area)
        return (1, 0, area)

    return sorted(values, key=key)


def _zones(areas: pd.Series, inside_pattern: str, woods: list[str]) -> pd.Series:
    inside = areas.astype("object").fillna("").str.match(inside_pattern)
    zone = np.where(
        inside, ZONE_PARIS, np.where(areas.isin(woods), ZONE_WOODS, ZONE_OUTSIDE)
    )
    return pd.Series(zone, index=areas.index, dtype="str")


def clean_inventory(
    trees: pd.DataFrame,
    flagged: pd.DataFrame,
    columns: dict[str, str],
    missing_codes: dict[str, list],
    areas: dict[str, Any],
    stages: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The inventory, one row per tree, ready for analysis.

    Drops duplicate ids and uninformative columns (empty or constant, unless
    they have a role in ``columns``); turns
    "not measured" codes and values the outlier step set missing into NaN and
    marks the others it flagged (``measure_suspect``); adds the ``zone`` (Paris,
    woods, outside Paris) and the arrondissement number; types the stage as an
    ordered category and ``remarquable`` as a boolean. Returns the cleaned table
    and a log of every step with the number of rows or cells it touched.
    """
    log: list[dict[str, Any]] = []
    n_rows = len(trees)
    id_column = columns["id"]
    clean = trees.drop_duplicates(subset=id_column).copy()
    log.append(
        {
            "step": "drop duplicate ids",
            "column": id_column,
            "changed": n_rows - len(clean),
            "note": "same id twice: the first row is kept",
        }
    )
    # Columns with a role (parameter smart_city.columns) are kept even when
    # constant, e.g. on an inventory of one arrondissement.
    roles = set(columns.values())
    uninformative = [
        c
        for c in clean.columns
        if c not in roles and clean[c].nunique(dropna=True) <= 1
    ]
    for column in uninformative:
        values = clean[column].dropna().unique()
        log.append(
            {
                "step": "drop uninformative column",
                "column": column,
                "changed": len(clean),
                "note": "always empty" if len(values) == 0 else f"always {values[0]!r}",
            }
        )
    clean = clean.drop(columns=uninformative)
    for column, codes in (missing_codes or {}).items():
        if column not in clean.columns:
            continue
        hits = clean[column].isin(codes)
        clean[column] = clean[column].astype(np.float64).mask(hits)
        log.append(
            {
                "step": "code meaning 'not measured' -> missing",
                "column": column,
                "changed": int(hits.sum()),
                "note": f"values {codes}",
            }
        )
    clean["measure_suspect"] = False
    for column, part in flagged.groupby("column", sort=False):
        if column not in clean.columns:
            continue
        to_drop = part[part["action"].str.startswith("set missing")][id_column]
        to_check = part[~part["action"].str.startswith("set missing")][id_column]
        drop_mask = clean[id_column].isin(to_drop)
        clean[column] = clean[column].astype(np.float64).mask(drop_mask)
        clean.loc[clean[id_column].isin(to_check), "measure_suspect"] = True
        log.append(
            {
                "step": "outlier -> missing",
                "column": column,
                "changed": int(drop_mask.sum()),
                "note": "impossible values (domain bounds)",
            }
        )
        log.append(
            {
                "step": "outlier -> kept, marked measure_suspect",
                "column": column,
                "changed": int(clean[id_column].isin(to_check).sum()),
                "note": "unusual for the group (IQR or robust z-score)",
            }
        )
    area = columns["area"]
    clean["zone"] = _zones(clean[area], areas["inside_pattern"], areas["woods"])
    number = clean[area].astype("object").str.extract(areas["inside_pattern"])[0]
    clean["arrondissement_number"] = pd.to_numeric(number).astype("Int64")
    log.append(
        {
            "step": "zone from arrondissement",
            "column": area,
            "changed": int((clean["zone"] != ZONE_PARIS).sum()),
            "note": "trees in the woods or outside Paris proper (kept, zone column)",
        }
    )
    stage = columns["stage"]
    unknown_stages = set(clean[stage].dropna().unique()) - set(stages)
    if unknown_stages:
        raise ValueError(
            f"Column '{stage}' of smart_city.raw_trees has stages "
            f"{sorted(unknown_stages)} missing from parameter smart_city.stages."
        )
    clean[stage] = pd.Categorical(clean[stage], categories=stages, ordered=True)
    remarkable = columns["remarkable"]
    clean[remarkable] = clean[remarkable].map({1: True, 0: False}).astype("boolean")
    log_table = pd.DataFrame(log, columns=["step", "column", "changed", "note"])
    logger.info("Cleaned inventory: %d trees x %d columns.", *clean.shape)
    return clean.reset_index(drop=True), log_table


# --- development stage of trees without one -------------------------------------


def _stage_centroids(
    features: pd.DataFrame,
    stage: pd.Series,
    genus: pd.Series,
    stages: list[str],
    min_group_size: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median log height and log girth per stage, per genus (genera with at
    least ``min_group_size`` trees) and overall."""
    overall = features.groupby(stage, observed=True).median().reindex(stages)
    per_genus = features.groupby([genus, stage], observed=True).agg(["median", "count"])
    per_genus.columns = [f"{feature}_{stat}" for feature, stat in per_genus.columns]
    genus_size = features.groupby(genus).size()
    big = genus_size[genus_size >= min_group_size].index
    per_genus = per_genus[per_genus.index.get_level_values(0).isin(big)]
    per_genus = per_genus[per_genus.iloc[:, 1] >= max(5, min_group_size // 20)]
    return overall, per_genus


def _nearest_stage(
    features: pd.DataFrame,
    genus: pd.Series,
    centroids: tuple[pd.DataFrame, pd.DataFrame],
    scale: pd.Series,
    stages: list[str],
) -> pd.Series:
    """The stage whose centroid (the genus's if known, else overall) is nearest
    in standardised log height and log girth."""
    overall, per_genus = centroids
    distances = np.full((len(features), len(stages)), np.inf)
    keys = genus.astype("object")
    for j, stage in enumerate(stages):
        if stage not in overall.index or overall.loc[stage].isna().any():
            continue
        squared = np.zeros(len(features))
        for feature in features.columns:
            column = f"{feature}_median"
            try:
                table = per_genus.xs(stage, level=1)[column]
            except KeyError:
                table = pd.Series(dtype=np.float64)
            centre = keys.map(table).astype(np.float64)
            centre = centre.fillna(overall.loc[stage, feature]).to_numpy()
            squared += ((features[feature].to_numpy() - centre) / scale[feature]) ** 2
        distances[:, j] = squared
    return pd.Series(
        np.asarray(stages, dtype=object)[distances.argmin(axis=1)], index=features.index
    )


def estimate_stages(
    trees: pd.DataFrame,
    columns: dict[str, str],
    stages: list[str],
    stage_estimate: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Estimate the development stage of measured trees that have none.

    A nearest-centroid rule on log height and log circumference, per genus:
    transparent, and checked on a held-out share (drawn with ``seed``) of the
    trees whose stage is recorded, against always answering the most frequent
    stage. Adds ``stage_used`` (recorded, else estimated) and ``stage_source``
    (recorded, estimated, unknown); the recorded column is left as it is.
    """
    height, girth = columns["height"], columns["girth"]
    stage, genus = columns["stage"], columns["genus"]
    measured = trees[height].gt(0) & trees[girth].gt(0)
    features = pd.DataFrame(
        {"log_height": np.log(trees[height]), "log_girth": np.log(trees[girth])}
    )
    known = measured & trees[stage].notna()
    known_index = trees.index[known]
    rng = np.random.default_rng(seed)
    test_size = int(round(len(known_index) * stage_estimate["test_size"]))
    test_index = pd.Index(rng.choice(known_index, test_size, replace=False))
    train_index = known_index.difference(test_index)
    min_group = int(stage_estimate["min_group_size"])

    def fit(index: pd.Index) -> tuple:
        labels = trees.loc[index, stage].astype("object")
        centroids = _stage_centroids(
            features.loc[index], labels, trees.loc[index, genus], stages, min_group
        )
        spread = features.loc[index].groupby(labels).transform("median")
        scale = (features.loc[index] - spread).abs().median() / 0.6745
        return centroids, scale.replace(0, 1.0)

    metrics: dict[str, Any] = {"method": "nearest centroid per genus (log sizes)"}
    if len(train_index) and len(test_index):
        centroids, scale = fit(train_index)
        predicted = _nearest_stage(
            features.loc[test_index],
            trees.loc[test_index, genus],
            centroids,
            scale,
            stages,
        )
        truth = trees.loc[test_index, stage].astype("object")
        majority = trees.loc[train_index, stage].astype("object").mode().iloc[0]
        rank = {s: i for i, s in enumerate(stages)}
        gap = (predicted.map(rank) - truth.map(rank)).abs()
        metrics |= {
            "n_train": len(train_index),
            "n_test": len(test_index),
            "accuracy": float((predicted == truth).mean()),
            "within_one_stage": float((gap <= 1).mean()),
            "baseline": f"always '{majority}'",
            "baseline_accuracy": float((truth == majority).mean()),
            "confusion": pd.crosstab(truth, predicted)
            .reindex(index=stages, columns=stages, fill_value=0)
            .to_dict(orient="index"),
        }
        logger.info(
            "Stage estimate: accuracy %.3f on %d held-out trees (baseline %.3f).",
            metrics["accuracy"],
            len(test_index),
            metrics["baseline_accuracy"],
        )
    out = trees.copy()
    to_estimate = measured & trees[stage].isna()
    out["stage_estimated"] = pd.Categorical(
        [None] * len(out), categories=stages, ordered=True
    )
    if to_estimate.any() and len(known_index):
        centroids, scale = fit(known_index)  # refit on every recorded stage
        estimate = _nearest_stage(
            features[to_estimate],
            trees.loc[to_estimate, genus],
            centroids,
            scale,
            stages,
        )
        out.loc[to_estimate, "stage_estimated"] = estimate
    used = out[stage].astype("object").where(out[stage].notna(), out["stage_estimated"])
    out["stage_used"] = pd.Categorical(
        used.fillna(UNKNOWN_STAGE),
        categories=[*stages, UNKNOWN_STAGE],
        ordered=True,
    )
    out["stage_source"] = np.where(
        out[stage].notna(),
        "recorded",
        np.where(out["stage_estimated"].notna(), "estimated", UNKNOWN_STAGE),
    )
    metrics["n_estimated"] = int(out["stage_estimated"].notna().sum())
    metrics["n_unknown"] = int((out["stage_source"] == UNKNOWN_STAGE).sum())
    return out, metrics


# --- statistics ------------------------------------------------------------------


def describe_columns(raw: pd.DataFrame, trees: pd.DataFrame) -> pd.DataFrame:
    """Per-column statistics of the raw and of the cleaned inventory, one table
    (``table`` = raw or cleaned), raw columns first."""
    raw_stats = column_statistics(raw)
    kept = [c for c in raw.columns if c in trees.columns]
    added = [c for c in ("zone", "stage_used", "measure_suspect") if c in trees]
    clean_stats = column_statistics(trees, kept + added)
    table = pd.concat(
        [raw_stats.assign(table="raw"), clean_stats.assign(table="cleaned")],
        ignore_index=True,
    )
    return table[["table", *(c for c in table.columns if c != "table")]]


# --- maintenance -----------------------------------------------------------------


def _reasons(trees: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """One boolean per reason to inspect a tree."""
    return pd.DataFrame(
        {
            "remarkable": trees[columns["remarkable"]].fillna(False).astype(bool),
            "mature": trees["stage_used"].astype("object") == "Mature",
            "measure_suspect": trees["measure_suspect"].astype(bool),
            "measure_missing": trees[columns["height"]].isna()
            | trees[columns["girth"]].isna(),
            "stage_unknown": trees[columns["stage"]].isna(),
        },
        index=trees.index,
    )


def build_maintenance_view(
    trees: pd.DataFrame,
    columns: dict[str, str],
    areas: dict[str, Any],
    maintenance: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What a maintenance round has to do, per arrondissement and stage.

    A tree is to inspect when it is remarkable, mature (ageing trees are the
    ones that lose branches), has a suspicious or missing measure, or has no
    recorded stage. Returns counts per area and stage (``stage_used``: recorded,
    else estimated) and the list of trees to inspect with their reasons and a
    priority score (weights in parameters), sorted for a round: area, priority,
    place.
    """
    reasons = _reasons(trees, columns)
    weights = pd.Series(maintenance["weights"]).reindex(list(REASONS)).fillna(0)
    priority = reasons.astype(int).mul(weights, axis=1).sum(axis=1)
    to_inspect = reasons.any(axis=1)
    area, stage = columns["area"], "stage_used"
    frame = pd.concat([trees[[area, "zone", stage]], reasons], axis=1)
    frame["to_inspect"] = to_inspect
    frame["priority_points"] = priority
    grouped = frame.groupby([area, "zone", stage], observed=True)
    by_area = grouped[["to_inspect", *REASONS]].sum().astype(int)
    by_area.insert(0, "trees", grouped.size())
    by_area["priority_points"] = grouped["priority_points"].sum().astype(int)
    by_area = by_area.reset_index()
    by_area["share_to_inspect"] = by_area["to_inspect"] / by_area["trees"]
    order = {
        name: i
        for i, name in enumerate(area_order(trees[area], areas["inside_pattern"]))
    }
    by_area = by_area.sort_values(
        [area, stage], key=lambda s: s.map(order) if s.name == area else s
    ).reset_index(drop=True)
    labels = pd.Series("", index=trees.index, dtype=object)
    for reason in REASONS:
        labels = labels + np.where(reasons[reason], f", {reason}", "")
    listed = [
        c
        for c in (
            columns["id"],
            area,
            columns["place"],
            columns.get("address"),
            columns["species"],
            columns["genus"],
            columns["height"],
            columns["girth"],
        )
        if c and c in trees.columns
    ]
    inspection = trees.loc[to_inspect, listed].copy()
    inspection.insert(0, "priority", priority[to_inspect].astype(int))
    inspection["stage_used"] = trees.loc[to_inspect, stage].astype("object")
    inspection["stage_source"] = trees.loc[to_inspect, "stage_source"]
    inspection["reasons"] = labels[to_inspect].str.removeprefix(", ")
    inspection["latitude"] = trees.loc[to_inspect, columns["latitude"]]
    inspection["longitude"] = trees.loc[to_inspect, columns["longitude"]]
    inspection["_area"] = inspection[area].map(order)
    inspection = (
        inspection.sort_values(
            ["_area", "priority", columns["place"], columns["id"]],
            ascending=[True, False, True, True],
        )
        .drop(columns="_area")
        .reset_index(drop=True)
    )
    logger.info(
        "%d of %d trees to inspect (%.1f %%).",
        int(to_inspect.sum()),
        len(trees),
        100 * to_inspect.mean(),
    )
    return by_area, inspection
