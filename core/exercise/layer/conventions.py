"""The conventions courses disagree on (cross-correlation or true convolution; ½Σ, Σ or the mean), in words and LaTeX.

Each sentence is built from the layer's own numbers (its output count m, its kernel, the order its window meets
the weights), so that it is true for the exercise beside it.
"""

from fractions import Fraction

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer
from core.exercise.layer.formulas import factor_latex, padded_symbol, window_inputs

# Short enough for both switches to share one row of page 1's field box at 1024×768; the help says the rest.
OPERATION_LABELS = {"correlation": "Cross-correlation (PyTorch)", "convolution": "True convolution"}
LOSS_LABELS = {"half": "½Σ", "sum": "Σ", "mean": "Mean"}
CLASSIC_OPERATION, CLASSIC_RULE = OPERATIONS[0], LOSS_RULES[0]


def is_classic(operation: str, rule: str) -> bool:
    return operation == CLASSIC_OPERATION and rule == CLASSIC_RULE


def intro_sentence(operation: str) -> str:
    """Page 1's opening sentence: what the layer computes, strictly."""
    what = (
        "strictly, a cross-correlation: the kernel is not flipped, as in PyTorch"
        if operation == "correlation"
        else "here a true convolution: the kernel is flipped"
    )
    return (
        f"A 1-D convolution layer ({what}) with a squared-error loss, solved the way you would on paper. "
        "Change any number and the whole solution follows."
    )


def _first_output_latex(layer: Layer) -> str:
    """ŷ₁ written with the inputs and weights its window pairs, left to right (a long kernel shortened with …)."""
    x = padded_symbol(layer)
    terms = [f"{x}_{{{q}}} w_{{{l}}}" for l, q in sorted(window_inputs(layer, 1), key=lambda pair: pair[1])]
    if len(terms) > 4:
        terms = [*terms[:2], r"\dots", terms[-1]]
    return r"\hat y_1 = " + " + ".join(terms) + " + b"


def operation_note(layer: Layer) -> str:
    """What a true convolution changes against PyTorch's cross-correlation, for this kernel."""
    k = len(layer.w)
    if k == 1:
        return "A true convolution flips the kernel; a single weight reads the same flipped, so nothing changes here."
    flip = (
        f"A true convolution flips the kernel, $w_{{{k}}}$ first: ${_first_output_latex(layer)}$ "
        "(PyTorch's conv1d, a cross-correlation, starts with $w_1$)"
    )
    if tuple(layer.w) == tuple(reversed(layer.w)):
        return (
            flip
            + ". This $w$ reads the same both ways, so the outputs, the loss and $\\partial L/\\partial x$ are the "
            f"cross-correlation's, but $\\partial L/\\partial w$ comes out reversed: $w_1$ meets the inputs $w_{{{k}}}$ met."
        )
    return flip + "; every gradient follows the flip."


def loss_note(rule: str, m: int) -> str:
    """What the loss rule changes against ½Σ, and why: the ½ is there to cancel the 2 of the square's derivative."""
    if rule == "sum":
        return (
            r"Without the ½ (there to cancel the 2 of the square's derivative) the loss and every gradient double: "
            r"$\partial L/\partial \hat y_i = 2(\hat y_i - y_i)$, so the same $\alpha$ takes a step twice as long."
        )
    if m == 1:
        return (
            "The mean of a single squared error is that error itself, without the ½: the loss and every gradient "
            r"double, $\partial L/\partial \hat y_1 = 2(\hat y_1 - y_1)$, so the same $\alpha$ takes a step twice "
            "as long."
        )
    if m == 2:
        return (
            "The mean divides the sum of squares by $m = 2$, as the classic ½ does: here it is ½Σ itself, "
            "with the same loss, gradients and step."
        )
    ratio = Fraction(2, m)  # reduced: 2/4 is ½
    return (
        f"The mean divides the sum of squares by $m = {m}$ instead of 2: the loss and every gradient are "
        f"${ratio}$ of the classic ones, $\\partial L/\\partial \\hat y_i = {factor_latex(ratio)}(\\hat y_i - y_i)$, "
        f"so the same $\\alpha$ takes a step ${ratio}$ as long."
    )


def change_note(layer: Layer, rule: str) -> str | None:
    """One line on what changed against the classic convention (cross-correlation, ½Σ) and why; None when classic."""
    parts = []
    if layer.operation != CLASSIC_OPERATION:
        parts.append(operation_note(layer))
    if rule != CLASSIC_RULE:
        parts.append(loss_note(rule, layer.output_length))
    return " ".join(parts) or None
