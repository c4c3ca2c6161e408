"""The layer as a matrix on page 1: W, ŷ = W x̃ + b and ∂L/∂x̃ = Wᵀ ∂L/∂ŷ with the numbers, and what they mean.

Small layers are typeset (matrix_typeset.py); a layer too wide for the column gets a grid chart of W
(matrix_chart.py) and its vectors written inline. Every sentence is built from the layer beside it.
"""

from dataclasses import dataclass
from fractions import Fraction

from core.exercise.layer.conv1d import Layer, Vector, output_gradient
from core.exercise.layer.formulas import output_gradient_latex, padded_symbol
from core.exercise.views.matrix import (
    input_gradient,
    layer_matrix,
    padded_input_gradient,
    shared_inputs,
    unmet_inputs,
    weight_at,
)
from core.exercise.views.matrix_chart import matrix_chart
from core.exercise.views.matrix_typeset import (
    Highlight,
    bmatrix,
    chain,
    column,
    input_entries,
    matrix_entries,
    output_entries,
    product_display,
    typesettable,
    vec,
)
from core.exercise.writing.numbers import text_factor, text_number
from core.exercise.writing.typeset import latex_width

FORWARD_INTRO = "With the numbers, b added to every output, this is the forward pass:"


@dataclass(frozen=True)
class MatrixView:
    """What the tab shows, top to bottom (Markdown with KaTeX); None where a part cannot be shown."""

    shape: str
    matrix: str | None  # W with its symbols, typeset; None when too wide: then `chart` draws W
    chart: dict | None
    forward: str
    highlight: str | None
    backward: str | None
    transposed: str
    missing: str | None  # why the backward numbers are not shown


def matrix_view(layer: Layer, y: Vector | None = None, rule: str = "half", highlight: Highlight = None) -> MatrixView:
    """Everything the "As a matrix" tab shows; the backward numbers need y (of the right length)."""
    d_y_hat = output_gradient(layer.forward(), y, rule) if y is not None else None
    matrix = symbols_matrix(layer, highlight)
    x = "x̃" if layer.padding else "x"
    return MatrixView(
        shape=shape_text(layer),
        matrix=matrix,
        chart=matrix_chart(layer, highlight) if matrix is None else None,
        forward=forward_text(layer, highlight),
        highlight=highlight_text(layer, d_y_hat, highlight),
        backward=None if d_y_hat is None else backward_text(layer, d_y_hat, rule, highlight),
        transposed=transposed_text(layer),
        missing=None if d_y_hat is not None else f"Enter targets y of the right length to see ∂L/∂{x} = Wᵀ ∂L/∂ŷ.",
    )


def symbols_matrix(layer: Layer, highlight: Highlight) -> str | None:
    """$$W = [the kernel's symbols in place]$$, or None when it would not fit the column."""
    if not typesettable(layer.output_length, len(layer.padded_x)):
        return None
    w = bmatrix(matrix_entries(layer, highlight, symbol=True))
    return chain("W", [(w.latex, w.width)], w.rows)


def _columns(numbers: list[int]) -> str:
    """3 → "column 3"; [5, 6] → "columns 5 and 6"."""
    if len(numbers) == 1:
        return f"column {numbers[0]}"
    return "columns " + ", ".join(str(q) for q in numbers[:-1]) + f" and {numbers[-1]}"


def shape_text(layer: Layer) -> str:
    n, k, s, p, d, m = len(layer.x), len(layer.w), layer.stride, layer.padding, layer.dilation, layer.output_length
    x = "x̃" if p else "x"
    size = f"m × (n + 2p) = {m} × {n + 2 * p}" if p else f"m × n = {m} × {n}"
    kernel = f"the {k} weights of the kernel" if k > 1 else "the kernel's one weight"
    if layer.flipped and k > 1:
        kernel += f" in flipped order, w{k} first (a true convolution),"
    where = "from column s(i − 1) + 1"
    if k > 1:
        where += ", next to each other" if d == 1 else f", every {d} columns (the dilation is {d})"
    parts = [
        f"**W** has one row per output and one column per entry of {x}: it is {size}. "
        f"Row i holds {kernel} in the columns output i's window meets, {where}; every other entry is 0."
    ]
    if m > 1:
        moved = "column" if s == 1 else "columns"
        parts.append(f"Each row is the row above moved s = {s} {moved} to the right.")
        if s == 1:
            parts.append("At stride 1 every diagonal of W is constant: a Toeplitz matrix.")
    if p:
        first_last = "The first and last columns" if p == 1 else f"The first and last p = {p} columns"
        parts.append(f"{first_last} multiply the padding zeros, so they add nothing to ŷ.")
    unmet = [q + 1 for q in unmet_inputs(layer)]
    if unmet:
        names = ", ".join(f"{x}{q}" for q in unmet)
        parts.append(f"{_columns(unmet).capitalize()} of W hold only zeros: no window meets {names}.")
    return " ".join(parts)


