"""The styling every chart in the app shares, and how a chart leaves as a Vega-Lite dict.

Every chart is built without Altair's schema validation: validating costs tens of milliseconds a
chart, and these charts are fixed shapes the tests render.
"""

import copy
from functools import lru_cache

import altair as alt
from altair.utils.schemapi import debug_mode

# One categorical palette, readable on light and dark backgrounds alike (mid-tone, not pastel).
PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC"]
FADED = 0.18
CHART_HEIGHT = 280


def styled(chart: alt.Chart) -> dict:
    """Fonts large enough for a projector, colours left to Streamlit's light or dark theme; as a Vega-Lite dict."""
    chart = (
        chart.configure_axis(labelFontSize=13, titleFontSize=14)
        .configure_legend(labelFontSize=13, titleFontSize=13)
        .configure_title(fontSize=15, anchor="start")
    )
    with debug_mode(False):
        return chart.to_dict(validate=False)


def frozen(build):
    """Memoise a chart builder on its (hashable) arguments; every caller gets its own copy of the dict."""
    cached = lru_cache(maxsize=64)(build)

    def chart(*args):
        return copy.deepcopy(cached(*args))

    chart.__doc__ = build.__doc__
    return chart


def data_named(spec: dict, name: str) -> dict:
    """A chart spec built on a placeholder row, set to read the dataset `name` instead: a template for `filled`.

    Building a chart with Altair costs tens of milliseconds; a chart redrawn on every slider step is built once
    per shape and only its rows change (core/lab/confusion.py, core/lab/charts.py)."""
    spec["data"] = {"name": name}
    spec["datasets"] = {}
    return spec


def filled(template: dict, name: str, rows: list[dict]) -> dict:
    """A copy of a template from `data_named`, with these rows as its dataset."""
    spec = copy.deepcopy(template)
    spec["datasets"] = {name: rows}
    return spec
