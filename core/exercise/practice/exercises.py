"""Practice mode: the task stated in full, the learner's answers marked (naming the usual mistakes), fresh exercises."""

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from core.exercise.layer.conv1d import Layer, Solution, solve
from core.exercise.practice.questions import (
    ALL_QUESTIONS,
    EXTRA_QUESTIONS,
    LOSS_LATEX,
    QUESTIONS,
    TOLERANCE,
    Rows,
    as_rows,
    close,
    correct_value,
    padded,
    window_index,
)
from core.exercise.practice.slips import all_slips, slips
from core.exercise.writing.numbers import NumberError, compact_number, parse_number, parse_vector
from core.exercise.writing.typeset import inline_vector

ANSWER_RULE = "Type vectors as `1, 2, 3`. Answers rounded to two decimals count as right."
MATRIX_RULE = "Type a matrix row by row, the rows separated by semicolons: `2, 1, 0; 0, 2, 1`."
LEARNING_RATES = (Fraction(1, 10), Fraction(1, 20), Fraction(1, 50), Fraction(1, 100), Fraction(1, 1000))

LOSS_WORDS = {"half": "half the sum, not the mean", "sum": "the sum, without a ½, not the mean"}


def task_text(layer: Layer, y, lr: Fraction, rule: str = "half", extra: Iterable[str] = ()) -> str:
    """The exercise in full, as a sheet of paper would state it: the layer and its conventions, the loss, the step,
    the questions (the six of the classic exercise, then any of EXTRA_QUESTIONS asked)."""
    k, s, p, d, m = len(layer.w), layer.stride, layer.padding, layer.dilation, layer.output_length
    x = padded(layer)
    window = rf"{x}_{{{window_index(layer)}}}"
    if layer.flipped:
        operation = (
            rf"Each output is the window times the kernel flipped (a true convolution: the window meets $w_{{{k}}}$ "
            rf"first and $w_1$ last), plus the bias: $\hat y_i = \sum_{{l=1}}^{{{k}}} {window}\, w_{{k+1-l}} + b$"
        )
    else:
        operation = (
            r"Each output is the window times the kernel, read left to right (a cross-correlation: the kernel is "
            rf"not flipped), plus the bias: $\hat y_i = \sum_{{l=1}}^{{{k}}} {window}\, w_l + b$"
        )
    notes = []
    if p:
        notes.append(rf"$\tilde x$ is $x$ with {p} zero{'s' if p > 1 else ''} added at each end")
    if d > 1:
        notes.append(f"the dilation skips {d - 1} input{'s' if d > 2 else ''} between neighbouring weights")
    where = (", where " + " and ".join(notes)) if notes else ""
    dilation = f", dilation $d = {d}$" if d > 1 else ""
    if rule == "mean":
        loss = rf"$L = \tfrac1m \sum_{{i=1}}^m (\hat y_i - y_i)^2$, the mean over the $m = {m}$ outputs"
    else:
        loss = rf"${LOSS_LATEX[rule]}$ ({LOSS_WORDS[rule]})"
    asked = [QUESTIONS[key] for key in QUESTIONS] + [EXTRA_QUESTIONS[key] for key in EXTRA_QUESTIONS if key in extra]
    questions = "\n".join(f"{n}. {question.asks.replace('{x}', x)};" for n, question in enumerate(asked, 1))
    return "\n\n".join(
        [
            rf"**The layer.** Input $x = {_exact(layer.x)}$, kernel $w = {_exact(layer.w)}$, bias "
            rf"$b = {compact_number(layer.b)}$, stride $s = {s}$, padding $p = {p}${dilation}. "
            rf"{operation}{where}.",
            rf"**The loss.** Targets $y = {_exact(y)}$ and the squared error {loss}.",
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


def read_answer(text: str, shape: str) -> Rows:
    """A number, a vector, or a matrix typed row by row ("2, 1, 0; 0, 2, 1").

    A list is read even where one number is asked for: giving ∂L/∂ŷ for ∂L/∂b is a slip worth naming.
    """
    if shape == "matrix":
        return _read_matrix(text)
    if shape == "vector":
        return (parse_vector(text, max_length=64),)
    try:
        return ((parse_number(text),),)
    except NumberError as error:
        message = str(error)
    try:
        return (parse_vector(text, max_length=64),)
    except NumberError:
        raise NumberError(message) from None


def _read_matrix(text: str) -> Rows:
    """Rows separated by semicolons or new lines; "[[2, 1], [0, 2]]", as NumPy prints, is read too."""
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]"):
        text = re.sub(r"\]\s*,\s*\[", "];[", text[1:-1])
    rows = [row for row in re.split(r"[;\n]", text) if row.strip()]  # a trailing or doubled semicolon is forgiven
    if not rows:
        raise NumberError("there are no numbers here")
    if len(rows) > 64:
        raise NumberError("this has too many rows")
    return tuple(parse_vector(row, max_length=64) for row in rows)


def check_answer(solution: Solution, key: str, text: str) -> Mark:
    """Right if every number is within rounding to two decimals of the exact answer; a usual mistake is named."""
    question = ALL_QUESTIONS[key]
    if not text or not text.strip():
        return Mark(None, "Not answered yet.")
    try:
        given = read_answer(text, question.shape)
    except NumberError as error:
        return Mark(None, f"Can't read this: {error}.")
    wanted = as_rows(correct_value(solution, key))
    if close(given, wanted):
        return Mark(True, "Right.")
    for slip in slips(solution, key):
        # A slip that gives the right number here is no slip: only name it when it is told apart from the answer.
        if close(given, slip.value) and not close(slip.value, wanted, 2 * TOLERANCE):
            return Mark(False, slip.message)
    if question.shape == "matrix":
        return _matrix_mark(given, wanted)
    given, wanted = given[0], wanted[0]
    if len(given) != len(wanted):
        return Mark(False, f"Expected {_count(len(wanted))}, got {len(given)}.")
    wrong = [i + 1 for i, (g, e) in enumerate(zip(given, wanted)) if abs(g - e) > TOLERANCE]
    if len(wanted) == 1:
        return Mark(False, "Not quite: check this one again.")
    entries = ("entry " if len(wrong) == 1 else "entries ") + ", ".join(map(str, wrong))
    return Mark(False, f"Not quite: check {entries}.")


def _matrix_mark(given: Rows, wanted: Rows) -> Mark:
    shape = f"{len(wanted)} row{'s' if len(wanted) != 1 else ''} of {_count(len(wanted[0]))}"
    if len(given) != len(wanted) or any(len(row) != len(wanted[0]) for row in given):
        sizes = sorted({len(row) for row in given})
        got = f"{len(given)} row{'s' if len(given) != 1 else ''} of " + " or ".join(map(str, sizes))
        return Mark(False, f"Expected {shape}, one row per output; got {got}.")
    wrong = [i + 1 for i, (g, e) in enumerate(zip(given, wanted)) if not close(g, e)]
    rows = ("row " if len(wrong) == 1 else "rows ") + ", ".join(map(str, wrong))
    return Mark(False, f"Not quite: check {rows}.")


def _count(n: int) -> str:
    return f"{n} number{'s' if n != 1 else ''}"


def check_answers(
    solution: Solution, answers: Mapping[str, str], keys: Iterable[str] = tuple(QUESTIONS)
) -> dict[str, Mark]:
    return {key: check_answer(solution, key, answers.get(key, "")) for key in keys}


LEVELS = {
    "basic": "Stride 1 only",
    "stride_padding": "Stride and padding",
    "input_gradient": "With ∂L/∂x",
    "dilation": "With dilation",
}


def tells_mistakes_apart(solution: Solution) -> bool:
    """No usual slip (an unchanged b′, a step uphill, the flipped kernel…) would be marked right."""
    return not any(
        slip.essential and close(slip.value, correct_value(solution, key), 2 * TOLERANCE)
        for key, found in all_slips(solution).items()
        for slip in found
    )


def _geometry(rng: random.Random, level: str) -> tuple[int, int, int, int, int]:
    """n, k, stride, padding, dilation for one exercise at this level."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: one of {', '.join(LEVELS)}")
    n = rng.randint(4, 6)
    k = rng.randint(2, 3)
    if level == "basic":
        return n, k, 1, 0, 1
    stride = rng.choice((1, 1, 1, 2))
    padding = rng.choice((0, 0, 0, 1))
    if level != "dilation":
        return n, k, stride, padding, 1
    # A dilated kernel spans d(k − 1) + 1 inputs: a slightly longer input leaves room for two outputs or more.
    dilation = rng.choice((2, 2, 2, 3)) if k == 2 else 2
    return rng.randint(5, 7), k, stride, padding, dilation


def _clean(value, places: int = 3) -> bool:
    return all((v * 10**places).denominator == 1 for row in as_rows(value) for v in row)


def clean_answers(solution: Solution) -> bool:
    """Every answer, ∂L/∂x included, ends within three decimals."""
    return all(_clean(question.answer(solution)) for question in ALL_QUESTIONS.values())


def random_exercise(
    rng: random.Random, level: str = "stride_padding", operation: str = "correlation", rule: str = "half"
) -> tuple[Layer, tuple[Fraction, ...], Fraction]:
    """Small integers, a kernel that is not all zero, answers with at most three decimals, a loss that falls,
    and no slip that passes for the answer; the layer has the operation given, the checks use the loss rule."""
    while True:
        n, k, stride, padding, dilation = _geometry(rng, level)
        layer = Layer(
            tuple(Fraction(rng.randint(-3, 5)) for _ in range(n)),
            tuple(Fraction(rng.randint(-2, 3)) for _ in range(k)),
            Fraction(rng.randint(-2, 2)),
            stride,
            padding,
            dilation,
            operation,
        )
        m = layer.output_length
        if not 2 <= m <= 4 or not any(layer.w):
            continue
        y_hat = layer.forward()
        # Under the mean, ∂L/∂ŷ = (2/m)(ŷ − y): with m = 3 the errors are multiples of 3 to keep decimals short.
        errors = (-6, -3, 3, 6) if rule == "mean" and m % 3 == 0 else (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
        y = tuple(v - rng.choice(errors) for v in y_hat)
        if any(abs(v) > 30 for v in y_hat + y):
            continue
        for lr in LEARNING_RATES:
            solution = solve(layer, y, lr, rule)
            # Take the largest rate that lowers the loss clearly but not to nearly zero.
            if solution.new_loss < solution.loss * Fraction(9, 10):
                if clean_answers(solution) and tells_mistakes_apart(solution):
                    return layer, y, lr
                break
