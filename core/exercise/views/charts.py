"""Page 1's Altair charts: the sliding window, and the loss and parameters over many steps."""

import json
from fractions import Fraction

import altair as alt
import numpy as np
import pandas as pd

from core.chart_style import CHART_HEIGHT, FADED, PALETTE, frozen, styled
from core.exercise.layer.conv1d import Layer
from core.exercise.layer.descent import LOSS_FLOOR, DescentRun
from core.exercise.writing.numbers import as_text, format_number, text_factor


def window_cells(layer: Layer, highlight: tuple[str, int] | None) -> pd.DataFrame:
    """One row per (output i, weight l): the input x̃ that weight meets in output i's window (Layer.weight_input:
    d − 1 inputs skipped between weights when dilated, the kernel read from its end for a true convolution)."""
    xp = layer.padded_x
    rows = []
    for i in range(layer.output_length):
        for l, w in enumerate(layer.w):
            j = layer.weight_input(i, l)
            on = highlight is None or highlight == ("output", i) or highlight == ("weight", l)
            rows.append(
                {
                    "output": f"ŷ{i + 1}",
                    "position": j,
                    "weight": f"w{l + 1}",
                    "term": f"{text_factor(xp[j])}·{text_factor(w)}",
                    "on": on,
                }
            )
    return pd.DataFrame(rows)


def window_chart(layer: Layer, highlight: tuple[str, int] | None = None) -> dict:
    """The layer as a grid: a row per output, a column per padded input; each cell names the weight used."""
    # Keyed on what the picture shows, so editing b, y or the learning rate reuses it.
    return _window_chart(layer.x, layer.w, layer.stride, layer.padding, layer.dilation, layer.operation, highlight)


def _text(value: Fraction) -> str:
    return as_text(format_number(value), grouped=False)


# The widest the sliding-window chart may draw: page 1's column at 1024×768 (wide layout, sidebar open) is 564 px,
# less Vega's own padding. Rows wrap only when the next window would not fit in it.
WINDOW_CHART_WIDTH = 550
CELL_WIDTH = 64  # the widest cell; a longer term is cut short with … (the tooltip has it all)
NARROWEST_CELL = 36
AXIS_WIDTH = 50  # the outputs' names at the left
# Widths in px of 12 px sans-serif (Arial's metrics, as Chromium draws the chart); other characters ≈ a digit.
_GLYPH_WIDTHS = {"−": 7.0, "-": 4.0, "·": 3.4, ".": 3.4, "/": 3.4, "…": 12.0}


def text_width(text: str) -> float:
    """About how wide the chart draws a term or an axis label, in px."""
    return sum(_GLYPH_WIDTHS.get(ch, 6.7) for ch in text)


def window_blocks(layer: Layer, columns: int) -> list[range]:
    """Outputs grouped so that the inputs each group's windows cover span at most `columns` (or one window)."""
    blocks, first = [], 0
    span = layer.span
    for i in range(1, layer.output_length + 1):
        if i == layer.output_length or layer.window_start(i) + span - layer.window_start(first) > columns:
            blocks.append(range(first, i))
            first = i
    return blocks


