"""Figures of the ``{{ cookiecutter.pipeline_name }}`` pipeline: a title, axes
labelled with their units and a legend on each."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ia_portfolio.reporting import new_figure


def plot_value_by_group(table: pd.DataFrame, data: dict[str, Any]) -> Figure:
    """Histogram of the value, one colour per group, on shared bins."""
    group, value = data["group_column"], data["value_column"]
    figure, axes = new_figure(
        f"{value} by {group}",
        f"{value} ({data['value_unit']})",
        "rows per bin",
    )
    bins = np.histogram_bin_edges(table[value], bins="auto")
    for name, values in table.groupby(group, observed=True)[value]:
        axes.hist(values, bins=bins, alpha=0.6, label=str(name))
    axes.legend(title=group)
    return figure