def forward_text(layer: Layer, highlight: Highlight) -> str:
    x = padded_symbol(layer)
    m, xp = layer.output_length, layer.padded_x
    y_hat = layer.forward()
    if not typesettable(max(m, len(xp)), len(xp)):
        return _forward_inline(layer)
    w = bmatrix(matrix_entries(layer, highlight, symbol=False))
    xs = column(input_entries(layer, xp, highlight))
    bias = column(output_entries((layer.b,) * m, highlight))
    product = (f"{w.latex} {xs.latex} + {bias.latex}", w.width + xs.width + latex_width("+") + bias.width)
    shown = product_display(
        (r"\hat y", r"\hat y"),
        rf"W{x} + b",
        product,
        column(output_entries(y_hat, highlight)),
        max(xs.rows, m),
        y_hat,
    )
    if shown is None:
        return _forward_inline(layer)
    return f"{FORWARD_INTRO}\n\n{shown}"


def _forward_inline(layer: Layer) -> str:
    """Too big to typeset: the vectors as text that wraps."""
    x = padded_symbol(layer)
    return f"{FORWARD_INTRO}\n\n" + rf"${x} = {vec(layer.padded_x)}$, so $\hat y = W{x} + b = {vec(layer.forward())}.$"


def backward_text(layer: Layer, d_y_hat: Vector, rule: str, highlight: Highlight) -> str:
    x, p = padded_symbol(layer), layer.padding
    d_xp = padded_input_gradient(layer, d_y_hat)
    shown = None
    if typesettable(len(d_xp), len(d_y_hat)):
        wt = bmatrix(matrix_entries(layer, highlight, symbol=False, transposed=True))
        delta = column(output_entries(d_y_hat, highlight))
        result = column(input_entries(layer, d_xp, highlight if highlight and highlight[0] == "output" else None))
        symbolic = r"W^\top \frac{\partial L}{\partial \hat y}"
        product = (f"{wt.latex} {delta.latex}", wt.width + delta.width)
        left = (rf"\frac{{\partial L}}{{\partial {x}}}", rf"\partial L/\partial {x}")
        shown = product_display(left, symbolic, product, result, max(wt.rows, delta.rows), d_xp)
    if shown is None:
        shown = (
            rf"$\partial L/\partial \hat y = {vec(d_y_hat)}$, so "
            rf"$\partial L/\partial {x} = W^\top \partial L/\partial \hat y = {vec(d_xp)}$."
        )
    parts = [
        rf"Backpropagation through $\hat y = W{x} + b$ is multiplication by the transpose, "
        rf"$\partial L/\partial {x}_q = \sum_i W_{{iq}}\, \partial L/\partial \hat y_i$, "
        rf"with $\partial L/\partial \hat y_i = {output_gradient_latex(rule, len(d_y_hat))}$ from the loss:",
        shown,
    ]
    if p:
        parts.append(
            rf"So $\partial L/\partial x = {vec(input_gradient(layer, d_y_hat))}$: "
            rf"$\partial L/\partial \tilde x$ without its first and last {'' if p == 1 else f'$p = {p}$ '}entries, which "
            "belong to the padding zeros (constants, not inputs)."
        )
    return "\n\n".join(parts)


