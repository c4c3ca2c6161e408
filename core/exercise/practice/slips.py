"""The usual slips in the exercise, each the exact answer under another convention or with a step left out.

They come from the same solver (conv1d.solve on the layer or the loss rule changed), so a slip is only ever named
when it really gives the numbers typed, and its message says what went wrong against the exercise's own convention.
"""

import functools
from dataclasses import dataclass, replace
from fractions import Fraction

from core.exercise.layer.conv1d import LOSS_RULES, Layer, Solution, Vector, loss_scale, solve
from core.exercise.layer.formulas import gradient_factor_latex
from core.exercise.practice.questions import (
    ALL_QUESTIONS,
    LOSS_LATEX,
    correct_value,
    padded,
    weight_index,
    window_index,
)
from core.exercise.views.matrix import layer_matrix
from core.exercise.writing.numbers import compact_number, format_number


@dataclass(frozen=True)
class Slip:
    """A usual wrong answer, worked out exactly, and what went wrong, said against the exercise's own convention."""

    value: object
    message: str
    # A generated exercise must tell it apart from the answer; False for a slip that may coincide with the answer
    # by its nature (no bias when b = 0; the mean and ½Σ when m = 2): such a slip is then simply not named.
    essential: bool = True


NAMES = {
    "y_hat": r"$\hat y$",
    "loss": "$L$",
    "d_w": r"$\partial L/\partial w$",
    "d_b": r"$\partial L/\partial b$",
    "d_x": r"$\partial L/\partial x$",
    "W": "$W$",
}
GRADIENTS = ("d_w", "d_b", "d_x")
STEPS = ("w_new", "b_new")


def _ratio_words(ratio: Fraction, of: str) -> str:
    """2 → "twice the answer", 1/2 → "half the answer", 3 → "3 times …", 2/3 → "2/3 of …"."""
    if ratio == 2:
        return f"twice {of}"
    if ratio == Fraction(1, 2):
        return f"half {of}"
    if ratio > 1:
        return f"{compact_number(ratio)} times {of}"
    return f"{ratio.numerator}/{ratio.denominator} of {of}"


def _loss_reason(rule: str, slip: str, m: int) -> str:
    """Why the slip's loss is not this exercise's: said from the exercise's own rule."""
    this = LOSS_LATEX[rule]
    return {
        ("half", "sum"): rf"the loss has a ½, ${this}$",
        ("half", "mean"): rf"this loss is half the sum of the squared errors, ${this}$, not their mean",
        ("sum", "half"): rf"this loss is ${this}$, without the ½",
        ("sum", "mean"): rf"this loss is the sum ${this}$, not the mean: nothing is divided by $m = {m}$",
        ("mean", "sum"): rf"this loss is the mean, ${this}$: the sum divided by $m = {m}$",
        ("mean", "half"): rf"this loss is the mean, ${this}$ with $m = {m}$, not half the sum",
    }[rule, slip]


def output_gradient_latex(rule: str, m: int) -> str:
    """∂L/∂ŷ_i = c(ŷ_i − y_i) under this rule, m written out."""
    factor = gradient_factor_latex(rule, m)
    difference = r"\hat y_i - y_i"
    return (
        rf"\partial L/\partial \hat y_i = {factor}({difference})"
        if factor
        else rf"\partial L/\partial \hat y_i = {difference}"
    )


def _gather(layer: Layer, delta: Vector) -> tuple[Vector, Vector] | None:
    """∂L/∂w and ∂L/∂x built from the right ∂L/∂ŷ but with this (wrong) layer's windows; None where they leave x̃."""
    xp, m = layer.padded_x, len(delta)
    if m > layer.output_length:
        return None
    d_w = tuple(
        sum((delta[i] * xp[layer.weight_input(i, l)] for i in range(m)), Fraction(0)) for l in range(len(layer.w))
    )
    d_xp = [Fraction(0)] * len(xp)
    for i in range(m):
        for l, w_l in enumerate(layer.w):
            d_xp[layer.weight_input(i, l)] += delta[i] * w_l
    return d_w, tuple(d_xp[layer.padding : layer.padding + len(layer.x)])


