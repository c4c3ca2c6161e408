"""The lab's charts carry the numbers they are given, and stay legible: facts read off the Vega-Lite specs."""

import numpy as np

from core.lab.charts import LEGEND_GREY, accuracy_heatmap, accuracy_vs_shift_chart, probabilities_chart
from core.lab.evaluation import ShiftSweep

SHIFTS = np.arange(-2, 3)


def sweeps() -> dict:
    curve = np.array([0.2, 0.6, 0.9, 0.6, 0.2])
    return {"MLP": ShiftSweep(SHIFTS, curve, curve / 2, "zero"), "CNN": ShiftSweep(SHIFTS, curve + 0.05, curve, "zero")}


def layer_data(spec: dict, mark: str) -> list[dict]:
    layer = next(
        layer
        for layer in spec["layer"]
        if (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) == mark
    )
    if "data" in layer and "values" in layer["data"]:
        return layer["data"]["values"]
    return spec["datasets"][layer.get("data", spec.get("data", {})).get("name") or spec["data"]["name"]]


def test_the_sweep_chart_has_one_point_per_model_direction_and_shift_with_the_measured_accuracy():
    spec = accuracy_vs_shift_chart(sweeps())
    rows = layer_data(spec, "line")
    assert len(rows) == 2 * 2 * len(SHIFTS)
    cnn_vertical = {
        row["shift"]: row["accuracy"] for row in rows if row["model"] == "CNN" and row["direction"] == "vertical (dy)"
    }
    assert cnn_vertical == {-2: 0.2, -1: 0.6, 0: 0.9, 1: 0.6, 2: 0.2}


def marks(shift) -> set:
    return {(row["label"], row["accuracy"]) for row in layer_data(accuracy_vs_shift_chart(sweeps(), 0, shift), "point")}


def test_the_sweep_chart_marks_the_shift_on_the_curves_it_is_on_dy_on_the_vertical_ones():
    assert marks((1, 0)) == {("MLP, dx = 1", 0.6), ("CNN, dx = 1", 0.65)}
    assert marks((0, -2)) == {("MLP, dy = −2", 0.1), ("CNN, dy = −2", 0.2)}  # not dx = 0, the unshifted accuracy
    assert marks((-1, 2)) == {("MLP, dx = −1", 0.6), ("CNN, dx = −1", 0.65), ("MLP, dy = 2", 0.1), ("CNN, dy = 2", 0.2)}
    assert marks((0, 0)) == {("MLP, dx = 0", 0.9), ("CNN, dx = 0", 0.9 + 0.05)}


def test_the_sweep_chart_puts_each_legend_entry_on_its_own_line_to_fit_a_projector():
    encoding = accuracy_vs_shift_chart(sweeps())["layer"][-1]["encoding"]
    assert encoding["color"]["legend"]["direction"] == encoding["strokeDash"]["legend"]["direction"] == "vertical"


def test_the_sweep_chart_shades_the_augmentation_range_only_when_used():
    plain = accuracy_vs_shift_chart(sweeps(), 0, (1, 0))
    assert not any(isinstance(layer["mark"], dict) and layer["mark"]["type"] == "rect" for layer in plain["layer"])
    augmented = accuracy_vs_shift_chart(sweeps(), 2, (1, 0))
    band = layer_data(augmented, "rect")
    assert band[0]["from"] == -2 and band[0]["to"] == 2


def test_the_shift_legend_draws_solid_and_dashed_samples_in_a_grey_both_themes_can_see():
    encoding = accuracy_vs_shift_chart(sweeps())["layer"][-1]["encoding"]["strokeDash"]
    symbols = encoding["legend"]["encode"]["symbols"]["update"]
    assert symbols["stroke"] == {"value": LEGEND_GREY}
    assert symbols["opacity"] == {"value": 1}


def test_the_heatmap_has_one_cell_per_shift_pair_centred_on_no_shift():
    grid = np.arange(25, dtype=float).reshape(5, 5) / 25
    spec = accuracy_heatmap(grid, "t")
    (rows,) = spec["datasets"].values()
    assert len(rows) == 25
    centre = next(row for row in rows if row["dx"] == 0 and row["dy"] == 0)
    assert centre["accuracy"] == grid[2, 2]
    corner = next(row for row in rows if row["dx"] == 2 and row["dy"] == -2)
    assert corner["accuracy"] == grid[0, 4]  # row index is dy, column index is dx


def test_the_heatmap_outlines_the_current_shift_and_reads_as_the_table_does():
    grid = np.arange(25, dtype=float).reshape(5, 5) / 25
    spec = accuracy_heatmap(grid, "t", current=(1, -2))
    cells, marker = spec["layer"]
    assert marker["mark"] == {"type": "rect", "fill": None, "stroke": LEGEND_GREY, "strokeWidth": 3}
    assert spec["datasets"][marker["data"]["name"]] == [{"dx": 1, "dy": -2}]
    assert {"field": "accuracy", "type": "quantitative", "format": ".2%"} in cells["encoding"]["tooltip"]


def test_the_probabilities_chart_says_shifted_only_when_the_image_moved():
    probabilities = {"MLP": np.full(10, 0.1), "CNN": np.full(10, 0.1)}
    names = tuple("0123456789")
    assert probabilities_chart(probabilities, names, 3, (2, 0))["title"] == "Class probabilities for the shifted image"
    assert probabilities_chart(probabilities, names, 3, (0, 0))["title"] == "Class probabilities for the image"
