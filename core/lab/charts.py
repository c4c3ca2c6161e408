"""Altair charts for the equivariance lab: accuracy against shift, the (dx, dy) heat map, class probabilities."""

from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd

from core.chart_style import CHART_HEIGHT, PALETTE, data_named, filled, frozen, styled
from core.lab.wording import minus

MODEL_COLOURS = {"MLP": PALETTE[1], "CNN": PALETTE[0]}
LEGEND_GREY = "#8c8c8c"  # between the light and the dark theme's text colours
BARS = "bars"  # the probabilities chart's dataset


def accuracy_vs_shift_chart(sweeps: dict, augment_shift: int = 0, current: tuple[int, int] | None = None) -> dict:
    """Test accuracy of each model as the images move horizontally (solid) or vertically (dashed); the current shift
    marked on the curves it is on: dx on the horizontal ones, dy on the vertical ones (both when it is diagonal)."""
    curves = tuple(
        (
            model,
            tuple(int(s) for s in sweep.shifts),
            tuple(map(float, sweep.horizontal)),
            tuple(map(float, sweep.vertical)),
        )
        for model, sweep in sweeps.items()
    )
    spec = _sweep_chart(curves, augment_shift)
    if current is not None:
        # The one thing that changes as the slider moves: points added to the cached chart.
        spec["layer"].append(
            {
                "mark": {"type": "point", "filled": True, "size": 160, "stroke": LEGEND_GREY, "strokeWidth": 1.5},
                "data": {"values": marked_points(curves, current)},
                "encoding": {
                    "x": {"field": "shift", "type": "quantitative"},
                    "y": {"field": "accuracy", "type": "quantitative"},
                    "color": {"field": "model", "type": "nominal", "legend": None},
                    "tooltip": [{"field": "label"}, {"field": "accuracy", "type": "quantitative", "format": ".2%"}],
                },
            }
        )
    return spec


def marked_points(curves: tuple, current: tuple[int, int]) -> list[dict]:
    """Where the current shift lies on the curves: dx on the horizontal ones unless only dy moves, dy on the vertical
    ones when it moves (at no shift, the point all curves share)."""
    dx, dy = current
    points = []
    for model, shifts, horizontal, vertical in curves:
        for axis, value, accuracies, moves in (("dx", dx, horizontal, dx or not dy), ("dy", dy, vertical, dy)):
            if moves and value in shifts:
                accuracy = accuracies[shifts.index(value)]
                points.append(
                    {"model": model, "shift": value, "accuracy": accuracy, "label": minus(f"{model}, {axis} = {value}")}
                )
    return points


@frozen
def _sweep_chart(curves: tuple, augment_shift: int) -> dict:
    rows = [
        {"model": model, "direction": axis, "shift": s, "accuracy": a}
        for model, shifts, horizontal, vertical in curves
        for axis, values in (("horizontal (dx)", horizontal), ("vertical (dy)", vertical))
        for s, a in zip(shifts, values)
    ]
    data = pd.DataFrame(rows)
    models = [curve[0] for curve in curves]
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X(
                "shift:Q",
                title="shift in pixels",
                scale=alt.Scale(domain=[int(data["shift"].min()), int(data["shift"].max())]),
                axis=alt.Axis(tickMinStep=1),
            ),
            y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color(
                "model:N",
                sort=models,
                scale=alt.Scale(domain=models, range=[MODEL_COLOURS[m] for m in models]),
                title="model",
                # Below, so a narrow column keeps the plot wide; one entry a line, so that the two legends side by
                # side fit a projector's column (entries in a row ran past the chart at 1024 × 768).
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "direction:N",
                title="shift",
                sort=["horizontal (dx)", "vertical (dy)"],
                legend=alt.Legend(symbolType="stroke", symbolSize=400, orient="bottom", direction="vertical"),
            ),
            tooltip=["model", "direction", "shift", alt.Tooltip("accuracy:Q", format=".2%")],
        )
    )
    layers = []
    if augment_shift > 0:
        band = pd.DataFrame(
            {"from": [-augment_shift], "to": [augment_shift], "label": [f"trained with shifts up to ±{augment_shift}"]}
        )
        layers.append(
            alt.Chart(band).mark_rect(opacity=0.15, color=PALETTE[2]).encode(x="from:Q", x2="to:Q", tooltip=["label"])
        )
    layers.append(lines)
    # Taller than the other charts: its two legends sit below it, one entry a line.
    spec = styled(alt.layer(*layers).properties(height=CHART_HEIGHT + 100, title="Accuracy against shift"))
    # The shift legend's samples in a grey both themes show. Set in the symbols' encode block (which Altair's schema
    # does not know, Vega passes on): symbolStrokeColor alone leaves a non-colour legend's samples invisible.
    spec["layer"][-1]["encoding"]["strokeDash"]["legend"]["encode"] = {
        "symbols": {
            "update": {"stroke": {"value": LEGEND_GREY}, "strokeWidth": {"value": 2.5}, "opacity": {"value": 1}}
        }
    }
    return spec