@frozen
def _window_chart(x, w, stride: int, padding: int, dilation: int, operation: str, highlight) -> dict:
    layer = Layer(x, w, Fraction(0), stride, padding, dilation, operation)
    xp = layer.padded_x
    p, n, k, span = layer.padding, len(layer.x), len(layer.w), layer.span
    # Two-line axis labels (name, then value), looked up by position: each padding zero keeps its own column.
    labels = [["pad", "0"] if j < p or j >= p + n else [f"x{j - p + 1}", _text(v)] for j, v in enumerate(xp)]
    cells = window_cells(layer, highlight)
    cells["input"] = [" = ".join(labels[j]) for j in cells["position"]]
    # Long inputs wrap into blocks, like lines of text, so the chart never runs past a projector's column.
    # Cells as wide as their longest term or label, so that as many positions as fit share a row.
    room = WINDOW_CHART_WIDTH - AXIS_WIDTH
    needed = max(text_width(text) for text in [*cells["term"], *(label for pair in labels for label in pair)]) + 10
    cell_width = min(CELL_WIDTH, max(NARROWEST_CELL, round(needed)), room // span)  # one window always fits
    show_terms = cell_width >= 40 or cell_width >= needed  # narrower cells keep their terms in the tooltip
    blocks = []
    for number, outputs in enumerate(window_blocks(layer, room // cell_width)):
        start = layer.window_start(outputs.start)
        stop = layer.window_start(outputs.stop - 1) + span
        part = cells[cells["output"].isin([f"ŷ{i + 1}" for i in outputs])]
        x = alt.X(
            "position:O",
            scale=alt.Scale(domain=list(range(start, stop))),
            title=("padded input" if p else "input") if number == 0 else None,
            axis=alt.Axis(labelAngle=0, orient="top", labelExpr=f"{json.dumps(labels)}[datum.value]", labelFontSize=12),
        )
        y = alt.Y("output:N", sort=[f"ŷ{i + 1}" for i in outputs], title=None)
        base = alt.Chart(part).encode(x=x, y=y)
        rect = base.mark_rect(stroke="white", strokeWidth=2, cornerRadius=4).encode(
            color=alt.Color(
                "weight:N",
                sort=[f"w{l + 1}" for l in range(k)],
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(title="weight", orient="top", columns=min(k, 8)),
            ),
            opacity=alt.condition("datum.on", alt.value(1.0), alt.value(FADED)),
            tooltip=["output", "weight", "input", "term"],
        )
        layers = [rect]
        if show_terms:
            layers.append(
                base.mark_text(fontSize=12, fontWeight="bold", color="white", limit=cell_width - 4).encode(
                    text="term:N", opacity=alt.condition("datum.on", alt.value(1.0), alt.value(0.35))
                )
            )
        blocks.append(alt.layer(*layers).properties(width=alt.Step(cell_width), height=alt.Step(40)))
    chart = blocks[0] if len(blocks) == 1 else alt.vconcat(*blocks, spacing=18).resolve_scale(x="independent")
    return styled(chart)


def _steps_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"step": np.arange(len(values)), "value": values, "series": name})
        for name, values in columns.items()
    ]
    return pd.concat(frames, ignore_index=True)


def loss_chart(run: DescentRun) -> dict:
    """Loss per step on a log scale, so both a steady fall and an explosion are readable."""
    losses = np.maximum(run.losses, LOSS_FLOOR)  # a log axis cannot show zero; the text says: below the floor
    data = pd.DataFrame({"step": np.arange(len(losses)), "loss": losses})
    line = (
        alt.Chart(data)
        .mark_line(point=len(losses) <= 60, color=PALETTE[0], strokeWidth=2.5)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss L (log scale)", axis=alt.Axis(format=".0e")),
            tooltip=["step", alt.Tooltip("loss:Q", format=".6g")],
        )
    )
    chart = line
    if run.exploded_at is not None:
        last = data.iloc[[run.exploded_at]]
        chart = line + alt.Chart(last).mark_point(size=160, shape="cross", color=PALETTE[3], filled=True).encode(
            x="step:Q", y="loss:Q"
        )
    return styled(chart.properties(height=CHART_HEIGHT, title="Loss"))


def parameters_chart(run: DescentRun) -> dict:
    """Each weight and the bias per step."""
    columns = {f"w{l + 1}": run.weights[:, l] for l in range(run.weights.shape[1])}
    columns["b"] = run.biases
    data = _steps_frame(columns)
    chart = (
        alt.Chart(data)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("value:Q", title="value", axis=alt.Axis(format=".3~g")),
            color=alt.Color("series:N", sort=list(columns), scale=alt.Scale(range=PALETTE), title=None),
            tooltip=["series", "step", alt.Tooltip("value:Q", format=".6g")],
        )
    )
    return styled(chart.properties(height=CHART_HEIGHT, title="Weights and bias"))
