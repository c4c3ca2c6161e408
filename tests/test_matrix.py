"""The layer as a matrix: W x̃ + b is the forward pass, Wᵀ ∂L/∂ŷ the input gradient (PyTorch's conv_transpose1d),
in every convention; and every sentence of the "As a matrix" tab is true for the numbers beside it."""

import random
import re
from fractions import Fraction as F

import pytest
import torch
from classic import CLASSIC, vec
from conftest import shown_text
from test_conv1d import random_case

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, output_gradient, solve
from core.exercise.views.charts import window_cells
from core.exercise.views.matrix import (
    input_gradient,
    layer_matrix,
    matrix_forward,
    padded_input_gradient,
    unmet_inputs,
    weight_at,
)
from core.exercise.views.matrix_typeset import GREY, is_lit, weight_colour
from core.exercise.views.matrix_view import highlight_text, matrix_view, shape_text, transposed_text

CONVENTIONS = [(operation, rule) for operation in OPERATIONS for rule in LOSS_RULES]


def cases(tag: str, count: int, operation: str = "correlation"):
    """Random layers (stride 1–3, padding 0–2, dilation 1–3), reproducible by tag."""
    for seed in range(count):
        rng = random.Random(f"{tag}-{operation}-{seed}")
        yield random_case(rng, dilation=rng.randint(1, 3), operation=operation)


def test_classic_exercise_matrix_is_the_kernel_moved_one_column_per_row():
    assert layer_matrix(CLASSIC) == (vec(2, 1, 3, 0), vec(0, 2, 1, 3))
    assert matrix_forward(CLASSIC) == vec(14, 20)
    assert input_gradient(CLASSIC, vec(12, 16)) == vec(24, 44, 52, 48)


def test_a_true_convolution_puts_the_kernel_flipped_in_each_row():
    layer = Layer(vec(1, 2, 3, 4), vec(2, 1, 3), F(1), operation="convolution")
    assert layer_matrix(layer) == (vec(3, 1, 2, 0), vec(0, 3, 1, 2))


def test_stride_padding_and_dilation_place_the_kernel_where_each_window_meets_the_padded_input():
    # x̃ = (0, x1 … x5, 0); windows start 0 and 2 and skip one input between weights.
    layer = Layer(vec(1, 2, 3, 4, 5), vec(7, 8), F(0), stride=2, padding=1, dilation=2)
    assert layer_matrix(layer) == (vec(7, 0, 8, 0, 0, 0, 0), vec(0, 0, 7, 0, 8, 0, 0), vec(0, 0, 0, 0, 7, 0, 8))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_w_times_the_padded_input_plus_b_is_the_forward_pass(operation):
    for layer, _, _ in cases("forward", 300, operation):
        w = layer_matrix(layer)
        assert len(w) == layer.output_length and all(len(row) == len(layer.padded_x) for row in w)
        assert matrix_forward(layer) == layer.forward(), layer


@pytest.mark.parametrize(("operation", "rule"), CONVENTIONS)
def test_w_transposed_times_the_output_gradient_is_the_solvers_input_gradient(operation, rule):
    for layer, y, lr in cases("backward", 200, operation):
        s = solve(layer, y, lr, rule)
        p = layer.padding
        assert padded_input_gradient(layer, s.grads.d_y_hat)[p : p + len(layer.x)] == s.grads.d_x, layer
        assert input_gradient(layer, s.grads.d_y_hat) == s.grads.d_x


def conv_transpose(layer: Layer, d_y_hat) -> torch.Tensor:
    """PyTorch's transposed convolution of ∂L/∂ŷ with the kernel the window meets (w, or w flipped)."""
    kernel = torch.tensor([float(v) for v in layer.kernel], dtype=torch.float64)
    return torch.nn.functional.conv_transpose1d(
        torch.tensor([float(v) for v in d_y_hat], dtype=torch.float64).view(1, 1, -1),
        kernel.view(1, 1, -1),
        stride=layer.stride,
        padding=layer.padding,
        dilation=layer.dilation,
        output_padding=layer.unreached,
    ).view(-1)


@pytest.mark.parametrize(("operation", "rule"), CONVENTIONS)
def test_pytorch_conv_transpose1d_with_the_unreached_inputs_as_output_padding_gives_the_input_gradient(operation, rule):
    for layer, y, _ in cases("torch", 200, operation):
        d_y_hat = output_gradient(layer.forward(), y, rule)
        exact = torch.tensor([float(v) for v in input_gradient(layer, d_y_hat)], dtype=torch.float64)
        assert torch.allclose(conv_transpose(layer, d_y_hat), exact, rtol=1e-9, atol=1e-9), layer


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_row_holds_every_weight_once_and_is_the_row_above_moved_by_the_stride(operation):
    for layer, _, _ in cases("rows", 200, operation):
        w, s, k = layer_matrix(layer), layer.stride, len(layer.w)
        for i, row in enumerate(w):
            held = [q for q in range(len(row)) if weight_at(layer, i, q) is not None]
            assert len(held) == k and all(row[layer.weight_input(i, j)] == layer.w[j] for j in range(k))
            assert all(row[q] == 0 for q in range(len(row)) if q not in held)
            if i:
                assert row[s:] == w[i - 1][: len(row) - s] and all(v == 0 for v in row[:s])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_inputs_no_window_meets_are_zero_columns_with_zero_gradient_and_include_the_unreached_tail(operation):
    for layer, y, _ in cases("unmet", 200, operation):
        w, unmet = layer_matrix(layer), unmet_inputs(layer)
        n_padded = len(layer.padded_x)
        assert set(range(n_padded - layer.unreached, n_padded)) <= set(unmet)
        d_xp = padded_input_gradient(layer, output_gradient(layer.forward(), y))
        for q in unmet:
            assert all(row[q] == 0 for row in w) and d_xp[q] == 0


