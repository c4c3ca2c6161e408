"""Which class a model reads as which on shifted test images: the confusion matrix, its largest cell in words, its
heat map."""

from fractions import Fraction
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd

from core.chart_style import PALETTE, data_named, filled, styled
from core.lab.evaluation import confusion_counts

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
DIGIT_PLURALS = ("zeros", "ones", "twos", "threes", "fours", "fives", "sixes", "sevens", "eights", "nines")
CELL = 30  # pixels per cell: "1,135" fits at the font below
DIAGONAL = PALETTE[0]
# Off-diagonal cells, light to dark; opaque so that each cell's own text colour reads on both themes.
CONFUSED = ("#fdd0a2", "#a63603")
DARK_TEXT, LIGHT_TEXT = "#1f1f1f", "#ffffff"
CELLS = "cells"  # the heat map's dataset name
LOWEST_TOP = 0.05  # the colour scale reaches at least 5% of a row, so one stray image never looks dark


confusion_matrix = confusion_counts  # measured in evaluation, beside the accuracy it gives


def _one(names: tuple[str, ...], c: int) -> str:
    """A digit with its article ("a 4", "an 8"); any other class quoted."""
    if names[c].isdigit():
        return f"an {names[c]}" if DIGIT_WORDS[int(names[c])][0] in "e" else f"a {names[c]}"
    return f"“{names[c]}”"


def _all_of(names: tuple[str, ...], c: int, count: int) -> str:
    """The images of a class, counted: "982 fours", "1,000 images of “Shirt”"."""
    if names[c].isdigit():
        return f"{count:,} {DIGIT_PLURALS[int(names[c])]}"
    return f"{count:,} images of “{names[c]}”"


def largest_confusion(matrix: np.ndarray, class_names: tuple[str, ...], model: str = "the model") -> str:
    """The largest off-diagonal count in words, with its numbers; all cells that share it when two do, the first
    (row by row) and how many more when more do; and the cell with the largest share of its true class (the heat
    map's darkest) when that is larger than the named cells' shares."""
    matrix = np.asarray(matrix)
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    largest = int(off.max())
    total = int(matrix.sum())
    if largest == 0:
        return f"{model[:1].upper() + model[1:]} confuses no class with another: it reads all {total:,} images as their own class."
    cells = [(int(t), int(p)) for t, p in np.argwhere(off == largest)]  # row by row: deterministic

    def reads(true: int, predicted: int) -> str:
        return f"{_one(class_names, true)} as {_one(class_names, predicted)}"

    def share(true: int, count: int = largest) -> str:
        row = int(matrix[true].sum())
        return f"{count:,} of {_all_of(class_names, true, row)} ({100 * count / row:.1f}%)"

    shown = cells[:2] if len(cells) == 2 else cells[:1]
    text = (
        f"{model[:1].upper() + model[1:]} most often reads "
        + " and ".join(reads(*cell) for cell in shown)
        + ": "
        + " and ".join(share(true) for true, _ in shown)
    )
    if len(cells) > 2:
        others = len(cells) - 1
        text += f"; {others} other confusion{'s' if others > 1 else ''} happen{'' if others > 1 else 's'} as often"
    rows = matrix.sum(axis=1)
    darkest = max(
        ((int(t), int(p)) for t, p in np.argwhere(off > 0)),
        key=lambda cell: Fraction(int(off[cell]), int(rows[cell[0]])),
    )  # max keeps the first of equal shares, row by row
    if all(Fraction(int(off[darkest]), int(rows[darkest[0]])) > Fraction(largest, int(rows[t])) for t, _ in shown):
        text += f"; the largest share: {share(darkest[0], int(off[darkest]))} read as {_one(class_names, darkest[1])}"
    return text + "."


def confusion_charts(matrices: dict[str, np.ndarray], class_names: tuple[str, ...], caption: str) -> dict[str, dict]:
    """One heat map per model, on one colour scale so that they compare: counts in the cells, the diagonal in blue,
    the confusions shaded by their share of the true class's images."""
    shares = [m / np.maximum(m.sum(axis=1, keepdims=True), 1) for m in matrices.values()]
    top = max([LOWEST_TOP] + [float((s * (1 - np.eye(len(s)))).max()) for s in shares])
    return {
        model: _heatmap(matrix, share, class_names, f"{model}, {caption}", top)
        for (model, matrix), share in zip(matrices.items(), shares)
    }


def _heatmap(matrix: np.ndarray, share: np.ndarray, names: tuple[str, ...], title: str, top: float) -> dict:
    """One model's heat map: its cells and colour scale poured into the chart built once per class list.

    Building the Altair chart took about 90 ms a map, most of a lab redraw's script (py-spy, 2-core reference
    machine); only the cells, the title and the top of the colour scale change with the shift.
    """
    rows = [
        {
            "true": names[t],
            "predicted": names[p],
            "count": int(matrix[t, p]),
            "label": f"{int(matrix[t, p]):,}",
            "share": float(share[t, p]),
            "diagonal": t == p,
            "dark": bool(t != p and share[t, p] > top / 2),
        }
        for t in range(len(names))
        for p in range(len(names))
        if matrix[t, p] > 0
    ]
    spec = filled(_heatmap_template(names), CELLS, rows)
    spec["title"] = title
    spec["layer"][1]["encoding"]["color"]["scale"]["domain"] = [0, top]
    return spec


@lru_cache(maxsize=8)
def _heatmap_template(names: tuple[str, ...]) -> dict:
    """The heat map's chart for these classes, with its cells (the dataset CELLS), title and scale's top to fill in."""
    axis = {"labelAngle": 0} if max(len(n) for n in names) < 3 else {"labelAngle": -40, "labelLimit": 90}
    placeholder = pd.DataFrame([{"true": "", "predicted": "", "count": 0, "label": "", "share": 0.0}])
    base = alt.Chart(placeholder).encode(
        x=alt.X(
            "predicted:N",
            sort=list(names),
            scale=alt.Scale(domain=list(names)),
            title="predicted",
            axis=alt.Axis(**axis, orient="top"),
        ),
        y=alt.Y(
            "true:N",
            sort=list(names),
            scale=alt.Scale(domain=list(names)),
            title="true class",
            axis=alt.Axis(labelLimit=90),
        ),
        tooltip=[
            alt.Tooltip("true:N", title="true class"),
            alt.Tooltip("predicted:N"),
            alt.Tooltip("count:Q", format=","),
            alt.Tooltip("share:Q", title="of the true class", format=".1%"),
        ],
    )
    diagonal = base.transform_filter("datum.diagonal").mark_rect(color=DIAGONAL)
    confused = (
        base.transform_filter("!datum.diagonal")
        .mark_rect()
        .encode(
            color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1], range=list(CONFUSED), clamp=True), legend=None)
        )
    )
    text = base.mark_text(fontSize=10, fontWeight="bold").encode(
        text="label:N",
        color=alt.condition("datum.diagonal || datum.dark", alt.value(LIGHT_TEXT), alt.value(DARK_TEXT)),
    )
    chart = alt.layer(diagonal, confused, text).properties(title="", width=alt.Step(CELL), height=alt.Step(CELL))
    return data_named(styled(chart), CELLS)
