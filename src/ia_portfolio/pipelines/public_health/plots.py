"""Figures of the ``public_health`` pipeline, readable by a non-specialist: a
title naming the data, axis labels with units, legends, and no unreadable
scatter (large tables are drawn as hexbins or from a stratified sample)."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure

from ia_portfolio.reporting import new_figure

NO_GROUP = "(no group)"
GRADE_COLOURS = {
    "a": "#038141",
    "b": "#85bb2f",
    "c": "#fecb02",
    "d": "#ee8100",
    "e": "#e63e11",
}
"""The Nutri-Score's own colours."""

Variables = dict[str, dict[str, str]]


def _label(variables: Variables, column: str) -> str:
    spec = variables.get(column, {})
    return f"{spec.get('label', column)} ({spec.get('unit', '')})".replace(" ()", "")


def _short(variables: Variables, column: str) -> str:
    return variables.get(column, {}).get("label", column)


def group_colours(canonical: list[str]) -> dict[str, str]:
    """A fixed colour per food group (tab10 without its grey, then tab20b), light
    grey for products without a group."""
    tab10 = mpl.colormaps["tab10"].colors
    palette = [c for i, c in enumerate(tab10) if i != 7]
    palette += list(mpl.colormaps["tab20b"].colors)
    colours = {
        group: mpl.colors.to_hex(palette[i % len(palette)])
        for i, group in enumerate(canonical)
    }
    colours[NO_GROUP] = "#9e9e9e"
    return colours


