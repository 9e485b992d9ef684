"""Figures of the ``chatbot`` pipeline: a title, axes labelled with their units
and a legend on each."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ia_portfolio.reporting import new_figure


def plot_slot_f1(slot_scores: pd.DataFrame) -> Figure:
    """Entity F1 per slot, one bar per parser and evaluation set."""
    figure, axes = new_figure(
        "Slot F1 per parser and evaluation set", "slot", "entity F1 (exact span, 0-1)"
    )
    groups = list(slot_scores.groupby(["parser", "evaluation_set"], sort=False))
    slots = list(dict.fromkeys(slot_scores["slot"]))
    width = 0.8 / max(len(groups), 1)
    positions = np.arange(len(slots))
    for index, ((parser, set_name), group) in enumerate(groups):
        values = group.set_index("slot").reindex(slots)["f1"]
        axes.bar(
            positions + index * width, values, width, label=f"{parser} / {set_name}"
        )
    axes.set_xticks(positions + width * (len(groups) - 1) / 2, slots, rotation=20)
    axes.set_ylim(0, 1.05)
    axes.legend(title="parser / evaluation set", fontsize="small")
    return figure


def plot_tagger_search(tagger_search: pd.DataFrame) -> Figure:
    """Validation micro F1 of each CRF regularisation pair."""
    figure, axes = new_figure(
        "CRF regularisation search (validation families)",
        "c1 (L1 penalty)",
        "validation slot micro F1 (0-1)",
    )
    for c2, unsorted in tagger_search.groupby("c2"):
        group = unsorted.sort_values("c1")
        axes.plot(
            group["c1"], group["validation_micro_f1"], marker="o", label=f"c2={c2:g}"
        )
    axes.set_xscale("symlog", linthresh=0.01)
    axes.legend(title="L2 penalty")
    return figure


def plot_neural_training(neural_training: pd.DataFrame) -> Figure:
    """Training and validation loss of the BiLSTM per epoch, the kept epoch marked."""
    figure, axes = new_figure(
        "BiLSTM tagger training (early stopping on the validation families)",
        "epoch",
        "cross-entropy per token (nats)",
    )
    axes.plot(
        neural_training["epoch"],
        neural_training["train_loss"],
        marker="o",
        label="training families",
    )
    axes.plot(
        neural_training["epoch"],
        neural_training["validation_loss"],
        marker="o",
        label="validation families",
    )
    kept = neural_training[neural_training["kept"]]
    axes.scatter(
        kept["epoch"],
        kept["validation_loss"],
        s=150,
        facecolors="none",
        edgecolors="black",
        label="kept weights",
    )
    axes.legend()
    return figure
