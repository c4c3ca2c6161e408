"""The general formulas page 1 prints hold for every stride, padding, dilation, operation and loss rule: each index
is read from the page and evaluated.

The exact solver is checked against PyTorch in test_conv1d.py; here the page's own words are checked against it.
"""

import functools
import math
import random
import re
from fractions import Fraction as F

import pytest
from classic import CLASSIC

from core.exercise.layer.conv1d import (
    LOSS_RULES,
    OPERATIONS,
    Gradients,
    Layer,
    backward,
    cross_correlate,
    dilate,
    full_convolution,
    loss_scale,
    solve,
)
from core.exercise.layer.formulas import Index, weight_gradient_inputs
from core.exercise.views.window import highlight_text
from core.exercise.writing.numbers import format_factor, format_number, text_number
from core.exercise.writing.typeset import inline_vector
from core.exercise.writing.worked_solution import (
    forward_text,
    gradients_text,
    input_gradient_statement,
    input_gradient_text,
    weight_gradient_statement,
)

VALUES = [F(v) for v in (-3, -2, -1, 0, 1, 2, 3, 5)] + [F(1, 3), F(-1, 2), F(5, 4), F(-7, 10)]


def random_layer(
    rng: random.Random, values=VALUES, longest: int = 8, conventions: bool = False
) -> tuple[Layer, tuple[F, ...]]:
    """Stride 1–3, padding 0–2, kernel 1–4, input 1–`longest` (more when dilated): every shape the formulas must cover.

    With `conventions`, also dilation 1–3 and either operation (the classic layer otherwise).
    """
    stride, padding, k = rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 4)
    dilation = rng.choice((1, 1, 2, 3)) if conventions else 1
    operation = rng.choice(OPERATIONS) if conventions else OPERATIONS[0]
    span = dilation * (k - 1) + 1
    n = rng.randint(max(1, span - 2 * padding), longest + span - k)
    layer = Layer(
        tuple(rng.choice(values) for _ in range(n)),
        tuple(rng.choice(values) for _ in range(k)),
        rng.choice(values),
        stride,
        padding,
        dilation,
        operation,
    )
    return layer, tuple(rng.choice(values) for _ in range(layer.output_length))


# Each layer with a loss rule of its own: every formula must hold for every convention.
LAYERS = [random_layer(random.Random(seed), conventions=True) for seed in range(300)]
RULES = [LOSS_RULES[seed % 3] for seed in range(300)]


@functools.cache
def gradients(seed: int) -> Gradients:
    layer, y = LAYERS[seed]
    return backward(layer, layer.forward(), y, RULES[seed])


def solved(count: int = len(LAYERS)):
    """(layer, y, gradients, rule) of the first `count` random layers, each solved once for the whole module."""
    return [(*LAYERS[seed], gradients(seed), RULES[seed]) for seed in range(count)]


def test_the_random_layers_cover_every_stride_padding_dilation_kernel_convention_and_a_window_that_misses_the_end():
    assert {layer.stride for layer, _ in LAYERS} == {1, 2, 3}
    assert {layer.padding for layer, _ in LAYERS} == {0, 1, 2}
    assert {layer.dilation for layer, _ in LAYERS} == {1, 2, 3}
    assert {layer.operation for layer, _ in LAYERS} == set(OPERATIONS) and set(RULES) == set(LOSS_RULES)
    assert {len(layer.w) for layer, _ in LAYERS} == {1, 2, 3, 4}
    assert set(range(1, 9)) <= {len(layer.x) for layer, _ in LAYERS}
    assert any(layer.unreached and layer.dilation > 1 and layer.flipped for layer, _ in LAYERS)


def indices(layer: Layer, **more: int) -> dict[str, int]:
    """Every name a printed index may use."""
    return {"s": layer.stride, "p": layer.padding, "d": layer.dilation, "k": len(layer.w), "n": len(layer.x)} | more


