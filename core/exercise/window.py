"""The sliding-window picture in words: what a highlighted output or weight adds up to, with the numbers in."""

from fractions import Fraction

from core.exercise.conv1d import Layer
from core.exercise.formulas import WEIGHT_GRADIENT_INPUT, weight_gradient_inputs
from core.exercise.numbers import text_factor, text_number


def ordinal(n: int) -> str:
    """2nd, 3rd, 11th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def weight_path(stride: int) -> str:
    """Which inputs one weight meets, window after window: the next input, or every s-th."""
    if stride == 1:
        return "successive inputs"
    return f"every {ordinal(stride)} input (the stride is {stride})"


def highlight_text(layer: Layer, y, highlight: tuple[str, int] | None) -> str:
    """What the highlighted cells of the sliding-window picture add up to, with the numbers substituted."""
    xp, y_hat, k = layer.padded_x, layer.forward(), len(layer.w)
    if highlight is None:
        return (
            "Each row is one output's window; each cell shows input · weight. Follow one weight's colour down the "
            f"rows: it meets {weight_path(layer.stride)}, and those cells are what the weight's gradient adds up. "
            "Pick an output or a weight."
        )
    kind, index = highlight
    if kind == "output":
        start = layer.window_start(index)
        terms = " + ".join(f"{text_factor(xp[start + l])}·{text_factor(w)}" for l, w in enumerate(layer.w))
        where = "padded input" if layer.padding else "input"
        return (
            f"**ŷ{index + 1}** uses positions {start + 1}–{start + k} of the {where}: "
            f"ŷ{index + 1} = {terms} + {text_factor(layer.b)} = **{text_number(y_hat[index])}**"
        )
    text = f"**w{index + 1}** meets one input in every window, so its gradient gathers one term per output."
    if y is None:
        return text
    delta = [a - t for a, t in zip(y_hat, y)]
    inputs = [xp[q - 1] for _, q in weight_gradient_inputs(layer, index + 1)]
    terms = " + ".join(f"{text_factor(d)}·{text_factor(x)}" for d, x in zip(delta, inputs))
    gradient = sum((d * x for d, x in zip(delta, inputs)), Fraction(0))
    symbol = r"\tilde x" if layer.padding else "x"
    formula = (
        rf"$\partial L/\partial w_{{{index + 1}}} = \sum_j (\hat y_j - y_j)\,{symbol}_{{{WEIGHT_GRADIENT_INPUT.text}}}$"
        rf" with $l = {index + 1}$, $s = {layer.stride}$"
    )
    return f"{text}  \n{formula}: {terms} = **{text_number(gradient)}**"
