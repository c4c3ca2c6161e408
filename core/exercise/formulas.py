"""The page's general formulas as data: each index is written once, as on paper, printed by the page and evaluated by the tests.

Indices here are 1-based, as on paper: x̃_q is the q-th entry of the padded input, and x_j sits at x̃_{j+p}.
"""

import ast
import functools
import re
from dataclasses import dataclass

from core.exercise.conv1d import Layer


@dataclass(frozen=True)
class Index:
    """An index as written on paper, "s(i-1)+l": valid LaTeX for a subscript, and an expression it evaluates."""

    text: str

    def __call__(self, **values: int) -> int:
        return _evaluate(_parse(self.text), values)


@functools.cache
def _parse(text: str) -> ast.AST:
    """Paper's implicit products made explicit, "s(i-1)+2p" → "s*(i-1)+2*p", then read as Python."""
    explicit = re.sub(r"(?<=[\w)])\(", "*(", re.sub(r"(\d)([a-z])", r"\1*\2", text))
    return ast.parse(explicit, mode="eval").body


def _evaluate(node: ast.AST, values: dict[str, int]) -> int:
    """Whole-number arithmetic with + − × and named indices; anything else is not an index."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
    raise ValueError(f"not an index expression: {ast.dump(node)}")


# The padded input that output i's window meets at weight l: ŷ_i = Σ_l x̃_{s(i-1)+l} w_l + b.
WINDOW_INPUT = Index("s(i-1)+l")
# The same, read from the weight's side: ∂L/∂w_l = Σ_j (ŷ_j − y_j) x̃_{s(j-1)+l}.
WEIGHT_GRADIENT_INPUT = Index("s(j-1)+l")
# The weight that input x_j (at x̃_{j+p}) meets in output i's window; a term only when it is one of w_1 … w_k.
INPUT_GRADIENT_WEIGHT = Index("j+p-s(i-1)")
# What the window leaves to slide over: m = ⌊(n + 2p − k)/s⌋ + 1 outputs.
SLACK = Index("n+2p-k")


def window_inputs(layer: Layer, i: int) -> list[tuple[int, int]]:
    """(l, q) for each weight w_l of output i and the padded input x̃_q it meets (1-based)."""
    return [(l, WINDOW_INPUT(i=i, l=l, s=layer.stride)) for l in range(1, len(layer.w) + 1)]


def weight_gradient_inputs(layer: Layer, l: int) -> list[tuple[int, int]]:
    """(j, q) for each output j and the padded input x̃_q its window meets at weight w_l (1-based)."""
    return [(j, WEIGHT_GRADIENT_INPUT(j=j, l=l, s=layer.stride)) for j in range(1, layer.output_length + 1)]


def input_gradient_terms(layer: Layer, j: int) -> list[tuple[int, int]]:
    """(i, l) for each output i whose window covers x_j, and the weight w_l it meets there (1-based)."""
    k, s, p = len(layer.w), layer.stride, layer.padding
    terms = [(i, INPUT_GRADIENT_WEIGHT(j=j, p=p, s=s, i=i)) for i in range(1, layer.output_length + 1)]
    return [(i, l) for i, l in terms if 1 <= l <= k]


def padded_symbol(layer: Layer) -> str:
    """x̃ when there is padding to tell apart; plain x when x̃ = x."""
    return r"\tilde x" if layer.padding else "x"


def output_length_latex() -> str:
    return rf"m = \left\lfloor \frac{{{SLACK.text}}}{{s}} \right\rfloor + 1"


def forward_latex(layer: Layer) -> str:
    k = len(layer.w)
    return rf"\hat y_i = \sum_{{l=1}}^{{{k}}} {padded_symbol(layer)}_{{{WINDOW_INPUT.text}}}\, w_l + b"


def weight_gradient_latex(layer: Layer) -> str:
    m, x = layer.output_length, padded_symbol(layer)
    return rf"\dfrac{{\partial L}}{{\partial w_l}} = \sum_{{j=1}}^{{{m}}} (\hat y_j - y_j)\, {x}_{{{WEIGHT_GRADIENT_INPUT.text}}}"


def input_gradient_latex() -> str:
    rule = INPUT_GRADIENT_WEIGHT.text
    return rf"\dfrac{{\partial L}}{{\partial x_j}} = \sum_{{i\,:\ 1 \le {rule} \le k}} (\hat y_i - y_i)\, w_{{{rule}}}"
