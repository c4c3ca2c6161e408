"""The general formulas page 1 prints hold for every stride and padding: each index is read from the page and evaluated.

The exact solver is checked against PyTorch in test_conv1d.py; here the page's own words are checked against it.
"""

import functools
import random
import re
from fractions import Fraction as F

import pytest

from core.exercise.conv1d import Gradients, Layer, backward, cross_correlate, dilate, full_convolution, solve
from core.exercise.formulas import Index, weight_gradient_inputs
from core.exercise.numbers import text_number
from core.exercise.window import highlight_text
from core.exercise.worked_solution import forward_text, gradients_text, input_gradient_text

VALUES = [F(v) for v in (-3, -2, -1, 0, 1, 2, 3, 5)] + [F(1, 3), F(-1, 2), F(5, 4), F(-7, 10)]


def random_layer(rng: random.Random, values=VALUES, longest: int = 8) -> tuple[Layer, tuple[F, ...]]:
    """Stride 1–3, padding 0–2, kernel 1–4, input 1–`longest`: every shape the formulas must cover."""
    stride, padding, k = rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 4)
    n = rng.randint(max(1, k - 2 * padding), longest)
    layer = Layer(
        tuple(rng.choice(values) for _ in range(n)),
        tuple(rng.choice(values) for _ in range(k)),
        rng.choice(values),
        stride,
        padding,
    )
    return layer, tuple(rng.choice(values) for _ in range(layer.output_length))


LAYERS = [random_layer(random.Random(seed)) for seed in range(300)]


@functools.cache
def gradients(seed: int) -> Gradients:
    layer, y = LAYERS[seed]
    return backward(layer, layer.forward(), y)


def solved(count: int = len(LAYERS)):
    """(layer, y, gradients) of the first `count` random layers, each solved once for the whole module."""
    return [(*LAYERS[seed], gradients(seed)) for seed in range(count)]


def test_the_random_layers_cover_every_stride_padding_kernel_and_a_window_that_misses_the_end():
    assert {layer.stride for layer, _ in LAYERS} == {1, 2, 3}
    assert {layer.padding for layer, _ in LAYERS} == {0, 1, 2}
    assert {len(layer.w) for layer, _ in LAYERS} == {1, 2, 3, 4}
    assert {len(layer.x) for layer, _ in LAYERS} == set(range(1, 9))
    assert any((len(lay.x) + 2 * lay.padding - len(lay.w)) % lay.stride for lay, _ in LAYERS)


def padded(layer: Layer, q: int) -> F:
    """x̃_q, 1-based, from the definition: p zeros, then x, then p zeros."""
    n, p = len(layer.x), layer.padding
    return layer.x[q - p - 1] if p < q <= p + n else F(0)


def symbol_is_right(symbol: str, layer: Layer) -> bool:
    """The page may write x for x̃ only when there is no padding."""
    return symbol == r"\tilde x" or layer.padding == 0


def printed(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text)
    assert match, f"formula not found in:\n{text}"
    return match


def test_each_output_is_the_sum_its_printed_formula_names():
    for layer, _ in LAYERS[:200]:
        match = printed(
            r"\\hat y_i = \\sum_\{l=1\}\^\{(\d+)\} (\\tilde x|x)_\{([^}]*)\}\\, w_l \+ b", forward_text(layer)
        )
        top, symbol, index = int(match[1]), match[2], Index(match[3])
        assert top == len(layer.w) and symbol_is_right(symbol, layer)
        for i, value in enumerate(layer.forward(), start=1):
            terms = [
                padded(layer, index(i=i, l=a, s=layer.stride, p=layer.padding)) * w for a, w in enumerate(layer.w, 1)
            ]
            assert sum(terms, F(0)) + layer.b == value


