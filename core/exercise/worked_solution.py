"""The exercise written out as a good student would on paper, in Markdown with LaTeX, numbers substituted.

The page renders these sections and the export button downloads the same text, so the two never differ.
"""

from dataclasses import dataclass
from fractions import Fraction

from core.exercise.conv1d import (
    Gradients,
    Layer,
    Solution,
    backward,
    dilate,
    solve,
    squared_error,
)
from core.exercise.descent import stable_learning_rate
from core.exercise.formulas import (
    SLACK,
    forward_latex,
    input_gradient_latex,
    input_gradient_terms,
    output_length_latex,
    padded_symbol,
    weight_gradient_inputs,
    weight_gradient_latex,
    window_inputs,
)
from core.exercise.numbers import (
    SIGNIFICANT_DIGITS,
    format_factor,
    format_number,
    format_vector,
    full_stop,
    text_number,
)
from core.exercise.step_verdict import verdict
from core.exercise.typeset import Terms, aligned, equation, inline_sum, inline_vector

AGREEMENT = (
    "Every number here is computed exactly (fractions, not floating point) and agrees with PyTorch's autograd: "
    "the test suite checks it on hundreds of random layers with strides 1–3, paddings 0–2 and kernels of 1–5 weights. "
    f"A number is written in full when its decimal ends within {SIGNIFICANT_DIGITS} significant digits, else rounded and "
    "marked …; only the convergence limit 2/λ_max, marked ≈, comes from floating point."
)


@dataclass(frozen=True)
class Section:
    title: str
    body: str  # Markdown with $…$ and $$…$$ LaTeX


@dataclass(frozen=True)
class WorkedSolution:
    sections: tuple[Section, ...]
    missing: str | None = None  # why the solution stops early (a field is bad), if it does

    def to_markdown(self) -> str:
        parts = ["# Convolution by hand: worked solution", ""]
        for section in self.sections:
            parts += [f"## {section.title}", "", section.body, ""]
        if self.missing:
            parts += [f"*{self.missing}*", ""]
        parts += [f"*{AGREEMENT}*", ""]
        return "\n".join(parts)


def worked_solution(layer: Layer, y=None, lr: Fraction | None = None) -> WorkedSolution:
    """As much of the solution as the inputs allow: the forward pass needs only the layer."""
    sections = [Section("1. Forward pass", forward_text(layer))]
    if y is None:
        return WorkedSolution(tuple(sections), "Enter targets y of the right length to see the loss and the gradients.")
    y_hat = layer.forward()
    grads = backward(layer, y_hat, y)
    sections += [
        Section("2. Loss", loss_text(y_hat, y)),
        Section("3. Gradients of the weights and the bias", gradients_text(layer, grads)),
        Section("4. Backpropagation to the input", input_gradient_text(layer, grads)),
    ]
    if lr is None:
        return WorkedSolution(tuple(sections), "Enter a learning rate to take the gradient-descent step.")
    solution = solve(layer, y, lr)
    sections.append(Section("5. One step of gradient descent", sgd_text(solution, stable_learning_rate(layer))))
    return WorkedSolution(tuple([Section("Answers", answers_text(solution))] + sections))


def _block(equations: list[list[str]]) -> str:
    """Equations one under the other, each as the rows typeset.equation broke it into."""
    return aligned([row for rows in equations for row in rows])


def _vec(values) -> str:
    """A vector inside a sentence: it wraps after a comma, like the words around it."""
    return inline_vector([format_number(v) for v in values])


def _loss(symbol: str, y_hat, y, loss) -> list[str]:
    """L = ½[(ŷ₁ − y₁)² + …] = ½[squares] = L, over as many rows as the column needs."""
    terms = [rf"({format_number(a)} - {format_factor(t)})^2" for a, t in zip(y_hat, y)]
    squares = [format_number((a - t) ** 2) for a, t in zip(y_hat, y)]
    return equation(
        symbol,
        [
            Terms(terms, before=r"\tfrac12\Big[", after=r"\Big]"),
            Terms(squares, before=r"\tfrac12\Big[", after=r"\Big]"),
            format_number(loss),
        ],
    )


def answers_text(s: Solution) -> str:
    rows = [
        ("outputs", r"\hat y", format_vector(s.y_hat)),
        ("loss", "L", text_number(s.loss)),
        ("weight gradient", r"\partial L/\partial w", format_vector(s.grads.d_w)),
        ("bias gradient", r"\partial L/\partial b", text_number(s.grads.d_b)),
        ("input gradient", r"\partial L/\partial x", format_vector(s.grads.d_x)),
        ("new weights", "w'", format_vector(s.new_layer.w)),
        ("new bias", "b'", text_number(s.new_layer.b)),
        ("new outputs", r"\hat y'", format_vector(s.new_y_hat)),
        ("new loss", "L'", text_number(s.new_loss)),
    ]
    table = ["| quantity | symbol | value |", "|---|:---:|---|"]
    table += [f"| {name} | ${symbol}$ | {value} |" for name, symbol, value in rows]
    return "\n".join(table)