def delta_factor(text: str, layer: Layer, rule: str) -> F:
    """The factor printed before (ŷ − y): nothing, 2, or 2/m reduced (\\tfrac{1}{2} for m = 4, nothing for m = 2);
    it must be the rule's own."""
    match = re.fullmatch(r"(|2|\\tfrac\{(\d+)\}\{(\d+)\})", text)
    assert match, text
    factor = F(1) if not text else F(2) if text == "2" else F(int(match[2]), int(match[3]))
    assert factor == loss_scale(rule, layer.output_length)
    if match[2]:
        assert math.gcd(int(match[2]), int(match[3])) == 1 and int(match[3]) > 1, text  # ½, never 2/4 or 2/1
    return factor


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
            terms = [padded(layer, index(**indices(layer, i=i, l=a))) * w for a, w in enumerate(layer.w, 1)]
            assert sum(terms, F(0)) + layer.b == value


def test_each_written_out_output_line_pairs_the_inputs_and_weights_the_solver_multiplies():
    for layer, _ in LAYERS[:100]:
        block = forward_text(layer).split(r"\begin{aligned}")[1]
        # Each output's rows, up to the next output's: a long sum may be broken over several.
        lines = re.findall(r"\\hat y_\{(\d+)\} &= (.*?)(?=\\hat y_\{|\\end\{aligned\})", block, flags=re.DOTALL)
        assert len(lines) == layer.output_length
        for i, line in lines:
            pairs = [(int(q), int(a)) for q, a in re.findall(r"x_\{(\d+)\} w_\{(\d+)\}", line)]
            wanted = sorted((layer.weight_input(int(i) - 1, a) + 1, a + 1) for a in range(len(layer.w)))
            assert pairs == wanted  # left to right along the input, whichever weight the window meets there


def test_each_weight_gradient_is_the_sum_its_printed_formula_names():
    for layer, _y, grads, rule in solved():
        pattern = (
            r"\\partial w_l\} = \\sum_\{j=1\}\^\{(\d+)\} (.*?)\(\\hat y_\{j\} - y_\{j\}\)\\, (\\tilde x|x)_\{([^}]*)\}"
        )
        match = printed(pattern, gradients_text(layer, grads, rule=rule))
        top, factor, symbol, index = int(match[1]), match[2], match[3], Index(match[4])
        assert top == layer.output_length and symbol_is_right(symbol, layer)
        c = delta_factor(factor, layer, rule)
        differences = [a - t for a, t in zip(layer.forward(), _y)]
        for a, value in enumerate(grads.d_w, start=1):
            terms = [c * e * padded(layer, index(**indices(layer, j=j, l=a))) for j, e in enumerate(differences, 1)]
            assert sum(terms, F(0)) == value
        assert sum(grads.d_y_hat, F(0)) == grads.d_b


def equation_rows(text: str, head: str) -> str:
    """One equation of an aligned block, its continuation rows joined: from its head to the next equation."""
    rest = text[text.index(head) + len(head) :]
    end = min(i for i in (rest.find("\n\\frac"), rest.find("\n\\end{aligned}")) if i >= 0)
    return " ".join(row.strip(" \\&") for row in rest[:end].split("\n"))


def test_the_output_gradient_lines_substitute_the_numbers_into_the_rule():
    for layer, y, grads, rule in solved(60):
        text = gradients_text(layer, grads, y, rule)
        general = printed(r"\\partial \\hat y_i\} = (.*?)\(?\\hat y_\{i\} - y_\{i\}\)?\$", text)[1]
        c = delta_factor(general, layer, rule)
        for i, (a, t, d) in enumerate(zip(layer.forward(), y, grads.d_y_hat), start=1):
            assert c * (a - t) == d
            line = equation_rows(text, rf"\frac{{\partial L}}{{\partial \hat y_{{{i}}}}} &= ")
            assert line.endswith(f"= {format_number(d)}") and f"{format_number(a)} - {format_factor(t)}" in line


