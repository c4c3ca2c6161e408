"""A hint per practice question: its first term written out with the exercise's numbers, in its own convention.

A hint sets the work up (which inputs meet which weights, which targets, which factor) and leaves the arithmetic,
and every entry after the first, to the learner.
"""

from core.exercise.layer.conv1d import Solution
from core.exercise.layer.formulas import gradient_factor_latex, loss_factor_latex
from core.exercise.writing.numbers import format_factor, format_number
from core.exercise.writing.typeset import inline_sum


def _x(solution: Solution) -> str:
    return r"\tilde x" if solution.layer.padding else "x"


def _error(solution: Solution, i: int) -> str:
    """c(ŷ_i − y_i) with y_i written out: the output's gradient, still to be computed from ŷ_i."""
    factor = gradient_factor_latex(solution.loss_rule, len(solution.y))
    return rf"{factor}(\hat y_{{{i + 1}}} - {format_factor(solution.y[i])})"


def _window(solution: Solution, i: int) -> list[tuple[int, int]]:
    """(q, l), 0-based, for each padded input x̃_q of output i's window and the weight w_l it meets, left to right."""
    layer = solution.layer
    return sorted((layer.weight_input(i, l), l) for l in range(len(layer.w)))


def y_hat_hint(s: Solution) -> str:
    layer, x = s.layer, _x(s)
    pairs = _window(s, 0)
    symbols = [f"{x}_{{{q + 1}}} w_{{{l + 1}}}" for q, l in pairs] + ["b"]
    numbers = [rf"{format_factor(layer.padded_x[q])} \cdot {format_factor(layer.w[l])}" for q, l in pairs]
    numbers.append(format_factor(layer.b))
    moved = f"moved $s = {layer.stride}$ input{'s' if layer.stride > 1 else ''} along"
    return (
        rf"$\hat y_1 = {inline_sum(symbols)} = {inline_sum(numbers)}$; "
        rf"then $\hat y_2$ with the window {moved}, and so on."
    )


def loss_hint(s: Solution) -> str:
    factor = loss_factor_latex(s.loss_rule, len(s.y))
    squares = [rf"(\hat y_{{{i + 1}}} - {format_factor(t)})^2" for i, t in enumerate(s.y)]
    total = rf"{factor}\big[{inline_sum(squares)}\big]" if factor else inline_sum(squares)
    return rf"$L = {total}$, with your $\hat y$."


def d_w_hint(s: Solution) -> str:
    layer, x = s.layer, _x(s)
    terms = [
        rf"{_error(s, i)} \cdot {format_factor(layer.padded_x[layer.weight_input(i, 0)])}"
        for i in range(layer.output_length)
    ]
    symbols = [rf"{x}_{{{layer.weight_input(i, 0) + 1}}}" for i in range(layer.output_length)]
    return (
        rf"$w_1$ meets {', '.join(f'${q}$' for q in symbols)} (one input per window), so "
        rf"$\partial L/\partial w_1 = {inline_sum(terms)}$; then $w_2$, … the same way."
    )


def d_b_hint(s: Solution) -> str:
    terms = [_error(s, i) for i in range(len(s.y))]
    return rf"The bias is in every output: $\partial L/\partial b = {inline_sum(terms)}$."


def d_x_hint(s: Solution) -> str:
    """The first input that some window meets (an input no window meets has gradient 0)."""
    layer, p = s.layer, s.layer.padding
    for j in range(len(layer.x)):
        uses = [
            (i, l) for i in range(layer.output_length) for l in range(len(layer.w)) if layer.weight_input(i, l) == j + p
        ]
        if uses:
            break
    terms = [rf"{_error(s, i)} \cdot {format_factor(layer.w[l])}" for i, l in uses]
    if j == 0:
        before = ""
    elif j == 1:
        before = "No window meets $x_1$: its gradient is 0. "
    else:
        before = f"No window meets $x_1$ … $x_{{{j}}}$: their gradients are 0. "
    return (
        before
        + rf"$x_{{{j + 1}}}$ meets "
        + ", ".join(rf"$w_{{{l + 1}}}$ in $\hat y_{{{i + 1}}}$" for i, l in uses)
        + rf", so $\partial L/\partial x_{{{j + 1}}} = {inline_sum(terms)}$; the other inputs the same way."
    )


def w_new_hint(s: Solution) -> str:
    layer = s.layer
    return (
        rf"$w_1' = w_1 - \alpha\, \partial L/\partial w_1 = {format_number(layer.w[0])} - "
        rf"{format_factor(s.lr)} \cdot \partial L/\partial w_1$, with your $\partial L/\partial w_1$; then $w_2'$, …"
    )


def b_new_hint(s: Solution) -> str:
    return (
        rf"$b' = b - \alpha\, \partial L/\partial b = {format_number(s.layer.b)} - "
        rf"{format_factor(s.lr)} \cdot \partial L/\partial b$, with your $\partial L/\partial b$."
    )


def matrix_hint(s: Solution) -> str:
    layer, x = s.layer, _x(s)
    q, l = _window(s, 0)[0]
    columns = len(layer.padded_x)
    return (
        rf"Row 1 is $\hat y_1$'s window: $W_{{1,{q + 1}}} = w_{{{l + 1}}} = {format_number(layer.w[l])}$ "
        rf"(it multiplies ${x}_{{{q + 1}}}$), each other weight in the column of the input it meets, 0 elsewhere. "
        rf"$W$ has {layer.output_length} rows and {columns} columns; each row is the one above moved "
        rf"$s = {layer.stride}$ column{'s' if layer.stride > 1 else ''} right."
    )


HINTS = {
    "y_hat": y_hat_hint,
    "loss": loss_hint,
    "d_w": d_w_hint,
    "d_b": d_b_hint,
    "d_x": d_x_hint,
    "w_new": w_new_hint,
    "b_new": b_new_hint,
    "W": matrix_hint,
}


def hint(solution: Solution, key: str) -> str:
    """The hint for one practice question, Markdown with LaTeX."""
    return HINTS[key](solution)