def forward_text(layer: Layer) -> str:
    n, k, s, p, m = len(layer.x), len(layer.w), layer.stride, layer.padding, layer.output_length
    x = padded_symbol(layer)
    parts = [
        "**Output length.** A window of $k$ weights slides over the input "
        + (f"padded with $p = {p}$ zero{'s' if p > 1 else ''} on each side " if p else "")
        + "in steps of $s$:",
        rf"$${output_length_latex()}"
        rf" = \left\lfloor \frac{{{n} + 2\cdot {p} - {k}}}{{{s}}} \right\rfloor + 1 = {m}$$",
    ]
    if p:
        parts.append(rf"**Padding.** $\tilde x = {_vec(layer.padded_x)}$, the input with its zeros.")
    parts.append(rf"**Each output.** ${forward_latex(layer)}$:")
    lines = []
    xp = layer.padded_x
    for i, value in enumerate(layer.forward(), start=1):
        terms = window_inputs(layer, i)
        symbols = [f"{x}_{{{q}}} w_{{{l}}}" for l, q in terms] + ["b"]
        numbers = [rf"{format_factor(xp[q - 1])} \cdot {format_factor(layer.w[l - 1])}" for l, q in terms]
        numbers.append(format_factor(layer.b))
        lines.append(equation(rf"\hat y_{{{i}}}", [Terms(symbols), Terms(numbers), format_number(value)]))
    parts.append(_block(lines))
    parts.append(rf"So $\hat y = {_vec(layer.forward())}.$")  # the full stop inside: never alone on a line
    return "\n\n".join(parts)


def loss_text(y_hat, y) -> str:
    definition = rf"L &= \tfrac12 \sum_{{i=1}}^{{{len(y)}}} (\hat y_i - y_i)^2"
    return aligned([definition, *_loss("", y_hat, y, squared_error(y_hat, y))])


def gradients_text(layer: Layer, grads: Gradients) -> str:
    x, xp = padded_symbol(layer), layer.padded_x
    delta_lines = [
        equation(
            rf"\frac{{\partial L}}{{\partial \hat y_{{{i + 1}}}}}",
            [rf"\hat y_{{{i + 1}}} - y_{{{i + 1}}}", format_number(d)],
        )
        for i, d in enumerate(grads.d_y_hat)
    ]
    parts = [
        r"**Outputs.** $\dfrac{\partial L}{\partial \hat y_i} = \hat y_i - y_i$:",
        _block(delta_lines),
        rf"**Weights.** Each weight touches every output, once per window: ${weight_gradient_latex(layer)}$:",
    ]
    lines = []
    for l, g in enumerate(grads.d_w, start=1):
        terms = weight_gradient_inputs(layer, l)
        symbols = [rf"\tfrac{{\partial L}}{{\partial \hat y_{{{j}}}}}\, {x}_{{{q}}}" for j, q in terms]
        numbers = [rf"{format_factor(grads.d_y_hat[j - 1])} \cdot {format_factor(xp[q - 1])}" for j, q in terms]
        lines.append(
            equation(rf"\frac{{\partial L}}{{\partial w_{{{l}}}}}", [Terms(symbols), Terms(numbers), format_number(g)])
        )
    parts.append(_block(lines))
    parts.append(weight_gradient_statement(layer, grads))
    parts.append(
        full_stop(
            r"**Bias.** The bias is added to every output: "
            rf"$\dfrac{{\partial L}}{{\partial b}} = \sum_j (\hat y_j - y_j) = "
            rf"{inline_sum([format_factor(d) for d in grads.d_y_hat])} = {format_number(grads.d_b)}$"
        )
    )
    return "\n\n".join(parts)


def _unreached_reason(layer: Layer) -> str:
    """Why the last r positions of x̃ are in no window: n + 2p − k is not a multiple of s."""
    n, k, s, p, r = len(layer.x), len(layer.w), layer.stride, layer.padding, layer.unreached
    where = "position" if r == 1 else f"{r} positions"
    return (
        rf"the last {where} of ${padded_symbol(layer)}$ lie{'s' if r == 1 else ''} beyond the last window "
        rf"(${SLACK.text} = {n + 2 * p - k}$ is not a multiple of $s = {s}$)"
    )


