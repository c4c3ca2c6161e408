"""The page's general formulas as data: each index is written once, as on paper, printed by the page and evaluated by the tests.

Indices here are 1-based, as on paper: x̃_q is the q-th entry of the padded input, and x_j sits at x̃_{j+p}.
"""

import ast
import functools
import re
from dataclasses import dataclass
from fractions import Fraction

from core.exercise.layer.conv1d import Layer, loss_scale


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


def window_index(layer: Layer, i: str = "i") -> Index:
    """The padded input x̃ that output i's window meets at weight l, as written on paper.

    s(i-1)+l for the classic layer; a dilated kernel skips d − 1 inputs between weights, s(i-1)+d(l-1)+1;
    a true convolution meets the weights from the last, s(i-1)+k+1-l (dilated: s(i-1)+d(k-l)+1).
    """
    d = layer.dilation
    if layer.flipped:
        tap = "k+1-l" if d == 1 else "d(k-l)+1"
    else:
        tap = "l" if d == 1 else "d(l-1)+1"
    return Index(f"s({i}-1)+{tap}")


def input_gradient_weight(layer: Layer) -> Index | None:
    """Without dilation, the weight that x_j (at x̃_{j+p}) meets in output i's window: j+p-s(i-1), or flipped
    k+1+s(i-1)-j-p; a term only when it is one of w_1 … w_k. With dilation no single index says it (None)."""
    if layer.dilation != 1:
        return None
    return Index("k+1+s(i-1)-j-p" if layer.flipped else "j+p-s(i-1)")


def slack(layer: Layer) -> Index:
    """What the window leaves to slide over: m = ⌊(n + 2p − k)/s⌋ + 1, or ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 dilated."""
    return Index("n+2p-k" if layer.dilation == 1 else "n+2p-d(k-1)-1")


def _values(layer: Layer) -> dict[str, int]:
    return {"s": layer.stride, "p": layer.padding, "d": layer.dilation, "k": len(layer.w), "n": len(layer.x)}


def window_inputs(layer: Layer, i: int) -> list[tuple[int, int]]:
    """(l, q) for each weight w_l of output i and the padded input x̃_q it meets (1-based)."""
    index = window_index(layer)
    return [(l, index(i=i, l=l, **_values(layer))) for l in range(1, len(layer.w) + 1)]


def weight_gradient_inputs(layer: Layer, l: int) -> list[tuple[int, int]]:
    """(j, q) for each output j and the padded input x̃_q its window meets at weight w_l (1-based)."""
    index = window_index(layer, "j")
    return [(j, index(j=j, l=l, **_values(layer))) for j in range(1, layer.output_length + 1)]


def input_gradient_terms(layer: Layer, j: int) -> list[tuple[int, int]]:
    """(i, l) for each output i whose window covers x_j, and the weight w_l it meets there (1-based)."""
    index, p = window_index(layer), layer.padding
    return [
        (i, l)
        for i in range(1, layer.output_length + 1)
        for l in range(1, len(layer.w) + 1)
        if index(i=i, l=l, **_values(layer)) == j + p
    ]


def padded_symbol(layer: Layer) -> str:
    """x̃ when there is padding to tell apart; plain x when x̃ = x."""
    return r"\tilde x" if layer.padding else "x"


def output_length_latex(layer: Layer) -> str:
    return rf"m = \left\lfloor \frac{{{slack(layer).text}}}{{s}} \right\rfloor + 1"


def forward_latex(layer: Layer) -> str:
    k = len(layer.w)
    return rf"\hat y_i = \sum_{{l=1}}^{{{k}}} {padded_symbol(layer)}_{{{window_index(layer).text}}}\, w_l + b"


def factor_latex(value: Fraction) -> str:
    """A factor before a bracket, as on paper: reduced, and nothing at all for 1 (2, \tfrac{1}{2}, \tfrac{2}{3})."""
    if value == 1:
        return ""
    if value.denominator == 1:
        return str(value.numerator)
    return rf"\tfrac{{{value.numerator}}}{{{value.denominator}}}"


def loss_factor_latex(rule: str, m: int) -> str:
    """What stands before Σ(ŷ_i − y_i)²: ½, nothing, or 1/m with m written out (nothing when m = 1)."""
    return r"\tfrac12" if rule == "half" else factor_latex(loss_scale(rule, m) / 2)


def gradient_factor_latex(rule: str, m: int) -> str:
    """c in ∂L/∂ŷ_i = c(ŷ_i − y_i): nothing for ½Σ, 2 for Σ, 2/m reduced for the mean (2, nothing, ½, ⅔, …)."""
    return factor_latex(loss_scale(rule, m))


def loss_definition_latex(rule: str, m: int) -> str:
    """L = ½ Σ_{i=1}^{m} (ŷ_i − y_i)², or Σ …, or 1/m Σ …"""
    factor = loss_factor_latex(rule, m)
    return rf"L = {factor + ' ' if factor else ''}\sum_{{i=1}}^{{{m}}} (\hat y_i - y_i)^2"


def output_gradient_latex(rule: str, m: int, i: str = "i", grouped: bool = False) -> str:
    """c(ŷ_i − y_i) as the rule has it; `grouped` keeps the parentheses when c = 1 (inside a product or a sum)."""
    factor = gradient_factor_latex(rule, m)
    difference = rf"\hat y_{{{i}}} - y_{{{i}}}"
    return f"{factor}({difference})" if factor or grouped else difference


def _delta(rule: str, m: int, i: str) -> str:
    return output_gradient_latex(rule, m, i, grouped=True)


def weight_gradient_latex(layer: Layer, rule: str = "half") -> str:
    m, x = layer.output_length, padded_symbol(layer)
    return (
        rf"\dfrac{{\partial L}}{{\partial w_l}} = \sum_{{j=1}}^{{{m}}} {_delta(rule, m, 'j')}\, "
        rf"{x}_{{{window_index(layer, 'j').text}}}"
    )


def input_gradient_latex(layer: Layer, rule: str = "half") -> str:
    delta = _delta(rule, layer.output_length, "i")
    rule_index = input_gradient_weight(layer)
    if rule_index is None:  # dilated: the pairs (i, l) whose window index lands on x_j
        where = rf"{window_index(layer).text} = j+p" if layer.padding else rf"{window_index(layer).text} = j"
        return rf"\dfrac{{\partial L}}{{\partial x_j}} = \sum_{{i,\,l\,:\ {where}}} {delta}\, w_l"
    index = rule_index.text
    return rf"\dfrac{{\partial L}}{{\partial x_j}} = \sum_{{i\,:\ 1 \le {index} \le k}} {delta}\, w_{{{index}}}"