def test_each_weight_gradient_is_the_sum_its_printed_formula_names():
    for layer, _y, grads in solved():
        pattern = r"\\partial w_l\} = \\sum_\{j=1\}\^\{(\d+)\} \(\\hat y_j - y_j\)\\, (\\tilde x|x)_\{([^}]*)\}"
        match = printed(pattern, gradients_text(layer, grads))
        top, symbol, index = int(match[1]), match[2], Index(match[3])
        assert top == layer.output_length and symbol_is_right(symbol, layer)
        for a, value in enumerate(grads.d_w, start=1):
            terms = [
                d * padded(layer, index(j=j, l=a, s=layer.stride, p=layer.padding))
                for j, d in enumerate(grads.d_y_hat, 1)
            ]
            assert sum(terms, F(0)) == value
        assert sum(grads.d_y_hat, F(0)) == grads.d_b


def test_each_input_gradient_is_the_sum_its_printed_formula_names():
    for layer, _y, grads in solved():
        pattern = r"\\partial x_j\} = \\sum_(\{[^$]*?\}|i) \(\\hat y_i - y_i\)\\, w_\{([^}]*)\}"
        match = printed(pattern, input_gradient_text(layer, grads))
        index = Index(match[2])
        if match[1] != "i":  # the range printed under the sum is the one a weight exists for
            assert match[1] == rf"{{i\,:\ 1 \le {match[2]} \le k}}"
        k, s, p = len(layer.w), layer.stride, layer.padding
        for j, value in enumerate(grads.d_x, start=1):
            weights = [(i, index(j=j, i=i, s=s, p=p)) for i in range(1, layer.output_length + 1)]
            assert sum((grads.d_y_hat[i - 1] * layer.w[a - 1] for i, a in weights if 1 <= a <= k), F(0)) == value


def test_with_stride_2_and_padding_1_the_formula_gives_x1_the_second_weight():
    layer = Layer((F(1), F(-2), F(3), F(0), F(5)), (F(2), F(1)), F(0), stride=2, padding=1)
    text = input_gradient_text(layer, solve(layer, (F(0),) * 3, F(1, 100)).grads)
    rule = Index(printed(r"\\partial x_j\} = \\sum_(?:\{[^$]*?\}|i) \(\\hat y_i - y_i\)\\, w_\{([^}]*)\}", text)[1])
    assert rule(j=1, i=1, s=2, p=1) == 2
    assert r"\frac{\partial L}{\partial x_{1}} &= \tfrac{\partial L}{\partial \hat y_{1}}\, w_{2} =" in text


def test_each_written_out_input_gradient_line_lists_the_terms_the_formula_names():
    for layer, _y, grads in solved(100):
        text = input_gradient_text(layer, grads)
        k, s, p = len(layer.w), layer.stride, layer.padding
        for j in range(1, len(layer.x) + 1):
            line = printed(re.escape("\\partial x_{" + str(j) + "}} &= ") + r"([^\n]*)", text)[1]
            listed = [
                (int(i), int(a)) for i, a in re.findall(r"\\hat y_\{(\d+)\}\}\\, w_\{(\d+)\}", line.split(" = ")[0])
            ]
            covering = [(i, j + p - s * (i - 1)) for i in range(1, layer.output_length + 1)]
            assert listed == [(i, a) for i, a in covering if 1 <= a <= k]


def test_the_output_length_formula_counts_the_windows_that_fit():
    for layer, _ in LAYERS[:100]:
        text = forward_text(layer)
        general = printed(r"m = \\left\\lfloor \\frac\{([^}]*)\}\{s\} \\right\\rfloor \+ 1", text)[1]
        n, k, s, p = len(layer.x), len(layer.w), layer.stride, layer.padding
        shown = int(printed(r"\\right\\rfloor \+ 1 = (\d+)\$\$", text)[1])
        windows = sum(1 for start in range(0, n + 2 * p, s) if start + k <= n + 2 * p)
        assert Index(general)(n=n, k=k, p=p) // s + 1 == shown == windows == len(layer.forward())


def literal_weight_gradient(layer: Layer, delta) -> tuple[F, ...]:
    """The statement word for word: cross-correlate x̃ with δ dilated by the stride, keep the first k entries."""
    return cross_correlate(layer.padded_x, dilate(delta, layer.stride))[: len(layer.w)]


def literal_input_gradient(layer: Layer, delta) -> tuple[F, ...]:
    """Full convolution of the dilated δ with w, zeros for the unreached end of x̃, the padding entries dropped."""
    full = full_convolution(dilate(delta, layer.stride), layer.w)
    full += (F(0),) * (len(layer.padded_x) - len(full))
    return full[layer.padding : len(full) - layer.padding]


