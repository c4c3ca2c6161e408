"""What practice asks: each question, its exact answer from the solver, and when a typed answer is the same."""

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from core.exercise.layer.conv1d import Layer, Solution, Vector
from core.exercise.views.matrix import layer_matrix

Rows = tuple[Vector, ...]  # every answer, as rows of numbers: a number is one row of one, a vector one row


@dataclass(frozen=True)
class Question:
    label: str  # the answer field's label
    asks: str  # what the task asks for, Markdown with LaTeX; {x} is x̃, or x without padding
    answer: Callable[[Solution], object]  # the exact answer: a Fraction, a vector or a matrix (tuple of rows)
    shape: str = "vector"  # "number", "vector" or "matrix": how the typed answer is read


QUESTIONS = {
    "y_hat": Question("ŷ (outputs)", r"$\hat y$, every output of the layer", lambda s: s.y_hat),
    "loss": Question("L (loss)", "$L$, the loss", lambda s: s.loss, "number"),
    "d_w": Question(
        "∂L/∂w", r"$\partial L/\partial w$, the gradient of the loss for each weight", lambda s: s.grads.d_w
    ),
    "d_b": Question(
        "∂L/∂b",
        r"$\partial L/\partial b$, the gradient of the loss for the bias",
        lambda s: s.grads.d_b,
        "number",
    ),
    "w_new": Question(
        "w′ (new weights)",
        r"$w' = w - \alpha\, \partial L/\partial w$, the weights after one step of gradient descent",
        lambda s: s.new_layer.w,
    ),
    "b_new": Question(
        "b′ (new bias)",
        r"$b' = b - \alpha\, \partial L/\partial b$, the bias after the same step",
        lambda s: s.new_layer.b,
        "number",
    ),
}
# Asked on request: backpropagation to the input, and the layer written as a matrix.
EXTRA_QUESTIONS = {
    "d_x": Question(
        "∂L/∂x (input gradient)",
        r"$\partial L/\partial x$, the gradient of the loss for each input (backpropagation to the input)",
        lambda s: s.grads.d_x,
    ),
    "W": Question(
        "W (the layer as a matrix)",
        r"$W$, the layer as a matrix, so that $\hat y = W {x} + b$: one row per output, one column per entry of ${x}$",
        lambda s: layer_matrix(s.layer),
        "matrix",
    ),
}
ALL_QUESTIONS = QUESTIONS | EXTRA_QUESTIONS
# Answers rounded to two decimals are right.
TOLERANCE = Fraction(5, 1000) + Fraction(1, 10**9)

LOSS_LATEX = {
    "half": r"L = \tfrac12 \sum_i (\hat y_i - y_i)^2",
    "sum": r"L = \sum_i (\hat y_i - y_i)^2",
    "mean": r"L = \tfrac1m \sum_{i=1}^m (\hat y_i - y_i)^2",
}


def window_index(layer: Layer) -> str:
    """The padded input at the l-th place of output i's window, 1-based: s(i−1)+l, dilated s(i−1)+d(l−1)+1."""
    return "s(i-1)+l" if layer.dilation == 1 else "s(i-1)+d(l-1)+1"


def weight_index(layer: Layer) -> str:
    """The padded input that weight w_l meets in output i's window: the l-th place, or the (k+1−l)-th when flipped."""
    if not layer.flipped:
        return window_index(layer)
    return "s(i-1)+k+1-l" if layer.dilation == 1 else "s(i-1)+d(k-l)+1"


def padded(layer: Layer) -> str:
    return r"\tilde x" if layer.padding else "x"


def correct_value(solution: Solution, key: str):
    return ALL_QUESTIONS[key].answer(solution)


def as_rows(value) -> Rows:
    """A number, a vector or a matrix as rows of numbers."""
    if not isinstance(value, tuple):
        return ((value,),)
    if value and isinstance(value[0], tuple):
        return value
    return (value,)


def close(given, wanted, tolerance: Fraction = TOLERANCE) -> bool:
    given, wanted = as_rows(given), as_rows(wanted)
    return [len(row) for row in given] == [len(row) for row in wanted] and all(
        abs(g - e) <= tolerance for row, wanted_row in zip(given, wanted) for g, e in zip(row, wanted_row)
    )