def highlight_text(layer: Layer, d_y_hat: Vector | None, highlight: Highlight) -> str | None:
    """What the lit cells add up to, with the numbers: an output's row, or every cell holding one weight."""
    if highlight is None:
        return None
    x = "x̃" if layer.padding else "x"
    xp, matrix = layer.padded_x, layer_matrix(layer)
    kind, index = highlight
    if kind == "output":
        i = index
        cells = [q for q in range(len(xp)) if weight_at(layer, i, q) is not None]
        terms = " + ".join(f"{text_factor(xp[q])}·{text_factor(matrix[i][q])}" for q in cells)
        text = (
            f"**Row {i + 1}** of W is ŷ{i + 1}'s window: its weights sit in {_columns([q + 1 for q in cells])}, "
            f"so ŷ{i + 1} = {terms} + {text_factor(layer.b)} = **{text_number(layer.forward()[i])}**."
        )
        if d_y_hat is not None:
            text += (
                f" In Wᵀ the same cells are column {i + 1}: they send ∂L/∂ŷ{i + 1} = {text_number(d_y_hat[i])} "
                "back to exactly these inputs."
            )
        return text
    l = index
    columns = [layer.weight_input(i, l) for i in range(layer.output_length)]
    text = f"**w{l + 1}** sits once in every row of W: in row i, column {column_rule(layer.stride, layer.tap(l) + 1)}"
    if len(columns) <= 6:
        text += ", the cells (row, column) " + ", ".join(f"({i + 1}, {q + 1})" for i, q in enumerate(columns))
    text += "."
    if d_y_hat is None:
        return text
    terms = " + ".join(f"{text_factor(d)}·{text_factor(xp[q])}" for d, q in zip(d_y_hat, columns))
    total = sum((d * xp[q] for d, q in zip(d_y_hat, columns)), Fraction(0))
    return (
        f"{text} So ∂L/∂w{l + 1} gathers one term per row i, ∂L/∂ŷᵢ times the {x} entry in w{l + 1}'s column: "
        f"{terms} = **{text_number(total)}**."
    )


def column_rule(stride: int, first: int) -> str:
    """s(i − 1) + t written out: 2i − 1, i + 1, i."""
    constant = first - stride
    rule = "i" if stride == 1 else f"{stride}i"
    return rule if constant == 0 else f"{rule} {'+' if constant > 0 else '−'} {abs(constant)}"


def transposed_text(layer: Layer) -> str:
    x = "x̃" if layer.padding else "x"
    n, k, s, p, d, m, r = (
        len(layer.x),
        len(layer.w),
        layer.stride,
        layer.padding,
        layer.dilation,
        layer.output_length,
        layer.unreached,
    )
    size = f"n + 2p = {n + 2 * p}" if p else f"n = {n}"
    met_twice = shared_inputs(layer)
    outputs = "output" if m == 1 else "outputs"
    parts = [
        "**Why it is called a transposed convolution.** Wᵀ has one column per output, and column i is row i of W: "
        "the kernel placed where output i's window sits. Wᵀ ∂L/∂ŷ adds up these columns, each scaled by its "
        "output's gradient: every output's gradient is spread back over its window, weighted by the weight each "
        "input met there"
        + (", and an input in several windows adds up what each of them sends back" if met_twice else "")
        + f". It is the same kernel used the other way round, from the m = {m} {outputs} back to the {size} entries "
        f"of {x}, which is why deep-learning libraries call it a transposed convolution."
    ]
    if s > 1 and m > 1:
        parts.append(
            f"With stride s = {s}, neighbouring columns of Wᵀ start {s} rows apart: the windows the outputs' gradients "
            f"are spread over start {s} positions apart in {x}. A stride-{s} transposed convolution spreads its input out, the "
            "“upsampling” it does in a decoder."
        )
    unmet = [q + 1 for q in unmet_inputs(layer)]
    if unmet:
        rows = "row" if len(unmet) == 1 else "rows"
        parts.append(
            f"The {rows} of Wᵀ for {', '.join(f'{x}{q}' for q in unmet)} hold only zeros: their gradient is 0."
        )
    kernel = "w flipped" if layer.flipped and k > 1 else "w"
    notes = []
    if p:
        zeros = "the padding zero's entry" if p == 1 else f"the entries of the {p} padding zeros"
        notes.append(f"padding={p} drops {zeros} at each end")
    if r:
        tail = f"the last position of {x}" if r == 1 else f"the last {r} positions of {x}"
        notes.append(f"output_padding={r} adds back {tail}, which no window reaches")
    why = f" ({'; '.join(notes)})" if notes else ""
    parts.append(
        f"PyTorch computes the same ∂L/∂x as `conv_transpose1d(∂L/∂ŷ, {kernel}, stride={s}, padding={p}, "
        f"dilation={d}, output_padding={r})`{why}."
    )
    return " ".join(parts)
