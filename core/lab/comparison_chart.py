"""The comparison's chart: accuracy as the images move right, one line per variant, a band per variant over seeds."""

import altair as alt
import pandas as pd

from core.chart_style import CHART_HEIGHT, PALETTE, styled
from core.lab.comparison import SWEEP_SHIFTS, VariantRow
from core.lab.wording import FILL_NAMES, pair

PLAIN = "CNN"  # the reference every fix is drawn against


def comparison_chart(rows: list[VariantRow], mode: str, current: tuple[int, int]) -> dict:
    """Mean accuracy at each shift (a line, dashed for the MLPs), mean ± one standard deviation (a band, with several
    seeds), and the current shift marked when it lies on the chart (dy = 0, dx from 0 to 8)."""
    names = [row.variant.name for row in rows]
    data = pd.DataFrame(
        [
            {
                "variant": row.variant.name,
                "model": row.variant.kind.upper(),
                "dx": dx,
                "accuracy": value.mean,
                "low": max(value.mean - value.spread, 0.0),
                "high": min(value.mean + value.spread, 1.0),
            }
            for row in rows
            for dx, value in zip(SWEEP_SHIFTS, row.sweep)
        ]
    )
    scale = alt.Scale(domain=names, range=PALETTE[: len(names)])
    colour = alt.Color(
        "variant:N",
        sort=names,
        scale=scale,
        title=None,
        legend=alt.Legend(orient="right", labelLimit=320),
    )
    x = alt.X("dx:Q", title="images moved right by dx pixels", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))

    def lines(part: pd.DataFrame, width: float) -> alt.Chart:
        return (
            alt.Chart(part)
            .mark_line(point=True, strokeWidth=width)
            .encode(
                x=x,
                y=y,
                color=colour,
                strokeDash=alt.StrokeDash("model:N", sort=["CNN", "MLP"], legend=None),
                tooltip=["variant", "dx", alt.Tooltip("accuracy:Q", format=".2%")],
            )
        )

    layers = []
    seeds = len(rows[0].original.values) if rows else 1
    if seeds > 1:
        layers.append(alt.Chart(data).mark_area(opacity=0.18).encode(x=x, y="low:Q", y2="high:Q", color=colour))
    is_plain = data["variant"] == PLAIN
    layers.append(lines(data[~is_plain], 2.5))
    dx, dy = current
    if dy == 0 and dx in SWEEP_SHIFTS:
        marked = data[data["dx"] == dx]
        layers.append(
            alt.Chart(marked)
            .mark_point(filled=True, size=140, stroke="#8c8c8c", strokeWidth=1.5)
            .encode(x=x, y=y, color=alt.Color("variant:N", sort=names, scale=scale, legend=None))
        )
    if is_plain.any():  # last and thicker: the fixes that match it (circular padding often does) would hide it
        layers.append(lines(data[is_plain], 4))
    title = f"Accuracy as the images move right ({FILL_NAMES[mode]})"
    if seeds > 1:
        title += f", mean ± spread of {seeds} seeds"
    return styled(alt.layer(*layers).properties(height=CHART_HEIGHT + 60, title=title))


def off_chart_caption(current: tuple[int, int]) -> str | None:
    """A sentence under the chart when the chosen shift is not one of its points (None when it is)."""
    dx, dy = current
    if dy == 0 and dx in SWEEP_SHIFTS:
        return None
    return (
        f"Your shift {pair(current)} is not on this chart: it moves the images right only, by {SWEEP_SHIFTS[0]} to "
        f"{SWEEP_SHIFTS[-1]} pixels, with dy = 0."
    )