def said_count(pattern: str, text: str) -> int:
    """'one more entry' → 1, '2 more entries' → 2; not said → 0."""
    match = re.search(pattern, text)
    return 0 if not match else 1 if match[1] == "one" else int(match[1])


def test_weight_gradient_is_the_correlation_of_the_padded_input_with_the_dilated_output_gradient_first_k_kept():
    for layer, _y, grads in solved():
        assert literal_weight_gradient(layer, grads.d_y_hat) == grads.d_w
        text = gradients_text(layer, grads)
        correlation = cross_correlate(layer.padded_x, dilate(grads.d_y_hat, layer.stride))
        extra = len(correlation) - len(layer.w)
        assert said_count(r"The cross-correlation has (one|\d+) more entr", text) == extra
        assert (f"keeping its first $k = {len(layer.w)}$ entries" in text) == (extra > 0)


def test_input_gradient_is_the_full_convolution_with_zeros_for_the_unreached_end_and_the_padding_dropped():
    for layer, _y, grads in solved():
        assert literal_input_gradient(layer, grads.d_y_hat) == grads.d_x
        text = input_gradient_text(layer, grads)
        full = full_convolution(dilate(grads.d_y_hat, layer.stride), layer.w)
        assert said_count(r"followed by (one|\d+) zeros?", text) == len(layer.padded_x) - len(full)
        assert (f"the first and the last $p = {layer.padding}$" in text) == (layer.padding > 0)


def test_the_issue_example_keeps_two_of_three_correlation_entries_and_appends_one_zero():
    layer = Layer((F(1), F(-2), F(3), F(0), F(5)), (F(2), F(1)), F(0), stride=2, padding=1)
    grads = solve(layer, (F(0),) * 3, F(1, 100)).grads
    correlation = cross_correlate(layer.padded_x, dilate(grads.d_y_hat, 2))
    assert len(correlation) == 3 and grads.d_w == correlation[:2]
    assert len(full_convolution(dilate(grads.d_y_hat, 2), layer.w)) == 6 and len(layer.padded_x) == 7
    text = gradients_text(layer, grads) + input_gradient_text(layer, grads)
    assert "keeping its first $k = 2$ entries" in text and "followed by one zero" in text


CLASSIC = Layer(tuple(map(F, (1, 2, 3, 4))), tuple(map(F, (2, 1, 3))), F(1))


def test_sliding_window_weight_sum_is_what_its_printed_formula_gives():
    classic_y = (F(2), F(4))
    assert "12·2 + 16·3 = **72**" in highlight_text(CLASSIC, classic_y, ("weight", 1))
    classic = (CLASSIC, classic_y, backward(CLASSIC, CLASSIC.forward(), classic_y))
    for layer, y, grads in [classic, *solved(150)]:
        for a in range(1, len(layer.w) + 1):  # a for the weight index l
            text = highlight_text(layer, y, ("weight", a - 1))
            match = printed(r"_\{([^}]*)\}\$ with \$l = (\d+)\$, \$s = (\d+)\$: .* = \*\*([^*]+)\*\*", text)
            index, shown_l, shown_s = Index(match[1]), int(match[2]), int(match[3])
            assert (shown_l, shown_s) == (a, layer.stride)
            total = sum(
                (d * padded(layer, index(j=j, l=a, s=shown_s)) for j, d in enumerate(grads.d_y_hat, start=1)), F(0)
            )
            assert text_number(total) == match[4] == text_number(grads.d_w[a - 1])


@pytest.mark.parametrize("stride, words", [(1, "successive inputs"), (2, "every 2nd input"), (3, "every 3rd input")])
def test_one_weight_meets_every_stride_th_input(stride, words):
    layer = Layer(tuple(map(F, range(1, 10))), (F(1), F(2)), F(0), stride=stride)
    assert words in highlight_text(layer, None, None)
    positions = [q for _, q in weight_gradient_inputs(layer, 1)]
    assert {b - a for a, b in zip(positions, positions[1:])} == {stride}
