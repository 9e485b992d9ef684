"""Figures and reports readable by non-specialists, shared by pipelines."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Iterable, Mapping  # noqa: E402

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


def readable(code: object, names: Mapping[str, str] | None) -> str:
    """The human name of a coded field or value from a data dictionary
    (``inq_fi`` -> "Personal finance inquiries"), else the code itself."""
    return (names or {}).get(str(code), str(code))


def md_code(identifier: object) -> str:
    """An identifier as markdown inline code: renderers keep its underscores
    instead of reading ``loan_to_income`` as emphasis."""
    return f"`{identifier}`"


# 26 colours that stay distinct from one another and readable on white (plotly's
# Dark24 and two of its Alphabet colours): one per category, never repeated.
CATEGORY_COLOURS = (
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100",
    "#750D86", "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D",
    "#6C7C32", "#778AAE", "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA",
    "#6C4516", "#0D2A63", "#AF0038", "#FEAF16", "#1CFFCE",
)  # fmt: skip
OTHER_COLOUR = "#9E9E9E"


def category_colours(names: Iterable[str], grey: Iterable[str] = ()) -> dict[str, str]:
    """One distinct colour per name, in the order given, so that every figure of
    a pipeline draws the same category in the same colour; names in ``grey``
    (noise, "other") are grey. More names than colours is an error: pool the
    smallest categories into "other" first."""
    grey = set(grey)
    coloured = [name for name in dict.fromkeys(names) if name not in grey]
    if len(coloured) > len(CATEGORY_COLOURS):
        raise ValueError(
            f"{len(coloured)} categories for {len(CATEGORY_COLOURS)} distinct "
            "colours: pool the smallest into 'other'."
        )
    colours = dict(zip(coloured, CATEGORY_COLOURS, strict=False))
    return {**colours, **dict.fromkeys(grey, OTHER_COLOUR)}
