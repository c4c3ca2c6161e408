"""The sliding-window picture in words: what a highlighted output or weight adds up to, with the numbers in."""

from fractions import Fraction

from core.exercise.conv1d import Layer
from core.exercise.numbers import format_factor, format_number


def highlight_text(layer: Layer, y, highlight: tuple[str, int] | None) -> str:
    """What the highlighted cells of the sliding-window picture add up to, with the numbers substituted."""
    xp, y_hat, k = layer.padded_x, layer.forward(), len(layer.w)
    if highlight is None:
        return (
            "Each row is one output's window; each cell shows input · weight. Along a diagonal one weight meets "
            "successive inputs: that diagonal is what the weight's gradient adds up. Pick an output or a weight."
        )
    kind, index = highlight
    if kind == "output":
        start = layer.window_start(index)
        terms = " + ".join(f"{format_factor(xp[start + l])}·{format_factor(w)}" for l, w in enumerate(layer.w))
        where = "padded input" if layer.padding else "input"
        return (
            f"**ŷ{index + 1}** uses positions {start + 1}–{start + k} of the {where}: "
            f"ŷ{index + 1} = {terms} + {format_factor(layer.b)} = **{format_number(y_hat[index])}**"
        )
    text = f"**w{index + 1}** meets one input in every window, so its gradient gathers one term per output."
    if y is None:
        return text
    delta = [a - t for a, t in zip(y_hat, y)]
    inputs = [xp[layer.window_start(j) + index] for j in range(len(delta))]
    terms = " + ".join(f"{format_factor(d)}·{format_factor(x)}" for d, x in zip(delta, inputs))
    gradient = sum((d * x for d, x in zip(delta, inputs)), Fraction(0))
    return f"{text}  \n∂L/∂w{index + 1} = Σⱼ (ŷⱼ − yⱼ)·x̃ⱼ = {terms} = **{format_number(gradient)}**"