def weight_gradient_statement(layer: Layer, grads: Gradients) -> str:
    """∂L/∂w as a cross-correlation, with the exact rule when the stride leaves positions unreached."""
    s, k, r = layer.stride, len(layer.w), layer.unreached
    source = "padded input $\\tilde x$" if layer.padding else "input $x$"
    if s == 1:
        return (
            rf"So $\dfrac{{\partial L}}{{\partial w}} = {_vec(grads.d_w)}$ is the cross-correlation of the {source} "
            r"with $\dfrac{\partial L}{\partial \hat y}$: the same sliding window as the forward pass, "
            r"with the gradient of the outputs as the kernel."
        )
    statement = (
        rf"So $\dfrac{{\partial L}}{{\partial w}} = {_vec(grads.d_w)}$ is the cross-correlation of the {source} "
        rf"with $\dfrac{{\partial L}}{{\partial \hat y}}$ dilated by the stride ($s - 1 = {s - 1}$ zero"
        rf"{'s' if s > 2 else ''} between its entries): ${_vec(dilate(grads.d_y_hat, s))}$"
    )
    if not r:
        return statement.removesuffix("$") + ".$"  # the full stop inside the formula: never alone on a line
    return (
        statement
        + rf", keeping its first $k = {k}$ entries. The cross-correlation has "
        + ("one more entry" if r == 1 else f"{r} more entries")
        + f" because {_unreached_reason(layer)}; {'it belongs' if r == 1 else 'they belong'} to no weight."
    )


def input_gradient_text(layer: Layer, grads: Gradients) -> str:
    s, p, r = layer.stride, layer.padding, layer.unreached
    lines = []
    for j, value in enumerate(grads.d_x, start=1):
        uses = input_gradient_terms(layer, j)
        if not uses:
            lines.append(
                [rf"\frac{{\partial L}}{{\partial x_{{{j}}}}} &= 0 \quad\text{{(no window uses }}x_{{{j}}}\text{{)}}"]
            )
            continue
        symbols = [rf"\tfrac{{\partial L}}{{\partial \hat y_{{{i}}}}}\, w_{{{l}}}" for i, l in uses]
        numbers = [rf"{format_factor(grads.d_y_hat[i - 1])} \cdot {format_factor(layer.w[l - 1])}" for i, l in uses]
        lines.append(
            equation(
                rf"\frac{{\partial L}}{{\partial x_{{{j}}}}}", [Terms(symbols), Terms(numbers), format_number(value)]
            )
        )
    where = r" (it sits at $\tilde x_{j+p}$)" if p else ""
    statement = (
        rf"So $\dfrac{{\partial L}}{{\partial x}} = {_vec(grads.d_x)}$: the full convolution of "
        rf"$\dfrac{{\partial L}}{{\partial \hat y}}${' (dilated by the stride)' if s > 1 else ''} with the kernel $w$ "
        "(the kernel flipped)"
    )
    if r:
        zeros = "one zero" if r == 1 else f"{r} zeros"
        statement += rf", followed by {zeros} because {_unreached_reason(layer)}"
    if p:
        statement += rf", with the entries of the padding zeros (the first and the last $p = {p}$) dropped"
    return "\n\n".join(
        [
            "The classic exercise stops at the weights, but a layer inside a network must also pass the "
            "gradient back to its input. Each input value collects the gradient of every output whose window "
            f"covered it, weighted by the weight it met there{where}: ${input_gradient_latex()}$.",
            _block(lines),
            statement + ".",
        ]
    )


def sgd_text(s: Solution, convergence_limit: float | None = None) -> str:
    lr, layer, new = s.lr, s.layer, s.new_layer
    a = format_factor(lr)
    lines = [
        equation(
            f"w_{{{l + 1}}}'",
            [
                rf"w_{{{l + 1}}} - \alpha \frac{{\partial L}}{{\partial w_{{{l + 1}}}}}",
                rf"{format_number(w)} - {a} \cdot {format_factor(g)}",
                format_number(w2),
            ],
        )
        for l, (w, g, w2) in enumerate(zip(layer.w, s.grads.d_w, new.w))
    ]
    lines.append(
        equation(
            "b'",
            [
                r"b - \alpha \frac{\partial L}{\partial b}",
                rf"{format_number(layer.b)} - {a} \cdot {format_factor(s.grads.d_b)}",
                format_number(new.b),
            ],
        )
    )
    xp = layer.padded_x
    out_lines = []
    for i, value in enumerate(s.new_y_hat):
        start = layer.window_start(i)
        numbers = [rf"{format_factor(xp[start + l])} \cdot {format_factor(w)}" for l, w in enumerate(new.w)]
        numbers.append(format_factor(new.b))
        out_lines.append(equation(rf"\hat y_{{{i + 1}}}'", [Terms(numbers), format_number(value)]))
    return "\n\n".join(
        [
            rf"**Update** with learning rate $\alpha = {format_number(lr)}$: $w' = w - \alpha\, \partial L/\partial w$ "
            r"and $b' = b - \alpha\, \partial L/\partial b$.",
            _block(lines),
            "**New outputs** with the new weights and bias:",
            _block(out_lines),
            "**New loss**, from the new outputs:",
            aligned(_loss("L'", s.new_y_hat, s.y, s.new_loss)),
            verdict(s, convergence_limit),
        ]
    )