@dataclass(frozen=True)
class Variants:
    """The same exercise solved under each other convention: the source of most slips."""

    rules: dict  # loss rule → Solution
    other_operation: Solution  # the kernel flipped the other way
    no_bias: Solution  # b = 0


def variants(s: Solution) -> Variants:
    layer, y, lr, rule = s.layer, s.y, s.lr, s.loss_rule
    other = replace(layer, operation="correlation" if layer.flipped else "convolution")
    return Variants(
        {other_rule: solve(layer, y, lr, other_rule) for other_rule in LOSS_RULES if other_rule != rule},
        solve(other, y, lr, rule),
        solve(replace(layer, b=Fraction(0)), y, lr, rule),
    )


@functools.lru_cache(maxsize=64)
def all_slips(s: Solution) -> dict[str, tuple[Slip, ...]]:
    """The usual wrong answers to every question, in the order they are looked for, each with what went wrong."""
    v = variants(s)
    return {key: _slips(s, key, v) for key in ALL_QUESTIONS}


def slips(s: Solution, key: str) -> tuple[Slip, ...]:
    return all_slips(s)[key]


def _slips(s: Solution, key: str, v: Variants) -> tuple[Slip, ...]:
    layer, rule, m, k = s.layer, s.loss_rule, len(s.y), len(s.layer.w)
    found: list[Slip] = []

    def add(value, message: str, essential: bool = True) -> None:
        if value is not None:
            found.append(Slip(value, message, essential))

    name = NAMES.get(key)
    x, index = padded(layer), weight_index(layer)

    # Another loss rule: ½Σ, Σ and the mean differ by a factor, in the loss, every gradient and the step.
    if key == "loss" or key in GRADIENTS or key in STEPS:
        for other, solution in v.rules.items():
            ratio = loss_scale(other, m) / loss_scale(rule, m)
            if ratio == 1:  # the mean of two squared errors is half their sum: no slip at all
                continue
            reason = _loss_reason(rule, other, m)
            if key != "loss":
                reason += f" — ${output_gradient_latex(rule, m)}$"
            if key in STEPS:
                message = f"Your step is {_ratio_words(ratio, 'the right one')}: {reason}."
            else:
                message = f"Your {name} is {_ratio_words(ratio, 'the answer')}: {reason}."
            add(correct_value(solution, key), message)

    # The gradient of the outputs given for a gradient one step further back, and the sign of ŷ − y.
    if key in GRADIENTS:
        further = {
            "d_w": rf"$\partial L/\partial w_l = \sum_i \partial L/\partial \hat y_i\, {x}_{{{index}}}$",
            "d_b": r"$\partial L/\partial b$ is their sum, since the bias is added to every output",
            "d_x": r"each $\partial L/\partial \hat y_i$ goes back to the inputs of its window, times the weight each meets",
        }[key]
        add(
            s.grads.d_y_hat,
            rf"This is $\partial L/\partial \hat y$, not {name}: {further}.",
        )
        negated = correct_value(s, key)
        negated = tuple(-v for v in negated) if isinstance(negated, tuple) else -negated
        add(negated, rf"The sign is flipped: ${output_gradient_latex(rule, m)}$, not its negative.")

    # The other operation: the kernel flipped when it should not be, or not flipped when it should.
    other_layer = replace(layer, operation="correlation" if layer.flipped else "convolution")
    if layer.flipped:
        was = "That is the cross-correlation: the kernel was not flipped."
        should = rf"This layer is a true convolution: each window meets $w_{{{k}}}$ first and $w_1$ last."
        follows = "This follows the kernel not flipped (a cross-correlation); this layer is a true convolution."
    else:
        was = "That is the flipped kernel: a true convolution."
        should = r"This layer is a cross-correlation: each window meets $w_1$ first, the kernel as written."
        follows = "This follows the flipped kernel (a true convolution); this layer is a cross-correlation."
    if key == "y_hat":
        add(other_layer.forward(), f"{was} {should}")
    elif key == "W":
        add(layer_matrix(other_layer), f"{was} {should}")
    if key == "d_w":
        add(
            tuple(reversed(s.grads.d_w)),
            r"Your $\partial L/\partial w$ is the answer reversed, as if the kernel were "
            + ("not flipped" if layer.flipped else "flipped")
            + rf": here $w_l$ meets ${x}_{{{index}}}$.",
        )
    if key == "d_x":
        wrong = _gather(other_layer, s.grads.d_y_hat)
        add(
            wrong and wrong[1],
            "Your $\\partial L/\\partial x$ sends each $\\partial L/\\partial \\hat y_i$ back through the kernel "
            + ("not flipped" if layer.flipped else "flipped")
            + f". {should}",
        )

    # The step: uphill, without the learning rate, or not taken.
    if key in STEPS:
        old, g, symbol = (layer.w, s.grads.d_w, "w") if key == "w_new" else ((layer.b,), (s.grads.d_b,), "b")
        update = rf"${symbol}' = {symbol} - \alpha\, \partial L/\partial {symbol}$"
        steps = [
            (tuple(o + s.lr * d for o, d in zip(old, g)), f"You stepped uphill: gradient descent subtracts, {update}."),
            (
                old,
                f"{'These are the old weights' if symbol == 'w' else 'This is the old bias'}: the step {update} "
                + ("moves them." if symbol == "w" else "moves it."),
            ),
            (
                tuple(o - d for o, d in zip(old, g)),
                rf"The step is missing the learning rate: {update} with $\alpha = {format_number(s.lr)}$.",
            ),
        ]
        for value, message in steps:
            add(value if key == "w_new" else value[0], message)

    # Everything after ŷ worked with the kernel flipped the wrong way.
    if key not in ("y_hat", "W"):
        add(correct_value(v.other_operation, key), follows, essential=False)

    # The bias left out of the outputs (and so of everything after them).
    if key not in ("W", "b_new"):
        no_bias = replace(layer, b=Fraction(0))
        bias = f"$b = {format_number(layer.b)}$ is added to every output."
        if key == "y_hat":
            add(no_bias.forward(), f"The bias is missing: {bias}", essential=False)
        else:
            add(
                correct_value(v.no_bias, key),
                rf"This follows $\hat y$ without the bias: {bias}",
                False,
            )

    # Where the windows are: dilation, stride or padding ignored.
    if key in ("y_hat", "d_w", "d_x", "W"):
        ignored = []
        if layer.dilation > 1:
            skipped = layer.dilation - 1
            ignored.append(
                (
                    replace(layer, dilation=1),
                    f"ignores the dilation: with $d = {layer.dilation}$ a window skips {skipped} input"
                    f"{'s' if skipped > 1 else ''} between neighbouring weights (its $l$-th place is "
                    f"${x}_{{{window_index(layer)}}}$)",
                )
            )
        if layer.stride > 1:
            ignored.append(
                (
                    replace(layer, stride=1),
                    f"ignores the stride: each window starts $s = {layer.stride}$ inputs after the one before",
                )
            )
        if layer.padding:
            ignored.append(
                (
                    replace(layer, padding=0),
                    rf"leaves out the padding: the windows slide over $\tilde x$, $x$ with $p = {layer.padding}$ "
                    f"zero{'s' if layer.padding > 1 else ''} added at each end",
                )
            )
        for wrong, reason in ignored:
            if wrong.output_length < 1:
                continue
            if key == "y_hat":
                add(wrong.forward(), f"This {reason}.")
            elif key == "W":
                add(layer_matrix(wrong), f"Your $W$ {reason}.")
            else:
                gathered = _gather(wrong, s.grads.d_y_hat)
                add(gathered and gathered[0 if key == "d_w" else 1], f"Your {name} {reason}.")

    # The matrix: transposed, or without the columns of the padding zeros.
    if key == "W":
        w = layer_matrix(layer)
        add(
            tuple(zip(*w)),
            rf"This is $W^\top$: $W$ has one row per output ($m = {m}$) and one column per entry of ${x}$.",
        )
        if layer.padding:
            p, n = layer.padding, len(layer.x)
            add(
                tuple(row[p : p + n] for row in w),
                rf"$W$ multiplies $\tilde x$, so it has a column for each padding zero too: $n + 2p = {n + 2 * p}$ columns.",
            )
    return tuple(found)


def mistakes(s: Solution, key: str) -> list[tuple[object, str]]:
    """The usual wrong answers to one question as (value, message)."""
    return [(slip.value, slip.message) for slip in slips(s, key)]