def accuracy_heatmap(grid: np.ndarray, title: str, current: tuple[int, int] | None = None) -> dict:
    """Accuracy over every (dx, dy): a CNN's bright plateau is wider than an MLP's bright dot. The current shift's
    cell is outlined."""
    radius = grid.shape[0] // 2
    dy, dx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    data = pd.DataFrame({"dx": dx.ravel(), "dy": dy.ravel(), "accuracy": grid.ravel()})
    x, y = alt.X("dx:O", title="dx (right →)"), alt.Y("dy:O", title="dy (down ↓)", sort="ascending")
    cells = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "accuracy:Q",
                scale=alt.Scale(domain=[0, 1], scheme="viridis"),
                legend=alt.Legend(format="%", title="accuracy"),
            ),
            tooltip=["dx", "dy", alt.Tooltip("accuracy:Q", format=".2%")],  # as the table writes it
        )
    )
    if current is not None:
        here = pd.DataFrame([{"dx": current[0], "dy": current[1]}])
        marker = alt.Chart(here).mark_rect(fill=None, stroke=LEGEND_GREY, strokeWidth=3).encode(x=x, y=y)
        cells = cells + marker
    return styled(cells.properties(title=title, width=alt.Step(22), height=alt.Step(22)))


def probabilities_chart(
    probabilities: dict[str, np.ndarray],
    class_names: tuple[str, ...],
    label: int | None = None,
    shift: tuple[int, int] | None = None,
) -> dict:
    """Each model's class probabilities for the image moved by `shift`, side by side; the true class is marked."""
    rows = [
        {"model": model, "class": class_names[c], "order": c, "probability": float(p[c]), "true": c == label}
        for model, p in probabilities.items()
        for c in range(len(class_names))
    ]
    spec = filled(_probabilities_template(tuple(probabilities), class_names), BARS, rows)
    if shift == (0, 0):
        spec["title"] = "Class probabilities for the image"  # the sentence above says it is not shifted
    return spec


@lru_cache(maxsize=8)
def _probabilities_template(models: tuple[str, ...], class_names: tuple[str, ...]) -> dict:
    """The probabilities chart without its bars' values (the dataset BARS): Altair builds it once per class list,
    not on every slider step (it took about 50 ms a redraw, py-spy)."""
    placeholder = pd.DataFrame([{"model": "", "class": "", "order": 0, "probability": 0.0, "true": False}])
    models = list(models)
    bars = (
        alt.Chart(placeholder)
        .mark_bar()
        .encode(
            x=alt.X(
                "class:N",
                sort=list(class_names),
                title=None,
                axis=alt.Axis(labelAngle=0 if len(class_names[0]) < 3 else -30),
            ),
            xOffset=alt.XOffset("model:N", sort=models),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="probability"),
            color=alt.Color(
                "model:N", sort=models, scale=alt.Scale(domain=models, range=[MODEL_COLOURS[m] for m in models])
            ),
            tooltip=["model", "class", alt.Tooltip("probability:Q", format=".1%")],
        )
    )
    return data_named(styled(bars.properties(height=220, title="Class probabilities for the shifted image")), BARS)
