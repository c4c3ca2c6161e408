"""The sliding-window picture in words: what a highlighted output or weight adds up to, with the numbers in."""

from fractions import Fraction

from core.exercise.layer.conv1d import Layer, output_gradient
from core.exercise.layer.formulas import output_gradient_latex, weight_gradient_inputs, window_index
from core.exercise.writing.numbers import ordinal, text_factor, text_number


def weight_path(stride: int) -> str:
    """Which inputs one weight meets, window after window: the next input, or every s-th."""
    if stride == 1:
        return "successive inputs"
    return f"every {ordinal(stride)} input (the stride is {stride})"


def _layout(layer: Layer) -> str:
    """What differs from a plain window: gaps between the weights, the kernel read right to left."""
    notes = []
    if layer.dilation > 1:
        skipped = layer.dilation - 1
        notes.append(f"the window skips {skipped} input{'s' if skipped > 1 else ''} between neighbouring weights")
    if layer.flipped:
        notes.append(f"a true convolution meets the kernel flipped, w{len(layer.w)} first")
    return f" Here {' and '.join(notes)}." if notes else ""


def _positions(positions: list[int]) -> str:
    """1–3 for a run of neighbours, else 1, 3, 5."""
    if positions == list(range(positions[0], positions[-1] + 1)) and len(positions) > 1:
        return f"{positions[0]}–{positions[-1]}"
    return ", ".join(map(str, positions))


def highlight_text(layer: Layer, y, highlight: tuple[str, int] | None, rule: str = "half") -> str:
    """What the highlighted cells of the sliding-window picture add up to, with the numbers substituted."""
    xp, y_hat = layer.padded_x, layer.forward()
    if highlight is None:
        return (
            "Each row is one output's window; each cell shows input · weight. Follow one weight's colour down the "
            f"rows: it meets {weight_path(layer.stride)}, and those cells are what the weight's gradient adds up."
            f"{_layout(layer)} Pick an output or a weight."
        )
    kind, index = highlight
    if kind == "output":
        terms = sorted((layer.weight_input(index, l), w) for l, w in enumerate(layer.w))
        products = " + ".join(f"{text_factor(xp[q])}·{text_factor(w)}" for q, w in terms)
        where = "padded input" if layer.padding else "input"
        return (
            f"**ŷ{index + 1}** uses positions {_positions([q + 1 for q, _ in terms])} of the {where}: "
            f"ŷ{index + 1} = {products} + {text_factor(layer.b)} = **{text_number(y_hat[index])}**"
        )
    text = f"**w{index + 1}** meets one input in every window, so its gradient gathers one term per output."
    if y is None:
        return text
    delta = output_gradient(y_hat, y, rule)
    inputs = [xp[q - 1] for _, q in weight_gradient_inputs(layer, index + 1)]
    terms = " + ".join(f"{text_factor(d)}·{text_factor(x)}" for d, x in zip(delta, inputs))
    gradient = sum((d * x for d, x in zip(delta, inputs)), Fraction(0))
    symbol = r"\tilde x" if layer.padding else "x"
    factor = output_gradient_latex(rule, layer.output_length, "j", grouped=True)
    index_text = window_index(layer, "j").text
    named = [f"$l = {index + 1}$", f"$s = {layer.stride}$"]
    named += [f"$d = {layer.dilation}$"] if "d" in index_text else []
    named += [f"$k = {len(layer.w)}$"] if "k" in index_text else []
    formula = (
        rf"$\partial L/\partial w_{{{index + 1}}} = \sum_j {factor}\,{symbol}_{{{index_text}}}$ with "
        + ", ".join(named)
    )
    return f"{text}  \n{formula}: {terms} = **{text_number(gradient)}**"