def test_each_input_gradient_is_the_sum_its_printed_formula_names():
    for layer, y, grads, rule in solved():
        text = input_gradient_text(layer, grads, rule)
        differences = [a - t for a, t in zip(layer.forward(), y)]
        k, m = len(layer.w), layer.output_length
        if layer.dilation == 1:
            pattern = r"\\partial x_j\} = \\sum_(\{[^$]*?\}|i) (.*?)\(\\hat y_\{i\} - y_\{i\}\)\\, w_\{([^}]*)\}"
            match = printed(pattern, text)
            assert match[1] == rf"{{i\,:\ 1 \le {match[3]} \le k}}"  # the range is the one a weight exists for
            index, c = Index(match[3]), delta_factor(match[2], layer, rule)
            for j, value in enumerate(grads.d_x, start=1):
                weights = [(i, index(**indices(layer, j=j, i=i))) for i in range(1, m + 1)]
                assert sum((c * differences[i - 1] * layer.w[a - 1] for i, a in weights if 1 <= a <= k), F(0)) == value
        else:  # the pairs (i, l) whose window meets x_j, at x̃_{j+p}
            pattern = (
                r"\\partial x_j\} = \\sum_\{i,\\,l\\,:\\ ([^=]*) = (j\+p|j)\} (.*?)\(\\hat y_\{i\} - y_\{i\}\)\\, w_l"
            )
            match = printed(pattern, text)
            index, where, c = Index(match[1]), Index(match[2]), delta_factor(match[3], layer, rule)
            assert match[2] == ("j+p" if layer.padding else "j")
            for j, value in enumerate(grads.d_x, start=1):
                pairs = [
                    (i, a)
                    for i in range(1, m + 1)
                    for a in range(1, k + 1)
                    if index(**indices(layer, i=i, l=a)) == where(**indices(layer, j=j))
                ]
                assert sum((c * differences[i - 1] * layer.w[a - 1] for i, a in pairs), F(0)) == value


def test_with_stride_2_and_padding_1_the_formula_gives_x1_the_second_weight():
    layer = Layer((F(1), F(-2), F(3), F(0), F(5)), (F(2), F(1)), F(0), stride=2, padding=1)
    text = input_gradient_text(layer, solve(layer, (F(0),) * 3, F(1, 100)).grads)
    rule = Index(
        printed(r"\\partial x_j\} = \\sum_(?:\{[^$]*?\}|i) \(\\hat y_\{i\} - y_\{i\}\)\\, w_\{([^}]*)\}", text)[1]
    )
    assert rule(j=1, i=1, s=2, p=1) == 2
    assert r"\frac{\partial L}{\partial x_{1}} &= \tfrac{\partial L}{\partial \hat y_{1}}\, w_{2} =" in text


def test_each_written_out_input_gradient_line_lists_the_terms_the_solver_adds():
    for layer, _y, grads, rule in solved(100):
        text = input_gradient_text(layer, grads, rule)
        for j in range(1, len(layer.x) + 1):
            line = printed(re.escape("\\partial x_{" + str(j) + "}} &= ") + r"([^\n]*)", text)[1]
            listed = [
                (int(i), int(a)) for i, a in re.findall(r"\\hat y_\{(\d+)\}\}\\, w_\{(\d+)\}", line.split(" = ")[0])
            ]
            covering = [
                (i + 1, a + 1)
                for i in range(layer.output_length)
                for a in range(len(layer.w))
                if layer.weight_input(i, a) == j - 1 + layer.padding
            ]
            assert listed == covering


