"""Figures and reports readable by non-specialists, shared by pipelines."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def new_figure(
    title: str, xlabel: str, ylabel: str, size: tuple[float, float] = (8, 5)
) -> tuple[Figure, plt.Axes]:
    """A figure with a title and labelled axes, detached from pyplot's state."""
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    return figure, axes
