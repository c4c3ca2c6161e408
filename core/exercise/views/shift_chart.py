"""Page 1's shift picture: x and x shifted, and the outputs of each, every cell where its window sits along x."""

from fractions import Fraction

import altair as alt
import pandas as pd

from core.chart_style import PALETTE, frozen, styled
from core.exercise.layer.conv1d import Layer
from core.exercise.views.charts import WINDOW_CHART_WIDTH, text_width
from core.exercise.views.shift_bridge import SYMBOLS, ShiftResult, Stage, shift_outputs, verdict
from core.exercise.writing.numbers import as_text, format_number

# What each cell is, in the legend's order, and its colour (mid-tones, readable in the light and dark themes).
KINDS = {
    "x": PALETTE[0],
    "pushed off": PALETTE[1],
    "zero (padding or fill)": PALETTE[8],
    "output": PALETTE[5],
    "moved": PALETTE[2],
    "changed": PALETTE[3],
}
LABEL_WIDTH = 80  # the rows' names at the left
WIDEST_CELL, NARROWEST_CELL = 56, 6  # 64 positions (32 inputs, 16 zeros each side) still fit
ROW_HEIGHT = 34


def _text(value: Fraction) -> str:
    return as_text(format_number(value), grouped=False)


def input_cells(result: ShiftResult) -> list[dict]:
    """x and x shifted, with the padding beside them: the values the shift pushes off, and the zeros that come in."""
    layer, t = result.layer, result.shift
    n, p = len(layer.x), layer.padding
    lost = set(result.lost_inputs)
    cells = []
    for j in range(-p, n + p):
        if not 0 <= j < n:
            for row in ("x", "x shifted"):
                cells.append(_cell(row, Fraction(j), "padding", Fraction(0), "zero (padding or fill)", "padding"))
            continue
        pushed = j in lost
        cells.append(
            _cell(
                "x",
                Fraction(j),
                f"x{j + 1}",
                layer.x[j],
                "pushed off" if pushed else "x",
                "pushed off" if pushed else "",
            )
        )
        came_in = not 0 <= j - t < n
        kind, note = ("zero (padding or fill)", "a zero that came in") if came_in else ("x", f"x{j - t + 1}, moved")
        cells.append(_cell("x shifted", Fraction(j), f"x′{j + 1}", result.x_shifted[j], kind, note))
    return cells


def output_cells(stage: Stage, rows: tuple[str, str]) -> list[dict]:
    """The outputs of x (one colour) and of x shifted (moved or changed), each at its window's centre."""
    name, shifted_name, _, _ = SYMBOLS[stage.name]
    cells = [
        _cell(rows[0], centre, f"{name}{i + 1}", value, "output", "")
        for i, (centre, value) in enumerate(zip(stage.centres, stage.original))
    ]
    for fate, centre in zip(stage.fates, stage.centres):
        kind = "moved" if fate.moved else "changed"
        cells.append(_cell(rows[1], centre, f"{shifted_name}{fate.index + 1}", fate.value, kind, verdict(fate, stage)))
    return cells


def _cell(row: str, position: Fraction, name: str, value: Fraction, kind: str, note: str) -> dict:
    return {"row": row, "position": float(position), "name": name, "value": _text(value), "kind": kind, "note": note}


def shift_chart(layer: Layer, t: int, pooled: bool) -> dict:
    """x, x shifted and their outputs (and max-pooled outputs), aligned along x; moved outputs green, changed red."""
    return _shift_chart(layer, t, pooled)


@frozen
def _shift_chart(layer: Layer, t: int, pooled: bool) -> dict:
    result = shift_outputs(layer, t)
    n, p = len(layer.x), layer.padding
    rows = ["x", "x shifted", "ŷ", "ŷ′"] + (["P = pool(ŷ)", "P′ = pool(ŷ′)"] if pooled else [])
    cells = input_cells(result) + output_cells(result.conv, ("ŷ", "ŷ′"))
    if pooled:
        cells += output_cells(result.pool, ("P = pool(ŷ)", "P′ = pool(ŷ′)"))
    data = pd.DataFrame(cells)
    positions = n + 2 * p
    cell = max(NARROWEST_CELL, min(WIDEST_CELL, (WINDOW_CHART_WIDTH - LABEL_WIDTH) // positions))
    # A value is written in its cell when it fits; the tooltip always has it.
    data["label"] = [value if text_width(value) + 6 <= 0.9 * cell else "" for value in data["value"]]
    data["left"], data["right"] = data["position"] - 0.45, data["position"] + 0.45
    x = alt.X(
        "left:Q",
        scale=alt.Scale(domain=[-p - 0.5, n + p - 0.5], nice=False, zero=False),
        axis=alt.Axis(
            values=list(range(n)),
            labelExpr="'x' + (datum.value + 1)",
            title="position along x (each output at the centre of its window)",
            grid=False,
            orient="top",
            labelAngle=0,
            labelOverlap=True,
        ),
    )
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelFontSize=13, labelLimit=LABEL_WIDTH))
    base = alt.Chart(data).encode(y=y)
    rect = base.mark_rect(cornerRadius=4, height=ROW_HEIGHT - 8).encode(
        x=x,
        x2="right:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=list(KINDS), range=list(KINDS.values())),
            legend=alt.Legend(title=None, orient="bottom", columns=3, symbolType="square"),
        ),
        tooltip=[
            alt.Tooltip("name:N", title="cell"),
            alt.Tooltip("value:N", title="value"),
            alt.Tooltip("note:N", title="what"),
        ],
    )
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(
        x=alt.X("position:Q", scale=alt.Scale(domain=[-p - 0.5, n + p - 0.5], nice=False, zero=False)),
        text="label:N",
        color=alt.condition(alt.datum.kind == "zero (padding or fill)", alt.value("#1f1f1f"), alt.value("white")),
    )
    # "pad": Streamlit's default ("fit") squeezes the plot to make room for the legend, down to nothing.
    chart = alt.layer(rect, text).properties(
        width=positions * cell, height=alt.Step(ROW_HEIGHT), autosize=alt.AutoSizeParams(type="pad")
    )
    return styled(chart)