def test_the_output_length_formula_counts_the_windows_that_fit():
    for layer, _ in LAYERS[:150]:
        text = forward_text(layer)
        general = printed(r"m = \\left\\lfloor \\frac\{([^}]*)\}\{s\} \\right\\rfloor \+ 1", text)[1]
        n, s, p = len(layer.x), layer.stride, layer.padding
        numbers = printed(r"\\right\\rfloor \+ 1 = \\left\\lfloor \\frac\{([^}]*)\}\{(\d+)\}", text)
        shown = int(printed(r"\\right\\rfloor \+ 1 = (\d+)\$\$", text)[1])
        windows = sum(1 for start in range(0, n + 2 * p, s) if start + layer.span <= n + 2 * p)
        assert Index(general)(**indices(layer)) // s + 1 == shown == windows == len(layer.forward())
        assert Index(numbers[1].replace(r"\cdot", "*").replace(" ", ""))() == Index(general)(**indices(layer))
        assert ("d(k-1)" in general) == (layer.dilation > 1)  # the dilation is named when it changes the count


def stated_weight_gradient(layer: Layer, delta, text: str) -> tuple[F, ...]:
    """The statement word for word: cross-correlate x̃ with δ dilated by the stride; keep the entries it names
    (the first k, every d-th, or all); read them backwards when it says so."""
    correlation = cross_correlate(layer.padded_x, dilate(delta, layer.stride))
    entries = re.search(r"\(entries ([\d, ]+)\)", text)
    first = re.search(r"its first \$k = (\d+)\$ entries", text)
    if entries:
        kept = [correlation[int(e) - 1] for e in entries[1].split(", ")]
    elif first:
        kept = list(correlation[: int(first[1])])
    else:
        kept = list(correlation)
    return tuple(reversed(kept)) if "read backwards" in text else tuple(kept)


def stated_input_gradient(layer: Layer, delta, text: str) -> tuple[F, ...]:
    """Full convolution of the dilated δ with the kernel the statement names (w, or w flipped; dilated by d when
    it says so), the zeros it says follow, the padding entries dropped. The kernels it prints must be those."""
    kernel = tuple(reversed(layer.w)) if "$w$ flipped" in text else layer.w
    dilated = re.search(r"dilated by \$d = (\d+)\$", text)
    spread = dilate(kernel, int(dilated[1]) if dilated else 1)
    words = text[text.index(" with ") : text.index(" (a convolution")]
    printed_kernels = re.findall(r"\$(\([^$]*\))\$", words)
    wanted = [kernel] * ("$w$ flipped" in text) + [spread] * bool(dilated)
    assert printed_kernels == [inline_vector([format_number(v) for v in values]) for values in wanted], words
    full = full_convolution(dilate(delta, layer.stride), spread)
    full += (F(0),) * said_count(r"followed by (one|\d+) zeros?", text)
    dropped = re.search(r"the first and the last \$p = (\d+)\$", text)
    p = int(dropped[1]) if dropped else 0
    return full[p : len(full) - p]


def said_count(pattern: str, text: str) -> int:
    """'one more entry' → 1, '2 more entries' → 2; not said → 0."""
    match = re.search(pattern, text)
    return 0 if not match else 1 if match[1] == "one" else int(match[1])


def test_weight_gradient_is_the_correlation_of_the_padded_input_with_the_dilated_output_gradient_as_stated():
    for layer, _y, grads, _rule in solved():
        text = weight_gradient_statement(layer, grads)
        assert stated_weight_gradient(layer, grads.d_y_hat, text) == grads.d_w, text
        assert ("dilated by the stride" in text) == (layer.stride > 1)
        leftover = said_count(r"Its last (one|\d+) entr", text.replace("last entry", "last one entry"))
        assert leftover == layer.unreached  # the trailing entries no weight meets, and why


def test_input_gradient_is_the_full_convolution_with_the_kernel_as_stated():
    for layer, _y, grads, _rule in solved():
        text = input_gradient_statement(layer, grads)
        assert stated_input_gradient(layer, grads.d_y_hat, text) == grads.d_x, text
        assert said_count(r"followed by (one|\d+) zeros?", text) == layer.unreached
        assert (f"the first and the last $p = {layer.padding}$" in text) == (layer.padding > 0)
        assert ("$w$ flipped" in text) == (layer.flipped and len(layer.w) > 1)