def lit_cells(layer: Layer, highlight) -> set[tuple[int, int]]:
    return {
        (i, q) for i in range(layer.output_length) for q in range(len(layer.padded_x)) if is_lit(layer, i, q, highlight)
    }


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_highlight_lights_the_same_terms_as_the_sliding_window_picture(operation):
    for layer, _, _ in cases("window", 60, operation):
        options = [("output", i) for i in range(layer.output_length)] + [("weight", j) for j in range(len(layer.w))]
        for highlight in options:
            cells = window_cells(layer, highlight)
            on = cells[cells["on"]]
            window = {(int(name[1:]) - 1, position) for name, position in zip(on["output"], on["position"])}
            assert lit_cells(layer, highlight) == window


def test_an_output_lights_its_row_and_a_weight_every_cell_holding_it():
    for layer, _, _ in cases("lit", 100, "convolution"):
        for i in range(layer.output_length):
            assert lit_cells(layer, ("output", i)) == {(i, layer.weight_input(i, j)) for j in range(len(layer.w))}
        for j in range(len(layer.w)):
            assert lit_cells(layer, ("weight", j)) == {
                (i, layer.weight_input(i, j)) for i in range(layer.output_length)
            }


def test_the_typeset_matrix_colours_each_weight_like_the_window_picture_and_greys_the_zeros():
    latex = matrix_view(CLASSIC).matrix
    assert rf"\textcolor{{{weight_colour(1)}}}{{w_{{2}}}}" in latex and rf"\textcolor{{{GREY}}}{{0}}" in latex
    lit = matrix_view(CLASSIC, highlight=("output", 1)).matrix
    assert rf"\textcolor{{{GREY}}}{{w_{{1}}}} & \textcolor{{{GREY}}}{{w_{{2}}}}" in lit  # row 1 is left out
    assert rf"\textcolor{{{weight_colour(0)}}}{{\boldsymbol{{w_{{1}}}}}}" in lit


def test_the_classic_exercise_is_typeset_with_its_numbers():
    view = matrix_view(CLASSIC, vec(2, 4))
    plain = re.sub(r"\\textcolor\{#\w+\}\{(.*?)\}(?= |$|\\\\)", r"\1", view.forward)
    assert r"\begin{bmatrix} 2 & 1 & 3 & 0 \\ 0 & 2 & 1 & 3 \end{bmatrix}" in plain
    assert r"\begin{bmatrix} 14 \\ 20 \end{bmatrix}" in view.forward
    assert r"\begin{bmatrix} 24 \\ 44 \\ 52 \\ 48 \end{bmatrix}" in view.backward
    assert view.chart is None and view.missing is None


def test_the_largest_inputs_get_the_grid_chart_and_vectors_that_wrap():
    layer = Layer(tuple(F(j) for j in range(32)), vec(1, -1, 2), F(0), padding=16)
    view = matrix_view(layer, (F(0),) * layer.output_length)
    assert view.matrix is None and view.chart is not None
    assert r"\begin{bmatrix}" not in view.forward + view.backward and r"\allowbreak" in view.forward


def test_without_valid_targets_the_tab_still_shows_w_and_the_forward_pass():
    view = matrix_view(CLASSIC, None)
    assert view.matrix and r"\begin{bmatrix} 14 \\ 20 \end{bmatrix}" in view.forward
    assert view.backward is None and "Enter targets y" in view.missing


