"""Practice mode: the task stated in full, the learner's answers marked (naming the usual mistakes), fresh exercises."""

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from core.exercise.conv1d import Layer, Solution, solve
from core.exercise.numbers import NumberError, compact_number, format_number, parse_number, parse_vector, text_number
from core.exercise.typeset import inline_vector


@dataclass(frozen=True)
class Question:
    label: str  # the answer field's label
    asks: str  # what the task asks for, Markdown with LaTeX
    answer: Callable[[Solution], object]  # the exact answer: a Fraction or a tuple of them


QUESTIONS = {
    "y_hat": Question("ŷ (outputs)", r"$\hat y$, every output of the layer", lambda s: s.y_hat),
    "loss": Question("L (loss)", "$L$, the loss", lambda s: s.loss),
    "d_w": Question(
        "∂L/∂w", r"$\partial L/\partial w$, the gradient of the loss for each weight", lambda s: s.grads.d_w
    ),
    "d_b": Question("∂L/∂b", r"$\partial L/\partial b$, the gradient of the loss for the bias", lambda s: s.grads.d_b),
    "w_new": Question(
        "w′ (new weights)",
        r"$w' = w - \alpha\, \partial L/\partial w$, the weights after one step of gradient descent",
        lambda s: s.new_layer.w,
    ),
    "b_new": Question(
        "b′ (new bias)",
        r"$b' = b - \alpha\, \partial L/\partial b$, the bias after the same step",
        lambda s: s.new_layer.b,
    ),
}
# Answers rounded to two decimals are right.
TOLERANCE = Fraction(5, 1000) + Fraction(1, 10**9)
ANSWER_RULE = "Type vectors as `1, 2, 3`. Answers rounded to two decimals count as right."
LEARNING_RATES = (Fraction(1, 10), Fraction(1, 20), Fraction(1, 50), Fraction(1, 100), Fraction(1, 1000))


def task_text(layer: Layer, y, lr: Fraction) -> str:
    """The exercise in full, as a sheet of paper would state it: the layer, the loss, the step, the questions."""
    k, s, p = len(layer.w), layer.stride, layer.padding
    x = r"\tilde x" if p else "x"
    padded = rf", where $\tilde x$ is $x$ with {p} zero{'s' if p > 1 else ''} added at each end" if p else ""
    questions = "\n".join(f"{number}. {question.asks};" for number, question in enumerate(QUESTIONS.values(), 1))
    return "\n\n".join(
        [
            rf"**The layer.** Input $x = {_exact(layer.x)}$, kernel $w = {_exact(layer.w)}$, bias "
            rf"$b = {compact_number(layer.b)}$, stride $s = {s}$, padding $p = {p}$. Each output is the window "
            rf"times the kernel, read left to right (a cross-correlation: the kernel is not flipped), plus the bias: "
            rf"$\hat y_i = \sum_{{l=1}}^{{{k}}} {x}_{{s(i-1)+l}}\, w_l + b${padded}.",
            rf"**The loss.** Targets $y = {_exact(y)}$ and the squared error "
            r"$L = \tfrac12 \sum_i (\hat y_i - y_i)^2$ (half the sum, not the mean).",
            rf"**The step.** One step of gradient descent with learning rate $\alpha = {compact_number(lr)}$.",
            "**Find**\n\n" + questions[:-1] + ".",
        ]
    )


def _exact(values) -> str:
    return inline_vector([compact_number(v) for v in values])


@dataclass(frozen=True)
class Mark:
    correct: bool | None  # None: not answered yet, or not readable
    message: str


def correct_value(solution: Solution, key: str):
    return QUESTIONS[key].answer(solution)


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _close(given: tuple, wanted: tuple, tolerance: Fraction = TOLERANCE) -> bool:
    return len(given) == len(wanted) and all(abs(g - e) <= tolerance for g, e in zip(given, wanted))


