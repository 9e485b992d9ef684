"""Figures of the ``smart_city`` pipeline: missing values, distributions, size
relation, maps and maintenance load. Every figure says when the data is
synthetic; scatter plots of 200,000 trees are sampled or binned."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure

from ia_portfolio.pipelines.smart_city.nodes import UNKNOWN_STAGE, area_order
from ia_portfolio.reporting import CATEGORY_COLOURS, category_colours, new_figure

PARIS_LATITUDE = 48.86
# Drawn 1 degree of latitude this many times longer than 1 degree of longitude,
# so that distances look right at Paris's latitude.
MAP_ASPECT = 1.0 / np.cos(np.radians(PARIS_LATITUDE))
STAGE_COLOURS = ("#a6d96a", "#66bd63", "#1a9850", "#00441b", "#bdbdbd")


def data_label(data: dict[str, Any]) -> str:
    """' (synthetic data)' when the inventory comes from the generator."""
    return " (synthetic data)" if data.get("synthetic") else ""


def _sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    return frame.sample(n=min(size, len(frame)), random_state=seed)


def _area_colours(areas: pd.Series, order: list[str]) -> tuple[dict, dict]:
    """A distinct colour per area (the same in the static and interactive maps)
    and its legend label; when there are more areas than distinct colours, the
    smallest share one grey colour and the label "other"."""
    room = len(CATEGORY_COLOURS)
    if len(order) > room:
        sizes = areas.value_counts()
        pooled = set(sorted(order, key=lambda a: sizes.get(a, 0))[: len(order) - room])
    else:
        pooled = set()
    colours = category_colours(order, grey=pooled)
    labels = {a: "other" if a in pooled else _short_area(a) for a in order}
    return colours, labels


def _short_area(area: str) -> str:
    """'PARIS 7E ARRDT' -> '7e', 'BOIS DE VINCENNES' -> 'Bois de Vincennes'."""
    parts = area.split()
    if len(parts) == 3 and parts[0] == "PARIS" and parts[2] == "ARRDT":
        return parts[1].lower()
    words = area.title().replace("-De-", "-de-").split()
    return " ".join(w.lower() if w in ("De", "Du", "Des") else w for w in words)


def missing_shares(
    frame: pd.DataFrame,
    by: str | None = None,
    missing_codes: dict[str, list] | None = None,
) -> pd.DataFrame:
    """Share of missing values per column (rows), overall or per value of ``by``
    (columns); ``missing_codes`` values (e.g. a 0 meaning "not measured") count
    as missing."""
    missing = frame.isna()
    for column, codes in (missing_codes or {}).items():
        if column in frame.columns:
            missing[column] = missing[column] | frame[column].isin(codes)
    if by is None:
        return missing.mean().to_frame("all")
    groups = frame[by].astype("object").fillna("(missing)")
    return missing.drop(columns=by).groupby(groups).mean().T


def plot_missing_values(
    raw: pd.DataFrame,
    columns: dict[str, str],
    missing_codes: dict[str, list],
    data: dict[str, Any],
) -> Figure:
    """Heat map of the share of missing values per column and domain
    (street, garden, cemetery...), with the overall share first."""
    domain = columns["domain"]
    overall = missing_shares(raw.drop(columns=domain), missing_codes=missing_codes)
    by_domain = missing_shares(raw, by=domain, missing_codes=missing_codes)
    order = raw[domain].astype("object").fillna("(missing)").value_counts().index
    table = pd.concat([overall, by_domain[order]], axis=1) * 100
    counts = raw[domain].astype("object").fillna("(missing)").value_counts()
    labels = ["all trees"] + [f"{d}\n({counts[d]:,})" for d in order]
    figure, axes = new_figure(
        "Missing values by column and domain" + data_label(data),
        "domain (number of trees)",
        "column",
        size=(12, 7),
    )
    axes.grid(False)
    image = axes.imshow(table.to_numpy(), aspect="auto", cmap="Reds", vmin=0, vmax=100)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(table)), table.index, fontsize=8)
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        if value >= 0.5:
            axes.text(
                j,
                i,
                f"{value:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 60 else "black",
            )
    colour_bar = figure.colorbar(image, ax=axes)
    colour_bar.set_label(
        "% of trees with the value missing (empty, or 0 for a measure)"
    )
    return figure


def _raw_histogram(
    axes: Any, values: pd.Series, bound: float | None, unit: str, name: str
) -> None:
    positive = values[values > 0]
    top = max(float(positive.max()) if len(positive) else 10.0, 10.0)
    bins = np.logspace(0, np.log10(top) + 0.05, 70)
    axes.hist(positive, bins=bins, color="#4c72b0", label=f"recorded {name}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    if bound is not None:
        axes.axvline(
            bound,
            color="#c44e52",
            linestyle="--",
            label=f"highest possible ({bound:g} {unit})",
        )
    zeros = int((values == 0).sum())
    axes.text(
        0.98,
        0.95,
        f"{zeros:,} zeros ('not measured') not shown",
        transform=axes.transAxes,
        ha="right",
        va="top",
        fontsize=8,
    )
    axes.legend(loc="center right", fontsize=8)


def _by_stage_boxes(
    axes: Any, trees: pd.DataFrame, column: str, stage: str, stages: list[str]
) -> None:
    groups = [trees.loc[trees[stage] == s, column].dropna() for s in stages]
    labels = [f"{s}\n(n={len(g):,})" for s, g in zip(stages, groups)]
    parts = axes.boxplot(groups, showfliers=False, patch_artist=True)
    for patch, colour in zip(parts["boxes"], STAGE_COLOURS):
        patch.set_facecolor(colour)
    axes.set_xticks(range(1, len(stages) + 1), labels, fontsize=8)


def plot_distributions(
    raw: pd.DataFrame,
    trees: pd.DataFrame,
    columns: dict[str, str],
    stages: list[str],
    outliers: dict[str, Any],
    data: dict[str, Any],
) -> Figure:
    """Raw heights and circumferences on log scales (absurd values stand out,
    with the domain's upper bound), then cleaned values per recorded stage."""
    height, girth, stage = columns["height"], columns["girth"], columns["stage"]
    bounds = {
        column: (rules.get("domain") or {}).get(
            "le", (rules.get("domain") or {}).get("lt")
        )
        for column, rules in outliers["rules"].items()
    }
    figure = Figure(figsize=(13, 9), layout="constrained")
    figure.suptitle("Tree sizes before and after cleaning" + data_label(data))
    grid = figure.subplots(2, 2)
    for axes, column, unit, name in (
        (grid[0, 0], height, "m", "height"),
        (grid[0, 1], girth, "cm", "circumference"),
    ):
        _raw_histogram(axes, raw[column], bounds.get(column), unit, name)
        axes.set_title(f"Raw {name}: every recorded value > 0")
        axes.set_xlabel(f"{name} ({unit}, log scale)")
        axes.set_ylabel("trees (log scale)")
        axes.grid(alpha=0.3)
    for axes, column, unit, name in (
        (grid[1, 0], height, "m", "height"),
        (grid[1, 1], girth, "cm", "circumference"),
    ):
        _by_stage_boxes(axes, trees, column, stage, stages)
        axes.set_title(f"Cleaned {name} by recorded development stage")
        axes.set_xlabel(
            "stage (box: quartiles, whiskers: 1.5 IQR, n: trees with a value)"
        )
        axes.set_ylabel(f"{name} ({unit})")
        axes.grid(alpha=0.3)
    return figure


def plot_height_vs_circumference(
    trees: pd.DataFrame,
    columns: dict[str, str],
    stages: list[str],
    data: dict[str, Any],
) -> Figure:
    """Density of (circumference, height) over every cleaned tree, with the
    median height per circumference band for each stage."""
    height, girth, stage = columns["height"], columns["girth"], columns["stage"]
    both = trees[[height, girth, stage]].dropna(subset=[height, girth])
    figure, axes = new_figure(
        "Height grows with trunk circumference" + data_label(data),
        "trunk circumference at 1 m (cm)",
        "height (m)",
        size=(10, 7),
    )
    cells = axes.hexbin(
        both[girth], both[height], gridsize=70, mincnt=1, bins="log", cmap="Greys"
    )
    axes.set_xlim(0, float(both[girth].quantile(0.999)) * 1.05)
    axes.set_ylim(0, float(both[height].quantile(0.999)) * 1.05)
    bands = np.arange(0, float(both[girth].quantile(0.995)) + 20, 20)
    for name, colour in zip(stages, STAGE_COLOURS):
        part = both[both[stage] == name]
        if len(part) < 50:
            continue
        band = pd.cut(part[girth], bands)
        medians = part.groupby(band, observed=True)[height].agg(["median", "size"])
        medians = medians[medians["size"] >= 20]
        centres = [interval.mid for interval in medians.index]
        axes.plot(
            centres,
            medians["median"],
            color=colour,
            lw=2.5,
            label=f"{name}: median height",
        )
    axes.legend(title="recorded stage", fontsize=8)
    colour_bar = figure.colorbar(cells, ax=axes)
    colour_bar.set_label("trees per hexagon (log scale)")
    return figure


def plot_tree_map(
    trees: pd.DataFrame,
    columns: dict[str, str],
    areas: dict[str, Any],
    plots: dict[str, Any],
    data: dict[str, Any],
    seed: int,
) -> Figure:
    """Map-like views of the coordinates: a sample coloured by arrondissement
    (left) and the density of every tree (right)."""
    lat, lon, area = columns["latitude"], columns["longitude"], columns["area"]
    located = trees.dropna(subset=[lat, lon])
    sample = _sample(located, plots["sample_size"], seed)
    order = area_order(located[area], areas["inside_pattern"])
    colours, labels = _area_colours(located[area], order)
    figure = Figure(figsize=(17, 8.5), layout="constrained")
    figure.suptitle(f"Where the trees are: {len(located):,} trees" + data_label(data))
    left, right = figure.subplots(1, 2)
    legend_labels = {labels[name]: name for name in reversed(order)}
    for name in order:
        part = sample[sample[area] == name]
        left.scatter(
            part[lon],
            part[lat],
            s=2,
            color=colours[name],
            label=labels[name] if legend_labels[labels[name]] == name else None,
            alpha=0.7,
        )
    medians = located.groupby(area)[[lon, lat]].median()
    for name, (x, y) in medians.iterrows():
        left.annotate(_short_area(name), (x, y), fontsize=8, ha="center", weight="bold")
    left.set_title(
        f"A random sample of {len(sample):,} trees, coloured by arrondissement"
    )
    left.legend(
        title="arrondissement",
        fontsize=7,
        markerscale=4,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        ncol=1,
    )
    cells = right.hexbin(
        located[lon], located[lat], gridsize=90, mincnt=1, bins="log", cmap="YlGn"
    )
    right.set_title("Density of all trees")
    figure.colorbar(cells, ax=right, label="trees per hexagon (log scale)")
    for axes in (left, right):
        axes.set_xlabel("longitude (° east)")
        axes.set_ylabel("latitude (° north)")
        axes.set_aspect(MAP_ASPECT)
        axes.grid(alpha=0.3)
    return figure


def interactive_tree_map(
    trees: pd.DataFrame,
    columns: dict[str, str],
    areas: dict[str, Any],
    plots: dict[str, Any],
    data: dict[str, Any],
    seed: int,
) -> go.Figure:
    """Interactive map of a sample of trees: one legend entry per arrondissement
    (click to hide), species, sizes and stage on hover."""
    lat, lon, area = columns["latitude"], columns["longitude"], columns["area"]
    located = trees.dropna(subset=[lat, lon])
    sample = _sample(located, plots["interactive_sample_size"], seed)
    figure = go.Figure()
    hover = (
        "%{customdata[0]}<br>%{customdata[1]}<br>height %{customdata[2]} m, "
        "circumference %{customdata[3]} cm<br>stage: %{customdata[4]}<extra>%{fullData.name}</extra>"
    )
    order = area_order(located[area], areas["inside_pattern"])
    colours, labels = _area_colours(located[area], order)
    for name in order:
        part = sample[sample[area] == name]
        custom = np.column_stack(
            [
                part[columns["species"]].astype("object").fillna("?"),
                part[columns["place"]].astype("object").fillna("?"),
                part[columns["height"]].round(0).astype("object").fillna("?"),
                part[columns["girth"]].round(0).astype("object").fillna("?"),
                part["stage_used"].astype("object"),
            ]
        )
        figure.add_trace(
            go.Scattergl(
                x=part[lon].round(5),
                y=part[lat].round(5),
                mode="markers",
                marker={"size": 3, "color": colours[name]},
                name=_short_area(name),
                legendgroup=labels[name],
                customdata=custom,
                hovertemplate=hover,
            )
        )
    figure.update_layout(
        title=f"Trees of the inventory, a sample of {len(sample):,}" + data_label(data),
        xaxis_title="longitude (° east)",
        yaxis_title="latitude (° north)",
        legend_title="arrondissement",
        template="plotly_white",
        height=750,
    )
    figure.update_yaxes(scaleanchor="x", scaleratio=MAP_ASPECT)
    return figure


def _stage_pivot(by_area: pd.DataFrame, area: str, order: list[str]) -> pd.DataFrame:
    pivot = by_area.pivot_table(
        index=area,
        columns="stage_used",
        values="to_inspect",
        aggfunc="sum",
        observed=False,
    )
    return pivot.reindex(order).fillna(0)


def plot_maintenance(
    by_area: pd.DataFrame,
    columns: dict[str, str],
    areas: dict[str, Any],
    stages: list[str],
    data: dict[str, Any],
) -> tuple[Figure, go.Figure]:
    """Trees to inspect per arrondissement, stacked by development stage, as a
    static and an interactive bar chart."""
    area = columns["area"]
    order = area_order(by_area[area], areas["inside_pattern"])
    pivot = _stage_pivot(by_area, area, order)
    stage_names = [s for s in [*stages, UNKNOWN_STAGE] if s in pivot.columns]
    totals = by_area.groupby(area)[["trees", "to_inspect"]].sum().reindex(order)
    title = "Trees to inspect per arrondissement and stage" + data_label(data)
    figure, axes = new_figure(title, "trees to inspect", "arrondissement", size=(11, 9))
    left = np.zeros(len(order))
    labels = [_short_area(a) for a in order]
    for name, colour in zip(stage_names, STAGE_COLOURS):
        axes.barh(labels, pivot[name], left=left, color=colour, label=name)
        left += pivot[name].to_numpy()
    for y, (total, inspect) in enumerate(totals.to_numpy()):
        axes.text(
            inspect, y, f" {inspect / total:.0%} of {total:,}", va="center", fontsize=7
        )
    axes.invert_yaxis()
    axes.legend(title="stage (recorded, else estimated)", fontsize=8)
    interactive = go.Figure()
    for name, colour in zip(stage_names, STAGE_COLOURS):
        interactive.add_trace(
            go.Bar(
                y=labels,
                x=pivot[name],
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: %{x:,} trees to inspect<extra>%{fullData.name}</extra>",
            )
        )
    interactive.update_layout(
        barmode="stack",
        title=title,
        xaxis_title="trees to inspect",
        yaxis_title="arrondissement",
        legend_title="stage",
        yaxis={"autorange": "reversed"},
        template="plotly_white",
        height=750,
    )
    return figure, interactive
