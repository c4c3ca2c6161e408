"""Page 1's highlight control, shared by the sliding-window and matrix tabs: one output's window or one weight."""

import streamlit as st

from core.exercise.layer.conv1d import Layer

HIGHLIGHT_KEY = "window_highlight"  # one key: a pick in one tab is still picked in the other


def highlight_options(layer: Layer) -> list[str]:
    """The choices: "all", then ŷ1 … ŷm, then w1 … wk."""
    return ["all"] + [f"ŷ{i + 1}" for i in range(layer.output_length)] + [f"w{j + 1}" for j in range(len(layer.w))]


def read_highlight(picked: str | None, options: list[str]) -> tuple[str, int] | None:
    """("output", i) or ("weight", l), 0-based; None for "all", nothing picked, or a pick the layer no longer has."""
    if picked not in options or picked == "all":
        return None
    return ("output" if picked.startswith("ŷ") else "weight", int(picked[1:]) - 1)


def pick_highlight(layer: Layer) -> tuple[str, int] | None:
    options = highlight_options(layer)
    picked = st.segmented_control(
        "Highlight an output (its window) or a weight (the terms its gradient gathers)",
        options,
        default="all",
        key=HIGHLIGHT_KEY,
    )
    return read_highlight(picked, options)
