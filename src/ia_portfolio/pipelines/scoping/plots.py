"""Figures of the ``scoping`` pipeline: the monthly cost per pipeline and the risk
matrix, each with a title, axes with units and a legend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ia_portfolio.reporting import new_figure

COMPONENTS = {
    "train_cost_month": "training",
    "serve_cost_month": "serving",
    "storage_cost_month": "storage",
}
# Score bands of probability x severity (1..25).
RISK_BANDS = (
    (1, 4, "low", "#b7e1a1"),
    (5, 11, "medium", "#ffe08a"),
    (12, 25, "high", "#f4a3a3"),
)


def plot_costs(cost_table: pd.DataFrame, prices: Mapping[str, Any]) -> Figure:
    """Stacked monthly cost of each pipeline by component; the components that
    could not be priced are named next to the bar."""
    table = cost_table.iloc[::-1].reset_index(drop=True)
    figure, axes = new_figure(
        "Monthly cloud cost per pipeline (measured figures x list prices)",
        f"{prices['currency']} per month",
        "pipeline",
        size=(10, 0.55 * len(table) + 2.5),
    )
    left = np.zeros(len(table))
    for column, label in COMPONENTS.items():
        values = pd.to_numeric(table[column], errors="coerce").fillna(0).to_numpy()
        # The vCPU part of training stands in where its memory was not measured.
        if column == "train_cost_month":
            partial = pd.to_numeric(table["train_cpu_cost_per_run"], errors="coerce")
            values = np.where(
                table[column].isna(),
                (partial * table["training_runs_per_month"]).fillna(0),
                values,
            )
        axes.barh(table["pipeline"], values, left=left, label=label)
        left += values
    warm = table["known_cost_month_warm"].to_numpy(dtype=float)
    axes.scatter(
        warm,
        range(len(table)),
        marker="|",
        s=200,
        color="black",
        label="with one warm serving instance",
        zorder=3,
    )
    axes.set_xscale("symlog", linthresh=0.01)
    width = max(float(left.max()), float(warm.max()), 1e-9)
    for position, row in table.iterrows():
        text = f" {row['known_cost_month']:.2g}"
        if row["known_cost_month_warm"] > row["known_cost_month"]:
            text += f" ({row['known_cost_month_warm']:.2g} warm)"
        if not row["complete"]:
            text += " incomplete: see cost_table.md"
        axes.text(
            max(left[position], warm[position]), position, text, va="center", fontsize=8
        )
    axes.set_xlim(0, width * 200)
    axes.legend(title="monthly cost", loc="lower right", fontsize=8)
    return figure


def plot_risk_matrix(risks: list[Mapping[str, Any]]) -> Figure:
    """Each risk's id in its probability x severity cell, cells coloured by the
    score band (low, medium, high)."""
    figure, axes = new_figure(
        "Risk matrix: probability x severity",
        "probability (1 rare ... 5 almost certain)",
        "severity (1 negligible ... 5 critical)",
        size=(8, 6.5),
    )
    scores = np.outer(np.arange(1, 6), np.arange(1, 6))  # [severity, probability]
    band = np.zeros_like(scores)
    for index, (low, high, _, _) in enumerate(RISK_BANDS):
        band[(scores >= low) & (scores <= high)] = index
    colours = ListedColormap([colour for *_, colour in RISK_BANDS])
    axes.imshow(
        band,
        origin="lower",
        extent=(0.5, 5.5, 0.5, 5.5),
        cmap=colours,
        vmin=0,
        vmax=len(RISK_BANDS) - 1,
    )
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for risk in risks:
        cells[(risk["probability"], risk["severity"])].append(risk["id"])
    for (probability, severity), ids in cells.items():
        lines = [", ".join(ids[start : start + 3]) for start in range(0, len(ids), 3)]
        axes.text(
            probability,
            severity,
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=9,
        )
    axes.set_xticks(range(1, 6))
    axes.set_yticks(range(1, 6))
    axes.grid(False)
    axes.legend(
        handles=[
            Patch(color=colour, label=f"{name} ({low}-{high})")
            for low, high, name, colour in RISK_BANDS
        ],
        title="score P x S",
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    return figure