def mistakes(s: Solution, key: str) -> list[tuple[object, str]]:
    """The usual wrong answers to one question, worked out exactly, each with what went wrong."""
    half = r"the loss has a ½ in front, $L = \tfrac12 \sum_i (\hat y_i - y_i)^2$"
    layer, grads, lr = s.layer, s.grads, s.lr
    x = r"\tilde x" if layer.padding else "x"
    if key == "y_hat":
        flipped = Layer(layer.x, layer.w[::-1], layer.b, layer.stride, layer.padding).forward()
        return [
            (
                flipped,
                "This is the true convolution, with the kernel flipped. This layer is a cross-correlation: "
                "each window is multiplied by w as written, left to right.",
            ),
            (
                tuple(v - layer.b for v in s.y_hat),
                f"The bias is missing: b = {text_number(layer.b)} is added to every output.",
            ),
        ]
    if key == "loss":
        found = [(2 * s.loss, f"Your L is twice the answer: {half}.")]
        if len(s.y) != 2:  # with two outputs the mean and half the sum are the same number
            found.append((2 * s.loss / len(s.y), f"This is the mean of the squared errors, but {half}: half the sum."))
        return found
    if key in ("d_w", "d_b"):
        name = r"$\partial L/\partial w$" if key == "d_w" else r"$\partial L/\partial b$"
        g = correct_value(s, key)
        doubled = tuple(2 * v for v in g) if key == "d_w" else 2 * g
        negated = tuple(-v for v in g) if key == "d_w" else -g
        rule = (
            rf"$\partial L/\partial w_l = \sum_j (\hat y_j - y_j)\, {x}_{{s(j-1)+l}}$"
            if key == "d_w"
            else r"$\partial L/\partial b = \sum_j (\hat y_j - y_j)$, their sum"
        )
        return [
            (doubled, rf"Your {name} is twice the answer: {half}, so $\partial L/\partial \hat y_i = \hat y_i - y_i$."),
            (negated, r"The sign is flipped: $\partial L/\partial \hat y_i = \hat y_i - y_i$, not $y_i - \hat y_i$."),
            (
                grads.d_y_hat,
                rf"These are $\partial L/\partial \hat y = \hat y - y$, the gradient of the outputs. "
                rf"{name} goes one step further: {rule}.",
            ),
        ]
    # The new weights or bias: the old value, the gradient, and the usual slips in w − α g.
    if key == "w_new":
        old, g, symbol = layer.w, grads.d_w, "w"
    else:
        old, g, symbol = (layer.b,), (grads.d_b,), "b"
    update = rf"${symbol}' = {symbol} - \alpha\, \partial L/\partial {symbol}$"
    found = [
        (tuple(o + lr * d for o, d in zip(old, g)), f"You stepped uphill: gradient descent subtracts, {update}."),
        (tuple(o - 2 * lr * d for o, d in zip(old, g)), f"Your step is twice the right one: {half}."),
        (
            old,
            f"{'These are the old weights' if symbol == 'w' else 'This is the old bias'}: the step {update} "
            + ("moves them." if symbol == "w" else "moves it."),
        ),
        (
            tuple(o - d for o, d in zip(old, g)),
            f"The step is missing the learning rate: {update} with $\\alpha = {format_number(lr)}$.",
        ),
    ]
    return found if key == "w_new" else [(value[0], message) for value, message in found]


def _read_answer(text: str, expects_list: bool) -> tuple[Fraction, ...]:
    """A list is read even where one number is asked for: giving ∂L/∂ŷ for ∂L/∂b is a slip worth naming."""
    if expects_list:
        return parse_vector(text, max_length=64)
    try:
        return (parse_number(text),)
    except NumberError as error:
        message = str(error)
    try:
        return parse_vector(text, max_length=64)
    except NumberError:
        raise NumberError(message) from None


def check_answer(solution: Solution, key: str, text: str) -> Mark:
    """Right if every number is within rounding to two decimals of the exact answer; a usual mistake is named."""
    expected = correct_value(solution, key)
    if not text or not text.strip():
        return Mark(None, "Not answered yet.")
    try:
        given = _read_answer(text, isinstance(expected, tuple))
    except NumberError as error:
        return Mark(None, f"Can't read this: {error}.")
    wanted = _as_tuple(expected)
    if _close(given, wanted):
        return Mark(True, "Right.")
    for value, message in mistakes(solution, key):
        # A slip that gives the right number here is no slip: only name it when it is told apart from the answer.
        if _close(given, _as_tuple(value)) and not _close(_as_tuple(value), wanted, 2 * TOLERANCE):
            return Mark(False, message)
    if len(given) != len(wanted):
        return Mark(False, f"Expected {_count(len(wanted))}, got {len(given)}.")
    wrong = [i + 1 for i, (g, e) in enumerate(zip(given, wanted)) if abs(g - e) > TOLERANCE]
    if len(wanted) == 1:
        return Mark(False, "Not quite: check this one again.")
    entries = ("entry " if len(wrong) == 1 else "entries ") + ", ".join(map(str, wrong))
    return Mark(False, f"Not quite: check {entries}.")


def _count(n: int) -> str:
    return f"{n} number{'s' if n != 1 else ''}"


def check_answers(solution: Solution, answers: Mapping[str, str]) -> dict[str, Mark]:
    return {key: check_answer(solution, key, answers.get(key, "")) for key in QUESTIONS}


# The slips a generated exercise must tell apart from the answer: the ones about the gradient and the step.
TOLD_APART = ("loss", "d_w", "d_b", "w_new", "b_new")


def tells_mistakes_apart(solution: Solution) -> bool:
    """No slip of the gradient or the step (an unchanged b′, a step uphill…) would be marked right."""
    return not any(
        _close(_as_tuple(value), _as_tuple(correct_value(solution, key)), 2 * TOLERANCE)
        for key in TOLD_APART
        for value, _ in mistakes(solution, key)
    )


def random_exercise(rng: random.Random) -> tuple[Layer, tuple[Fraction, ...], Fraction]:
    """Small integers, a kernel that is not all zero, a loss that falls, and no slip that passes for the answer."""
    while True:
        n = rng.randint(4, 6)
        k = rng.randint(2, 3)
        stride = rng.choice((1, 1, 1, 2))
        padding = rng.choice((0, 0, 0, 1))
        layer = Layer(
            tuple(Fraction(rng.randint(-3, 5)) for _ in range(n)),
            tuple(Fraction(rng.randint(-2, 3)) for _ in range(k)),
            Fraction(rng.randint(-2, 2)),
            stride,
            padding,
        )
        m = layer.output_length
        if not 2 <= m <= 4 or not any(layer.w):
            continue
        y_hat = layer.forward()
        y = tuple(v - rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)) for v in y_hat)
        if any(abs(v) > 30 for v in y_hat + y):
            continue
        for lr in LEARNING_RATES:
            solution = solve(layer, y, lr)
            # Take the largest rate that lowers the loss clearly but not to nearly zero.
            if solution.new_loss < solution.loss * Fraction(9, 10):
                if tells_mistakes_apart(solution):
                    return layer, y, lr
                break