def test_the_issue_example_keeps_two_of_three_correlation_entries_and_appends_one_zero():
    layer = Layer((F(1), F(-2), F(3), F(0), F(5)), (F(2), F(1)), F(0), stride=2, padding=1)
    grads = solve(layer, (F(0),) * 3, F(1, 100)).grads
    correlation = cross_correlate(layer.padded_x, dilate(grads.d_y_hat, 2))
    assert len(correlation) == 3 and grads.d_w == correlation[:2]
    assert len(full_convolution(dilate(grads.d_y_hat, 2), layer.w)) == 6 and len(layer.padded_x) == 7
    text = gradients_text(layer, grads) + input_gradient_text(layer, grads)
    assert "keeping its first $k = 2$ entries" in text and "followed by one zero" in text


def test_a_dilated_flipped_kernel_keeps_every_second_entry_read_backwards():
    layer = Layer(tuple(map(F, (1, 2, 3, 4, 5, 6))), (F(2), F(1), F(3)), F(1), dilation=2, operation="convolution")
    grads = solve(layer, (F(0), F(0)), F(1, 100)).grads
    text = weight_gradient_statement(layer, grads)
    assert "every 2nd entry from the first (entries 1, 3, 5)" in text and "read backwards" in text
    correlation = cross_correlate(layer.padded_x, grads.d_y_hat)
    assert grads.d_w == (correlation[4], correlation[2], correlation[0])


def test_sliding_window_weight_sum_is_what_its_printed_formula_gives():
    classic_y = (F(2), F(4))
    assert "12·2 + 16·3 = **72**" in highlight_text(CLASSIC, classic_y, ("weight", 1))
    classic = (CLASSIC, classic_y, backward(CLASSIC, CLASSIC.forward(), classic_y), "half")
    for layer, y, grads, rule in [classic, *solved(150)]:
        for a in range(1, len(layer.w) + 1):  # a for the weight index l
            text = highlight_text(layer, y, ("weight", a - 1), rule)
            match = printed(
                r"\\sum_j (.*?)\(\\hat y_\{j\} - y_\{j\}\)\\,(?:\\tilde x|x)_\{([^}]*)\}\$ with (.*): .* = \*\*([^*]+)\*\*",
                text,
            )
            c, index = delta_factor(match[1], layer, rule), Index(match[2])
            named = dict(re.findall(r"\$(\w) = (\d+)\$", match[3]))
            assert named["l"] == str(a) and named["s"] == str(layer.stride)
            values = {name: int(value) for name, value in named.items() if name != "l"}
            differences = [t - u for t, u in zip(layer.forward(), y)]
            total = sum((c * e * padded(layer, index(j=j, l=a, **values)) for j, e in enumerate(differences, 1)), F(0))
            assert text_number(total) == match[4] == text_number(grads.d_w[a - 1])


def test_sliding_window_output_sum_pairs_the_inputs_and_weights_of_its_window():
    for layer, _y, _grads, _rule in solved(100):
        for i, value in enumerate(layer.forward()):
            text = highlight_text(layer, None, ("output", i))
            assert text.endswith(f"= **{text_number(value)}**")
            positions = [layer.weight_input(i, a) + 1 for a in range(len(layer.w))]
            shown = re.search(r"uses positions ([\d, –]+) of", text)[1]
            first, _, last = shown.partition("–")
            listed = list(range(int(first), int(last) + 1)) if last else [int(q) for q in shown.split(", ")]
            assert listed == sorted(positions)


@pytest.mark.parametrize("stride, words", [(1, "successive inputs"), (2, "every 2nd input"), (3, "every 3rd input")])
def test_one_weight_meets_every_stride_th_input(stride, words):
    layer = Layer(tuple(map(F, range(1, 10))), (F(1), F(2)), F(0), stride=stride)
    assert words in highlight_text(layer, None, None)
    positions = [q for _, q in weight_gradient_inputs(layer, 1)]
    assert {b - a for a, b in zip(positions, positions[1:])} == {stride}
