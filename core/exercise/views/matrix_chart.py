"""W as a grid chart, for a layer too wide to typeset: a row per output, a column per padded input, each weight's
cells in its colour from the sliding-window picture, the zeros the grey background."""

import altair as alt
import pandas as pd

from core.chart_style import FADED, PALETTE, frozen, styled
from core.exercise.layer.conv1d import Layer
from core.exercise.views.charts import text_width
from core.exercise.views.matrix_typeset import GREY, Highlight
from core.exercise.writing.numbers import as_text, format_number

LARGEST_CELL = 36
CHART_WIDTH = 500  # inside page 1's 564 px column at 1024×768, with room for the row names
CHART_NOTE = "W is too wide to print here: each coloured cell holds a weight (hover for its value), grey cells are 0."


def matrix_chart(layer: Layer, highlight: Highlight = None) -> dict:
    """W as a grid: a row per output, a column per padded input; a weight's cells in its colour, zeros grey."""
    # W depends on the weights and the shape only: x, b, y and the learning rate reuse the chart.
    return _matrix_chart(len(layer.x), layer.w, layer.stride, layer.padding, layer.dilation, layer.operation, highlight)


@frozen
def _matrix_chart(n, w, stride, padding, dilation, operation, highlight) -> dict:
    layer = Layer((0,) * n, w, 0, stride, padding, dilation, operation)
    columns, m, k = len(layer.padded_x), layer.output_length, len(w)
    size = max(4, min(LARGEST_CELL, CHART_WIDTH // columns))
    # One mark per weight's cell; the zeros are the grey background of the whole matrix.
    data = pd.DataFrame(
        [
            {
                "row": i + 1,
                "column": layer.weight_input(i, l) + 1,
                "weight": f"w{l + 1}",
                "value": as_text(format_number(w[l]), grouped=False),
                "on": highlight is None or highlight in (("output", i), ("weight", l)),
            }
            for i in range(m)
            for l in range(k)
        ]
    )
    step = 1 if size >= 18 else 4 if size >= 8 else 8
    ticks = lambda count: [v for v in range(1, count + 1) if v == 1 or v % step == 0]  # noqa: E731
    x = alt.X(
        "column:O",
        title=f"column q, for {'x̃' if padding else 'x'}q",
        scale=alt.Scale(domain=list(range(1, columns + 1))),
        axis=alt.Axis(values=ticks(columns), labelAngle=0, orient="top"),
    )
    y = alt.Y(
        "row:O", title="row i, for ŷi", scale=alt.Scale(domain=list(range(1, m + 1))), axis=alt.Axis(values=ticks(m))
    )
    names = [f"w{l + 1}" for l in range(k)]
    base = alt.Chart(data).encode(x=x, y=y)
    layers = [
        base.mark_rect(stroke="white", strokeWidth=1 if size >= 12 else 0).encode(
            color=alt.Color(
                "weight:N",
                scale=alt.Scale(domain=names, range=PALETTE),
                legend=alt.Legend(title="weight", orient="top", columns=min(k, 8)),
            ),
            opacity=alt.condition("datum.on", alt.value(1.0), alt.value(FADED)),
            tooltip=["row", "column", "weight", "value"],
        )
    ]
    if size >= 22 and max(text_width(value) for value in data["value"]) <= size - 4:  # the numbers fit their cells
        layers.append(
            base.mark_text(fontSize=12, fontWeight="bold", color="white").encode(
                text="value:N", opacity=alt.condition("datum.on", alt.value(1.0), alt.value(0.35))
            )
        )
    chart = alt.layer(*layers).properties(
        width=alt.Step(size), height=alt.Step(size), view=alt.ViewBackground(fill=GREY, fillOpacity=0.15, stroke=None)
    )
    return styled(chart)