def stated_call(text: str) -> dict:
    """The conv_transpose1d call the tab writes, read back: its kernel and its keyword arguments."""
    call = re.search(r"conv_transpose1d\(∂L/∂ŷ, (w|w flipped), (.*?)\)`", text)
    keywords = dict(pair.split("=") for pair in call.group(2).split(", "))
    return {"flipped": call.group(1) == "w flipped", **{name: int(value) for name, value in keywords.items()}}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_conv_transpose1d_call_the_tab_writes_gives_the_input_gradient(operation):
    for layer, y, _ in cases("stated", 150, operation):
        call = stated_call(transposed_text(layer))
        kernel = layer.w[::-1] if call.pop("flipped") else layer.w
        d_y_hat = output_gradient(layer.forward(), y)
        computed = torch.nn.functional.conv_transpose1d(
            torch.tensor([float(v) for v in d_y_hat], dtype=torch.float64).view(1, 1, -1),
            torch.tensor([float(v) for v in kernel], dtype=torch.float64).view(1, 1, -1),
            **call,
        ).view(-1)
        exact = torch.tensor([float(v) for v in input_gradient(layer, d_y_hat)], dtype=torch.float64)
        assert torch.allclose(computed, exact, rtol=1e-9, atol=1e-9), (layer, call)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_sentences_about_w_hold_for_the_layer_beside_them(operation):
    for layer, _, _ in cases("shape", 200, operation):
        text, w = shape_text(layer), layer_matrix(layer)
        m, columns = len(w), len(layer.padded_x)
        assert f"= {m} × {columns}." in text
        assert (f"moved s = {layer.stride} column" in text) == (m > 1)
        if "Toeplitz" in text:
            assert all(w[i][q] == w[i - 1][q - 1] for i in range(1, m) for q in range(1, columns))
        stated = re.search(r"no window meets (.*?)\.", text)
        named = [int(name) for name in re.findall(r"x̃?(\d+)", stated.group(1))] if stated else []
        assert named == [q + 1 for q in unmet_inputs(layer)]
        assert ("in flipped order" in text) == (operation == "convolution" and len(layer.w) > 1)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_inputs_add_up_what_several_windows_send_back_only_when_windows_share_an_input(operation):
    for layer, _, _ in cases("shared", 200, operation):
        counts = [
            sum(weight_at(layer, i, q) is not None for i in range(layer.output_length))
            for q in range(len(layer.padded_x))
        ]
        assert ("an input in several windows adds up" in transposed_text(layer)) == (max(counts) > 1)
        assert ("upsampling" in transposed_text(layer)) == (layer.stride > 1 and layer.output_length > 1)


def shown_total(text: str) -> F:
    number = re.search(r"= \*\*(−?[\d.,\u202f]+)\*\*", text).group(1)
    return F(number.replace("−", "-").replace(",", "").replace("\u202f", ""))


@pytest.mark.parametrize(("operation", "rule"), CONVENTIONS)
def test_a_highlighted_weight_writes_out_its_gradient_and_an_output_its_value(operation, rule):
    for layer, y, lr in cases("highlight", 60, operation):
        s = solve(layer, y, lr, rule)
        for j, d_w in enumerate(s.grads.d_w):
            text = highlight_text(layer, s.grads.d_y_hat, ("weight", j))
            if "…" not in text:
                assert shown_total(text) == d_w
        for i, value in enumerate(s.y_hat):
            text = highlight_text(layer, s.grads.d_y_hat, ("output", i))
            if "…" not in text:
                assert shown_total(text) == value


# ---- The tab on page 1 (AppTest) ----

PAGE = "pages/convolution.py"
TAB = "🧮 As a matrix"


def open_matrix_tab(open_page, query=None):
    at = open_page(PAGE, query)
    at.session_state["solution_tab"] = TAB  # only the open tab is drawn; switching tabs is a rerun
    return at.run()


def test_the_tab_shows_the_classic_exercise_as_a_matrix_product_and_shares_its_highlight(open_page):
    at = open_matrix_tab(open_page)
    text = shown_text(at)
    assert not at.exception
    assert "2 × 4" in text and r"\begin{bmatrix} 14 \\ 20 \end{bmatrix}" in text
    assert r"\begin{bmatrix} 24 \\ 44 \\ 52 \\ 48 \end{bmatrix}" in text and "transposed convolution" in text
    at.segmented_control(key="window_highlight").set_value("w2").run()
    text = shown_text(at)
    assert "(1, 2), (2, 3)" in text and "12·2 + 16·3 = **72**" in text
    at.segmented_control(key="window_highlight").set_value("ŷ1").run()
    assert "ŷ1 = 1·2 + 2·1 + 3·3 + 1 = **14**" in shown_text(at)
    at.session_state["solution_tab"] = "🔍 Sliding window"  # the same pick lights the same window there
    at.run()
    assert at.segmented_control(key="window_highlight").value == "ŷ1" and "= **14**" in shown_text(at)


def test_the_tab_follows_the_conventions_and_keeps_w_when_y_is_wrong(open_page):
    # A true convolution meets (3, 1, 2): ŷ = (12, 18); under Σ, ∂L/∂ŷ = 2(ŷ − y) = (20, 28).
    at = open_matrix_tab(open_page, {"op": "convolution", "loss": "sum"})
    text = shown_text(at)
    assert not at.exception and "in flipped order" in text and "conv_transpose1d(∂L/∂ŷ, w flipped" in text
    assert r"2(\hat y_i - y_i)" in text and r"\begin{bmatrix} 60 \\ 104 \\ 68 \\ 56 \end{bmatrix}" in text
    at.text_input(key="y").set_value("1, 2, 3").run()
    text = shown_text(at)
    assert not at.exception and r"\begin{bmatrix} 12 \\ 18 \end{bmatrix}" in text and "W^\\top" not in text
    assert any("Enter targets y" in info.value for info in at.info)
