"""Practice mode: the learner's own answers marked right or wrong, and fresh exercises with clean answers."""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from core.exercise.conv1d import Layer, Solution, solve
from core.exercise.numbers import NumberError, parse_number, parse_vector

# What the learner answers: key → (label, how to read the solution's value).
QUESTIONS = {
    "y_hat": ("ŷ (outputs)", lambda s: s.y_hat),
    "loss": ("L (loss)", lambda s: s.loss),
    "d_w": ("∂L/∂w", lambda s: s.grads.d_w),
    "d_b": ("∂L/∂b", lambda s: s.grads.d_b),
    "w_new": ("w′ (new weights)", lambda s: s.new_layer.w),
    "b_new": ("b′ (new bias)", lambda s: s.new_layer.b),
}
# Answers rounded to two decimals are right.
TOLERANCE = Fraction(5, 1000) + Fraction(1, 10**9)
LEARNING_RATES = (Fraction(1, 10), Fraction(1, 20), Fraction(1, 50), Fraction(1, 100), Fraction(1, 1000))


@dataclass(frozen=True)
class Mark:
    correct: bool | None  # None: not answered yet, or not readable
    message: str


def correct_value(solution: Solution, key: str):
    return QUESTIONS[key][1](solution)


def check_answer(solution: Solution, key: str, text: str) -> Mark:
    """Right if every number is within rounding to two decimals of the exact answer."""
    expected = correct_value(solution, key)
    if not text or not text.strip():
        return Mark(None, "Not answered yet.")
    try:
        if isinstance(expected, tuple):
            given = parse_vector(text, max_length=64)
        else:
            given = (parse_number(text),)
    except NumberError as error:
        return Mark(None, f"Can't read this: {error}.")
    wanted = expected if isinstance(expected, tuple) else (expected,)
    if len(given) != len(wanted):
        return Mark(False, f"Expected {len(wanted)} numbers, got {len(given)}.")
    wrong = [i + 1 for i, (g, e) in enumerate(zip(given, wanted)) if abs(g - e) > TOLERANCE]
    if not wrong:
        return Mark(True, "Right.")
    if len(wanted) == 1:
        return Mark(False, "Not quite: check this one again.")
    entries = ("entry " if len(wrong) == 1 else "entries ") + ", ".join(map(str, wrong))
    return Mark(False, f"Not quite: check {entries}.")


def check_answers(solution: Solution, answers: Mapping[str, str]) -> dict[str, Mark]:
    return {key: check_answer(solution, key, answers.get(key, "")) for key in QUESTIONS}


def random_exercise(rng: random.Random) -> tuple[Layer, tuple[Fraction, ...], Fraction]:
    """Small integers, a loss that falls, and answers with at most a few decimals."""
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
        if not 2 <= m <= 4:
            continue
        y_hat = layer.forward()
        y = tuple(v - rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)) for v in y_hat)
        if any(abs(v) > 30 for v in y_hat + y):
            continue
        for lr in LEARNING_RATES:
            solution = solve(layer, y, lr)
            # Take the largest rate that lowers the loss clearly but not to nearly zero.
            if solution.new_loss < solution.loss * Fraction(9, 10):
                return layer, y, lr