def _grid(count: int, columns: int, size: tuple[float, float]) -> tuple[Figure, list]:
    rows = int(np.ceil(count / columns))
    figure = Figure(figsize=(size[0] * columns, size[1] * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for extra in axes[count:]:
        extra.set_visible(False)
    return figure, list(axes[:count])


def plot_missing_values(
    before: pd.DataFrame, after: pd.DataFrame, data_label: str
) -> Figure:
    """Share of missing values per column before and after cleaning."""
    columns = list(before.columns)
    before_share = before.isna().mean().reindex(columns) * 100
    after_share = after.isna().mean().reindex(columns) * 100
    figure, axes = new_figure(
        f"Missing values per column, before and after cleaning\n({data_label})",
        "Missing values (% of products)",
        "Column",
        size=(10, 0.32 * len(columns) + 2),
    )
    y = np.arange(len(columns))
    axes.barh(y + 0.2, before_share, height=0.4, color="#bdbdbd", label="before")
    axes.barh(
        y - 0.2,
        after_share.fillna(0),
        height=0.4,
        color="tab:blue",
        label="after cleaning",
    )
    for position, column in enumerate(columns):
        if column not in after.columns:
            axes.text(
                1, position - 0.2, "column dropped", va="center", fontsize="small"
            )
    axes.set_yticks(y, columns)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.legend(loc="lower right")
    return figure


def plot_distributions(
    cleaned: pd.DataFrame,
    imputed_cells: pd.DataFrame,
    variables: Variables,
    data_label: str,
) -> Figure:
    """Histogram of each nutrient, observed and imputed values stacked."""
    columns = [c for c in variables if c in cleaned]
    figure, axes_list = _grid(len(columns), 3, (4.6, 3.4))
    for axes, column in zip(axes_list, columns, strict=True):
        values = cleaned[column]
        imputed = (
            imputed_cells[column].to_numpy()
            if column in imputed_cells
            else np.zeros(len(values), dtype=bool)
        )
        present = values.dropna()
        high = present.quantile(0.995) if len(present) else 1.0
        low = min(0.0, present.min()) if len(present) else 0.0
        bins = np.linspace(low, high if high > low else low + 1, 40)
        axes.hist(
            [values[~imputed].dropna(), values[imputed].dropna()],
            bins=bins,
            stacked=True,
            color=["tab:blue", "tab:orange"],
            label=["observed", "imputed"],
        )
        axes.set_title(_short(variables, column))
        axes.set_xlabel(_label(variables, column))
        axes.set_ylabel("Products")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    figure.suptitle(
        f"Distribution of each nutrient after cleaning (x axis cut at the 99.5th "
        f"percentile)\n({data_label})"
    )
    return figure


def plot_group_counts(
    cleaned: pd.DataFrame,
    group_column: str,
    grade_column: str | None,
    canonical: list[str],
    data_label: str,
) -> Figure:
    """Products per food group and per Nutri-Score grade."""
    figure = Figure(figsize=(13, 5), layout="constrained")
    group_axes, grade_axes = figure.subplots(1, 2)
    counts = cleaned[group_column].fillna(NO_GROUP).value_counts().sort_values()
    colours = group_colours(canonical)
    group_axes.barh(
        counts.index,
        counts.to_numpy(),
        color=[colours.get(g, "grey") for g in counts.index],
    )
    group_axes.set(
        title="Products per food group (pnns_groups_1)",
        xlabel="Products",
        ylabel="Food group",
    )
    if grade_column and grade_column in cleaned:
        grades = cleaned[grade_column].fillna("missing").value_counts()
        order = [g for g in [*GRADE_COLOURS, "missing"] if g in grades.index]
        grade_axes.bar(
            order,
            grades.reindex(order).to_numpy(),
            color=[GRADE_COLOURS.get(g, "#bdbdbd") for g in order],
        )
    grade_axes.set(
        title="Products per Nutri-Score grade (a = healthiest)",
        xlabel="Nutri-Score grade",
        ylabel="Products",
    )
    for axes in (group_axes, grade_axes):
        axes.grid(alpha=0.3)
    figure.suptitle(f"What the cleaned table contains ({data_label})")
    return figure


def plot_nutrients_by_group(
    cleaned: pd.DataFrame,
    variables: Variables,
    group_column: str,
    canonical: list[str],
    data_label: str,
) -> Figure:
    """Box plots of each nutrient per food group."""
    columns = [c for c in variables if c in cleaned]
    groups = [g for g in canonical if (cleaned[group_column] == g).any()]
    colours = group_colours(canonical)
    figure, axes_list = _grid(len(columns), 3, (5.2, 4.2))
    for axes, column in zip(axes_list, columns, strict=True):
        data = [
            cleaned.loc[cleaned[group_column] == g, column].dropna() for g in groups
        ]
        boxes = axes.boxplot(
            data,
            orientation="horizontal",
            showfliers=False,
            patch_artist=True,
            tick_labels=groups,
        )
        for patch, group in zip(boxes["boxes"], groups, strict=True):
            patch.set_facecolor(colours[group])
            patch.set_alpha(0.7)
        axes.set_title(_short(variables, column))
        axes.set_xlabel(_label(variables, column))
        axes.set_ylabel("Food group")
        axes.invert_yaxis()
        axes.grid(alpha=0.3, axis="x")
    figure.suptitle(
        "Nutrients by food group: box = middle half of the products, line = median, "
        f"whiskers = 1.5 IQR\n({data_label})"
    )
    return figure


def plot_correlations(
    cleaned: pd.DataFrame, variables: Variables, data_label: str
) -> Figure:
    """Spearman correlations between nutrients, annotated."""
    columns = [c for c in variables if c in cleaned]
    matrix = cleaned[columns].corr(method="spearman")
    labels = [_short(variables, c) for c in columns]
    figure, axes = new_figure(
        f"How nutrients move together (Spearman rank correlation)\n({data_label})",
        "Nutrient",
        "Nutrient",
        size=(9, 7.5),
    )
    axes.grid(False)
    image = axes.imshow(matrix.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    axes.set_xticks(range(len(columns)), labels, rotation=40, ha="right")
    axes.set_yticks(range(len(columns)), labels)
    for i in range(len(columns)):
        for j in range(len(columns)):
            value = matrix.iloc[i, j]
            axes.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize="small",
                color="white" if abs(value) > 0.6 else "black",
            )
    figure.colorbar(image, ax=axes, label="Spearman correlation (-1 to 1)")
    return figure


def plot_hexbins(
    cleaned: pd.DataFrame,
    pairs: list[list[str]],
    variables: Variables,
    data_label: str,
) -> Figure:
    """Density of products for pairs of nutrients (hexagonal bins, log colour
    scale): every product counted, none hidden behind another."""
    figure, axes_list = _grid(len(pairs), 2, (6.5, 5.2))
    for axes, (x, y) in zip(axes_list, pairs, strict=True):
        data = cleaned[[x, y]].dropna()
        hexes = axes.hexbin(
            data[x], data[y], gridsize=60, bins="log", cmap="viridis", mincnt=1
        )
        figure.colorbar(hexes, ax=axes, label="Products per hexagon (log scale)")
        axes.set_title(f"{_short(variables, y)} against {_short(variables, x)}")
        axes.set_xlabel(_label(variables, x))
        axes.set_ylabel(_label(variables, y))
    figure.suptitle(
        f"Pairs of nutrients, all {len(cleaned):,} cleaned products\n({data_label})"
    )
    return figure


def plot_scree(pca_variance: pd.DataFrame, data_label: str) -> Figure:
    """Variance explained per principal component, and cumulated."""
    figure, axes = new_figure(
        f"PCA scree plot: variance carried by each component\n({data_label})",
        "Principal component",
        "Variance explained (%)",
    )
    x = np.arange(len(pca_variance))
    axes.bar(
        x,
        pca_variance["explained_variance"] * 100,
        color="tab:blue",
        label="per component",
    )
    axes.plot(
        x,
        pca_variance["cumulative_variance"] * 100,
        color="tab:red",
        marker="o",
        label="cumulated",
    )
    kaiser = int((pca_variance["eigenvalue"] >= 1).sum())
    axes.axvline(
        kaiser - 0.5,
        color="grey",
        linestyle="--",
        label=f"eigenvalue ≥ 1 for the first {kaiser} (Kaiser rule)",
    )
    axes.set_xticks(x, pca_variance["component"])
    axes.set_ylim(0, 105)
    axes.legend(loc="center right")
    return figure


def plot_correlation_circle(
    pca_loadings: pd.DataFrame,
    pca_variance: pd.DataFrame,
    variables: Variables,
    data_label: str,
) -> Figure:
    """Correlation of each nutrient with the first four components."""
    explained = pca_variance.set_index("component")["explained_variance"]
    planes = [("PC1", "PC2"), ("PC3", "PC4")]
    planes = [p for p in planes if p[1] in pca_loadings]
    figure = Figure(figsize=(6.5 * len(planes), 6.5), layout="constrained")
    axes_list = figure.subplots(1, len(planes), squeeze=False)[0]
    for axes, (first, second) in zip(axes_list, planes, strict=True):
        axes.add_patch(
            mpl.patches.Circle((0, 0), 1, fill=False, color="grey", linewidth=0.8)
        )
        placed: list[tuple[float, float]] = []
        for _, row in pca_loadings.iterrows():
            x, y = row[first], row[second]
            axes.annotate(
                "",
                xy=(x, y),
                xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": "tab:blue"},
            )
            label_x, label_y = x * 1.1, y * 1.1
            while any(
                abs(label_x - px) < 0.25 and abs(label_y - py) < 0.06
                for px, py in placed
            ):
                label_y -= 0.07
            placed.append((label_x, label_y))
            axes.text(
                label_x,
                label_y,
                _short(variables, row["variable"]),
                ha="left" if x >= 0 else "right",
                va="center",
                fontsize="small",
            )
        axes.axhline(0, color="grey", linewidth=0.5)
        axes.axvline(0, color="grey", linewidth=0.5)
        axes.set(
            xlim=(-1.15, 1.15),
            ylim=(-1.15, 1.15),
            aspect="equal",
            title=f"Correlation circle, {first} x {second}",
            xlabel=f"Correlation with {first} ({explained[first]:.0%} of the variance)",
            ylabel=f"Correlation with {second} ({explained[second]:.0%} of the variance)",
        )
        axes.grid(alpha=0.3)
    figure.suptitle(
        "Which nutrients drive each component (arrow length = how well the plane "
        f"shows it)\n({data_label})"
    )
    return figure


def plot_pca_projection(
    pca_projection: pd.DataFrame,
    pca_variance: pd.DataFrame,
    group_column: str,
    canonical: list[str],
    data_label: str,
) -> Figure:
    """Products on the first principal plane, coloured by food group, with each
    group's centre."""
    explained = pca_variance.set_index("component")["explained_variance"]
    colours = group_colours(canonical)
    groups = pca_projection[group_column].fillna(NO_GROUP)
    figure, axes = new_figure(
        f"Products on the first principal plane ({len(pca_projection):,} products, "
        f"a sample stratified by group)\n({data_label})",
        f"PC1 ({explained['PC1']:.0%} of the variance)",
        f"PC2 ({explained['PC2']:.0%} of the variance)",
        size=(11, 7.5),
    )
    for group in [NO_GROUP, *canonical]:
        rows = pca_projection[groups == group]
        if rows.empty:
            continue
        axes.scatter(
            rows["PC1"],
            rows["PC2"],
            s=6,
            alpha=0.2 if group == NO_GROUP else 0.4,
            color=colours[group],
            label=f"{group} ({len(rows)})",
            rasterized=True,
        )
        if group != NO_GROUP:
            axes.scatter(
                rows["PC1"].median(),
                rows["PC2"].median(),
                s=160,
                marker="X",
                color=colours[group],
                edgecolor="black",
                zorder=3,
            )
    axes.legend(
        title="Food group (X = median)",
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        markerscale=2.5,
        fontsize="small",
    )
    return figure


def plot_anova_effect_sizes(
    anova_table: pd.DataFrame, variables: Variables, data_label: str
) -> Figure:
    """Share of each nutrient's variance explained by the food group (eta²)."""
    table = anova_table.sort_values("eta_squared")
    figure, axes = new_figure(
        f"How much the food group explains each nutrient (one-way ANOVA)\n({data_label})",
        "Variance explained by the food group (eta²)",
        "Nutrient",
        size=(9, 5.5),
    )
    axes.barh(
        [_short(variables, n) for n in table["nutrient"]],
        table["eta_squared"],
        color="tab:blue",
        label="eta² (observed values only)",
    )
    for threshold, name, style in ((0.06, "medium", ":"), (0.14, "large", "--")):
        axes.axvline(
            threshold,
            color="grey",
            linestyle=style,
            label=f"{name} effect (≥ {threshold})",
        )
    axes.set_xlim(0, 1)
    axes.legend(loc="lower right")
    return figure


def nutrient_explorer(
    cleaned: pd.DataFrame,
    variables: Variables,
    group_column: str,
    canonical: list[str],
    sample_size: int,
    seed: int,
    data_label: str,
) -> go.Figure:
    """Interactive scatter of a stratified sample of products: pick the nutrient
    on each axis, hover a point for the product, click a group to hide it."""
    columns = [c for c in variables if c in cleaned]
    frame = cleaned.dropna(subset=columns[:2])
    if len(frame) > sample_size:
        frame = frame.groupby(
            frame[group_column].fillna(NO_GROUP), group_keys=False
        ).sample(frac=sample_size / len(frame), random_state=seed)
    groups = frame[group_column].fillna(NO_GROUP)
    colours = group_colours(canonical)
    x0, y0 = columns[0], columns[1]
    hover_columns = [c for c in ("product_name", "brands") if c in frame]
    figure = go.Figure()
    traces = [g for g in [*canonical, NO_GROUP] if (groups == g).any()]
    for group in traces:
        rows = frame[groups == group]
        text = (
            rows[hover_columns].fillna("?").astype(str).agg(" — ".join, axis=1)
            if hover_columns
            else None
        )
        figure.add_trace(
            go.Scattergl(
                x=rows[x0],
                y=rows[y0],
                mode="markers",
                name=f"{group} ({len(rows)})",
                marker={"size": 5, "color": colours[group], "opacity": 0.6},
                text=text,
                hovertemplate="%{text}<br>x = %{x}<br>y = %{y}<extra>"
                + group
                + "</extra>",
            )
        )

    def buttons(axis: str) -> list[dict[str, Any]]:
        result = []
        for column in columns:
            values = [frame.loc[groups == g, column].tolist() for g in traces]
            result.append(
                {
                    "label": _short(variables, column),
                    "method": "update",
                    "args": [
                        {axis: values},
                        {f"{axis}axis.title.text": _label(variables, column)},
                    ],
                }
            )
        return result

    figure.update_layout(
        title=f"Nutrient explorer: {len(frame):,} products sampled per food group "
        f"({data_label})",
        xaxis_title=_label(variables, x0),
        yaxis_title=_label(variables, y0),
        legend_title="Food group (click to hide)",
        height=650,
        updatemenus=[
            {"buttons": buttons("x"), "x": 0.0, "y": 1.12, "xanchor": "left", "active": 0},
            {"buttons": buttons("y"), "x": 0.3, "y": 1.12, "xanchor": "left", "active": 1},
        ],
        annotations=[
            {"text": "x axis:", "x": -0.06, "y": 1.1, "xref": "paper", "yref": "paper", "showarrow": False},
            {"text": "y axis:", "x": 0.25, "y": 1.1, "xref": "paper", "yref": "paper", "showarrow": False},
        ],
    )  # fmt: skip
    return figure
