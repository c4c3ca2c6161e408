"""The exercise written out as a good student would on paper, in Markdown with LaTeX, numbers substituted.

The page renders these sections and the export button downloads the same text, so the two never differ.
Every line follows the layer's stride, padding and dilation, its operation (cross-correlation or true
convolution) and the loss rule (½Σ, Σ or the mean).
"""

from dataclasses import dataclass
from fractions import Fraction

from core.exercise.layer.conv1d import (
    Gradients,
    Layer,
    Solution,
    backward,
    cross_correlate,
    dilate,
    loss_scale,
    solve,
    squared_error,
)
from core.exercise.layer.conventions import change_note
from core.exercise.layer.descent import stable_learning_rate
from core.exercise.layer.formulas import (
    forward_latex,
    gradient_factor_latex,
    input_gradient_latex,
    input_gradient_terms,
    loss_definition_latex,
    loss_factor_latex,
    output_gradient_latex,
    output_length_latex,
    padded_symbol,
    slack,
    weight_gradient_inputs,
    weight_gradient_latex,
    window_inputs,
)
from core.exercise.writing.numbers import (
    SIGNIFICANT_DIGITS,
    format_factor,
    format_number,
    format_vector,
    full_stop,
    ordinal,
    text_number,
)
from core.exercise.writing.step_verdict import verdict
from core.exercise.writing.typeset import Terms, aligned, equation, inline_sum, inline_vector

