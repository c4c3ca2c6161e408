"""Altair charts for page 1 and the styling every chart in the app shares.

Every chart leaves here as a Vega-Lite dict, built without Altair's schema validation: validating
costs tens of milliseconds a chart, and these charts are fixed shapes the tests render.
"""

import copy
from fractions import Fraction
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.schemapi import debug_mode

from core.conv1d import Layer
from core.descent import DescentRun
from core.numbers import format_number

# One categorical palette, readable on light and dark backgrounds alike (mid-tone, not pastel).
PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC"]
FADED = 0.18
CHART_HEIGHT = 280


def styled(chart: alt.Chart) -> dict:
    """Fonts large enough for a projector, colours left to Streamlit's light or dark theme; as a Vega-Lite dict."""
    chart = chart.configure_axis(labelFontSize=13, titleFontSize=14).configure_legend(
        labelFontSize=13, titleFontSize=13
    ).configure_title(fontSize=15, anchor="start")
    with debug_mode(False):
        return chart.to_dict(validate=False)


def frozen(build):
    """Memoise a chart builder on its (hashable) arguments; every caller gets its own copy of the dict."""
    cached = lru_cache(maxsize=64)(build)

    def chart(*args):
        return copy.deepcopy(cached(*args))

    chart.__doc__ = build.__doc__
    return chart


def window_cells(layer: Layer, highlight: tuple[str, int] | None) -> pd.DataFrame:
    """One row per (output i, weight l): the input x̃_{s·i+l} that weight meets in output i's window."""
    xp = layer.padded_x
    rows = []
    for i in range(layer.output_length):
        for l, w in enumerate(layer.w):
            j = layer.window_start(i) + l
            on = highlight is None or highlight == ("output", i) or highlight == ("weight", l)
            rows.append(
                {
                    "output": f"ŷ{i + 1}",
                    "order": i,
                    "position": j,
                    "weight": f"w{l + 1}",
                    "term": f"{format_number(xp[j])}·{format_number(w)}",
                    "on": on,
                }
            )
    return pd.DataFrame(rows)


def window_chart(layer: Layer, highlight: tuple[str, int] | None = None) -> dict:
    """The layer as a grid: a row per output, a column per padded input; each cell names the weight used."""
    # Keyed on what the picture shows, so editing b, y or the learning rate reuses it.
    return _window_chart(layer.x, layer.w, layer.stride, layer.padding, highlight)


@frozen
def _window_chart(x, w, stride: int, padding: int, highlight) -> dict:
    layer = Layer(x, w, Fraction(0), stride, padding)
    xp = layer.padded_x
    p, n = layer.padding, len(layer.x)
    labels = [f"0 (pad)" if j < p or j >= p + n else f"x{j - p + 1} = {format_number(v)}" for j, v in enumerate(xp)]
    cells = window_cells(layer, highlight)
    cells["input"] = [labels[j] for j in cells["position"]]
    cell_width = max(48, min(90, 900 // max(len(xp), 1)))
    x = alt.X("input:N", sort=labels, title="padded input" if p else "input", axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("output:N", sort=[f"ŷ{i + 1}" for i in range(layer.output_length)], title=None)
    base = alt.Chart(cells).encode(x=x, y=y)
    rect = base.mark_rect(stroke="white", strokeWidth=2, cornerRadius=4).encode(
        color=alt.Color(
            "weight:N",
            sort=[f"w{l + 1}" for l in range(len(layer.w))],
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(title="weight", orient="right"),
        ),
        opacity=alt.condition("datum.on", alt.value(1.0), alt.value(FADED)),
        tooltip=["output", "weight", "input", "term"],
    )
    text = base.mark_text(fontSize=14, fontWeight="bold", color="white").encode(
        text="term:N", opacity=alt.condition("datum.on", alt.value(1.0), alt.value(0.35))
    )
    return styled((rect + text).properties(width=alt.Step(cell_width), height=alt.Step(46)))


def _steps_frame(run: DescentRun, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = [pd.DataFrame({"step": np.arange(len(values)), "value": values, "series": name}) for name, values in columns.items()]
    return pd.concat(frames, ignore_index=True)


def loss_chart(run: DescentRun) -> dict:
    """Loss per step on a log scale, so both a steady fall and an explosion are readable."""
    losses = np.maximum(run.losses, 1e-12)  # a log axis cannot show an exact zero
    data = pd.DataFrame({"step": np.arange(len(losses)), "loss": losses})
    line = alt.Chart(data).mark_line(point=len(losses) <= 60, color=PALETTE[0], strokeWidth=2.5).encode(
        x=alt.X("step:Q", title="step"),
        y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss L (log scale)", axis=alt.Axis(format=".0e")),
        tooltip=["step", alt.Tooltip("loss:Q", format=".6g")],
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
    data = _steps_frame(run, columns)
    chart = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=alt.X("step:Q", title="step"),
        y=alt.Y("value:Q", title="value", axis=alt.Axis(format=".3~g")),
        color=alt.Color("series:N", sort=list(columns), scale=alt.Scale(range=PALETTE), title=None),
        tooltip=["series", "step", alt.Tooltip("value:Q", format=".6g")],
    )
    return styled(chart.properties(height=CHART_HEIGHT, title="Weights and bias"))