AGREEMENT = (
    "Every number here is computed exactly (fractions, not floating point) and agrees with PyTorch's autograd: "
    "the test suite checks it on hundreds of random layers with strides 1–3, paddings 0–2, dilations 1–3 and kernels "
    "of 1–5 weights, in each convention (cross-correlation or true convolution; loss ½Σ, Σ or the mean). "
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
    convention: str | None = None  # what differs from the classic convention (the page shows it by the switches)

    def to_markdown(self) -> str:
        parts = ["# Convolution by hand: worked solution", ""]
        if self.convention:
            parts += [f"*{self.convention}*", ""]
        for section in self.sections:
            parts += [f"## {section.title}", "", section.body, ""]
        if self.missing:
            parts += [f"*{self.missing}*", ""]
        parts += [f"*{AGREEMENT}*", ""]
        return "\n".join(parts)


def worked_solution(layer: Layer, y=None, lr: Fraction | None = None, rule: str = "half") -> WorkedSolution:
    """As much of the solution as the inputs allow: the forward pass needs only the layer."""
    note = change_note(layer, rule)
    sections = [Section("1. Forward pass", forward_text(layer))]
    if y is None:
        missing = "Enter targets y of the right length to see the loss and the gradients."
        return WorkedSolution(tuple(sections), missing, note)
    y_hat = layer.forward()
    grads = backward(layer, y_hat, y, rule)
    sections += [
        Section("2. Loss", loss_text(y_hat, y, rule)),
        Section("3. Gradients of the weights and the bias", gradients_text(layer, grads, y, rule)),
        Section("4. Backpropagation to the input", input_gradient_text(layer, grads, rule)),
    ]
    if lr is None:
        return WorkedSolution(tuple(sections), "Enter a learning rate to take the gradient-descent step.", note)
    solution = solve(layer, y, lr, rule)
    sections.append(Section("5. One step of gradient descent", sgd_text(solution, stable_learning_rate(layer, rule))))
    return WorkedSolution(tuple([Section("Answers", answers_text(solution))] + sections), None, note)


def _block(equations: list[list[str]]) -> str:
    """Equations one under the other, each as the rows typeset.equation broke it into."""
    return aligned([row for rows in equations for row in rows])


def _vec(values) -> str:
    """A vector inside a sentence: it wraps after a comma, like the words around it."""
    return inline_vector([format_number(v) for v in values])


def _loss(symbol: str, y_hat, y, loss, rule: str = "half") -> list[str]:
    """L = ½[(ŷ₁ − y₁)² + …] = ½[squares] = L (Σ: no factor; mean: 1/m), over as many rows as the column needs."""
    terms = [rf"({format_number(a)} - {format_factor(t)})^2" for a, t in zip(y_hat, y)]
    squares = [format_number((a - t) ** 2) for a, t in zip(y_hat, y)]
    factor = loss_factor_latex(rule, len(y))
    before, after = (factor + r"\Big[", r"\Big]") if factor else ("", "")
    return equation(
        symbol,
        [
            Terms(terms, before=before, after=after),
            Terms(squares, before=before, after=after),
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


def _slack_numbers(layer: Layer) -> str:
    """The output-length rule's numerator with the numbers in: 4 + 2·0 − 3, or 6 + 2·0 − 2·2 − 1 when dilated."""
    n, k, p, d = len(layer.x), len(layer.w), layer.padding, layer.dilation
    if d == 1:
        return rf"{n} + 2\cdot {p} - {k}"
    return rf"{n} + 2\cdot {p} - {d}\cdot {k - 1} - 1"


def _window_words(layer: Layer) -> str:
    """How the window is laid out, for the output-length sentence."""
    p, d = layer.padding, layer.dilation
    words = "**Output length.** A window of $k$ weights"
    if d > 1:
        words += (
            f" dilated by $d = {d}$ (${d - 1}$ input{'s' if d > 2 else ''} skipped between neighbouring weights, "
            f"so it spans $d(k-1)+1 = {layer.span}$ inputs)"
        )
    words += " slides over the input "
    if p:
        words += f"padded with $p = {p}$ zero{'s' if p > 1 else ''} on each side "
    return words + "in steps of $s$:"


def _order_words(layer: Layer) -> str:
    if not layer.flipped:
        return ""
    return rf", the window meeting the kernel flipped ($w_{{{len(layer.w)}}}$ first: a true convolution)"


def forward_terms(layer: Layer, i: int) -> list[tuple[int, int]]:
    """(l, q) of output i's window, left to right along the input: the order a student writes them in."""
    return sorted(window_inputs(layer, i), key=lambda pair: pair[1])


def _output_lines(layer: Layer, w, b, with_symbols: bool) -> list[list[str]]:
    """ŷ_i = x̃_q w_l + … + b = numbers = value for the layer's own w and b; ŷ_i' = numbers = value for new ones."""
    x, xp = padded_symbol(layer), layer.padded_x
    values = layer.with_parameters(w, b).forward()
    lines = []
    for i, value in enumerate(values, start=1):
        terms = forward_terms(layer, i)
        numbers = [rf"{format_factor(xp[q - 1])} \cdot {format_factor(w[l - 1])}" for l, q in terms]
        numbers.append(format_factor(b))
        sides = [Terms(numbers), format_number(value)]
        if with_symbols:
            sides.insert(0, Terms([f"{x}_{{{q}}} w_{{{l}}}" for l, q in terms] + ["b"]))
        prime = "" if with_symbols else "'"
        lines.append(equation(rf"\hat y_{{{i}}}{prime}", sides))
    return lines


def forward_text(layer: Layer) -> str:
    s, p, m = layer.stride, layer.padding, layer.output_length
    parts = [
        _window_words(layer),
        rf"$${output_length_latex(layer)}"
        rf" = \left\lfloor \frac{{{_slack_numbers(layer)}}}{{{s}}} \right\rfloor + 1 = {m}$$",
    ]
    if p:
        parts.append(rf"**Padding.** $\tilde x = {_vec(layer.padded_x)}$, the input with its zeros.")
    parts.append(rf"**Each output.** ${forward_latex(layer)}${_order_words(layer)}:")
    parts.append(_block(_output_lines(layer, layer.w, layer.b, with_symbols=True)))
    parts.append(rf"So $\hat y = {_vec(layer.forward())}.$")  # the full stop inside: never alone on a line
    return "\n\n".join(parts)


def loss_text(y_hat, y, rule: str = "half") -> str:
    definition = loss_definition_latex(rule, len(y)).replace("L = ", "L &= ", 1)
    return aligned([definition, *_loss("", y_hat, y, squared_error(y_hat, y, rule), rule)])


def _output_gradient_lines(y_hat, y, d_y_hat, rule: str) -> list[list[str]]:
    """∂L/∂ŷ_i = c(ŷ_i − y_i) = c(14 − 2) = 24, per output."""
    m, c = len(y), gradient_factor_latex(rule, len(y))
    lines = []
    for i, (a, t, d) in enumerate(zip(y_hat, y, d_y_hat), start=1):
        numbers = rf"{format_number(a)} - {format_factor(t)}"
        lines.append(
            equation(
                rf"\frac{{\partial L}}{{\partial \hat y_{{{i}}}}}",
                [output_gradient_latex(rule, m, str(i)), f"{c}({numbers})" if c else numbers, format_number(d)],
            )
        )
    return lines


def gradients_text(layer: Layer, grads: Gradients, y=None, rule: str = "half") -> str:
    x, xp, m = padded_symbol(layer), layer.padded_x, layer.output_length
    y_hat = layer.forward()
    if y is None:  # ŷ − y from the gradient itself: c(ŷ − y) = δ
        c = loss_scale(rule, m)
        y = tuple(a - d / c for a, d in zip(y_hat, grads.d_y_hat))
    why = {
        "half": "the ½ cancels the 2 of the square's derivative",
        "sum": "the square's derivative brings a 2, and no ½ cancels it",
        "mean": f"the square's derivative brings a 2, and the mean divides by $m = {m}$",
    }[rule]
    parts = [
        rf"**Outputs.** $\dfrac{{\partial L}}{{\partial \hat y_i}} = {output_gradient_latex(rule, m)}$ ({why}):",
        _block(_output_gradient_lines(y_hat, y, grads.d_y_hat, rule)),
        rf"**Weights.** Each weight touches every output, once per window: ${weight_gradient_latex(layer, rule)}$:",
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
            r"$\dfrac{\partial L}{\partial b} = \sum_j \dfrac{\partial L}{\partial \hat y_j} = "
            rf"{inline_sum([format_factor(d) for d in grads.d_y_hat])} = {format_number(grads.d_b)}$"
        )
    )
    return "\n\n".join(parts)


def _unreached_reason(layer: Layer) -> str:
    """Why the last r positions of x̃ are in no window: n + 2p − d(k−1) − 1 is not a multiple of s."""
    n, s, p, r = len(layer.x), layer.stride, layer.padding, layer.unreached
    where = "position" if r == 1 else f"{r} positions"
    return (
        rf"the last {where} of ${padded_symbol(layer)}$ lie{'s' if r == 1 else ''} beyond the last window "
        rf"(${slack(layer).text} = {n + 2 * p - layer.span}$ is not a multiple of $s = {s}$)"
    )


def kept_entries(layer: Layer) -> list[int]:
    """Which entries of the correlation of x̃ with the dilated ∂L/∂ŷ are ∂L/∂w_1 … ∂L/∂w_k (1-based, in w's order)."""
    return [layer.tap(l) + 1 for l in range(len(layer.w))]


def _spread(layer: Layer) -> tuple[int, bool]:
    """The dilation and the flip as they matter: a single weight has no gaps and reads the same flipped."""
    many = len(layer.w) > 1
    return (layer.dilation if many else 1), (layer.flipped and many)


def weight_gradient_statement(layer: Layer, grads: Gradients) -> str:
    """∂L/∂w as a cross-correlation: which of its entries are the weights' (dilation, flip), and why any are left."""
    s, k, r = layer.stride, len(layer.w), layer.unreached
    d, flipped = _spread(layer)
    source = "padded input $\\tilde x$" if layer.padding else "input $x$"
    gradient = rf"So $\dfrac{{\partial L}}{{\partial w}} = {_vec(grads.d_w)}$"
    if s == 1 and d == 1 and not flipped:
        return (
            rf"{gradient} is the cross-correlation of the {source} with $\dfrac{{\partial L}}{{\partial \hat y}}$: "
            "the same sliding window as the forward pass, with the gradient of the outputs as the kernel."
        )
    strided = (
        rf" dilated by the stride ($s - 1 = {s - 1}$ zero{'s' if s > 2 else ''} between its entries): "
        rf"${_vec(dilate(grads.d_y_hat, s))}$"
        if s > 1
        else ""
    )
    if d == 1 and not flipped and not r:
        return (
            rf"{gradient} is the cross-correlation of the {source} with $\dfrac{{\partial L}}{{\partial \hat y}}$"
            + strided.removesuffix("$")
            + ".$"  # the full stop inside the formula: never alone on a line
        )
    correlation = cross_correlate(layer.padded_x, dilate(grads.d_y_hat, s))
    statement = (
        rf"{gradient} comes from the cross-correlation of the {source} with $\dfrac{{\partial L}}{{\partial \hat y}}$"
        rf"{strided}, which is ${_vec(correlation)}$"
    )
    if d > 1:
        entries = ", ".join(map(str, sorted(kept_entries(layer))))
        statement += (
            f", keeping every {ordinal(d)} entry from the first (entries {entries}), as the dilated kernel meets "
            f"every {ordinal(d)} input"
        )
    elif r:
        statement += f", keeping its first $k = {k}$ entries"
    if flipped:
        statement += f", read backwards: the flipped kernel meets $w_{{{k}}}$ first, so $w_1$ gets the last of them"
    if not r:
        return statement + "."
    return (
        statement
        + ". Its last "
        + ("entry belongs" if r == 1 else f"{r} entries belong")
        + f" to no weight, because {_unreached_reason(layer)}."
    )


def input_gradient_kernel(layer: Layer) -> tuple[Fraction, ...]:
    """The kernel ∂L/∂x̃ is the full convolution with: w as the window meets it (flipped for a true convolution),
    with d − 1 zeros between its weights when dilated."""
    return dilate(layer.kernel, layer.dilation)


def input_gradient_statement(layer: Layer, grads: Gradients) -> str:
    """∂L/∂x as a full convolution, with the kernel the window meets, and why its ends are dropped or added."""
    s, p, r = layer.stride, layer.padding, layer.unreached
    d, flipped = _spread(layer)
    if flipped:
        kernel = (
            rf"the kernel as the window meets it, $w$ flipped, ${_vec(layer.kernel)}$"
            + (rf", dilated by $d = {d}$: ${_vec(input_gradient_kernel(layer))}$" if d > 1 else "")
            + r" (a convolution flips it back, so $w$ itself slides along $\partial L/\partial \hat y$)"
        )
    else:
        kernel = (
            "the kernel $w$"
            + (
                rf" dilated by $d = {d}$ (${d - 1}$ zero{'s' if d > 2 else ''} between its weights): "
                rf"${_vec(input_gradient_kernel(layer))}$"
                if d > 1
                else ""
            )
            + " (a convolution slides it flipped)"
        )
    statement = (
        rf"So $\dfrac{{\partial L}}{{\partial x}} = {_vec(grads.d_x)}$: the full convolution of "
        rf"$\dfrac{{\partial L}}{{\partial \hat y}}${' (dilated by the stride)' if s > 1 else ''} with {kernel}"
    )
    if r:
        zeros = "one zero" if r == 1 else f"{r} zeros"
        statement += rf", followed by {zeros} because {_unreached_reason(layer)}"
    if p:
        statement += rf", with the entries of the padding zeros (the first and the last $p = {p}$) dropped"
    return statement + "."


def input_gradient_text(layer: Layer, grads: Gradients, rule: str = "half") -> str:
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
    where = r" (it sits at $\tilde x_{j+p}$)" if layer.padding else ""
    return "\n\n".join(
        [
            "The classic exercise stops at the weights, but a layer inside a network must also pass the "
            "gradient back to its input. Each input value collects the gradient of every output whose window "
            f"covered it, weighted by the weight it met there{where}: ${input_gradient_latex(layer, rule)}$.",
            _block(lines),
            input_gradient_statement(layer, grads),
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
    out_lines = _output_lines(layer, new.w, new.b, with_symbols=False)
    return "\n\n".join(
        [
            rf"**Update** with learning rate $\alpha = {format_number(lr)}$: $w' = w - \alpha\, \partial L/\partial w$ "
            r"and $b' = b - \alpha\, \partial L/\partial b$.",
            _block(lines),
            "**New outputs** with the new weights and bias:",
            _block(out_lines),
            "**New loss**, from the new outputs:",
            aligned(_loss("L'", s.new_y_hat, s.y, s.new_loss, s.loss_rule)),
            verdict(s, convergence_limit),
        ]
    )
