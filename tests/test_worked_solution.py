"""The written-out solution: every number of the classic exercise, exact, in a good student's order."""

from fractions import Fraction as F

from core.exercise.conv1d import Layer
from core.exercise.worked_solution import worked_solution

CLASSIC = Layer(tuple(map(F, (1, 2, 3, 4))), tuple(map(F, (2, 1, 3))), F(1))


def test_classic_solution_shows_every_number_in_order():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100)).to_markdown()
    forward_loss_gradients = ["= 14", "= 20", "= 200", "= 44", "= 72", "= 100", "= 28", "= 24", "= 52", "= 48"]
    one_step = ["= 1.56", "= 0.28", "= 0.72", "= 8.84", "= 12.68", "= 61.064", "The loss fell"]
    positions = [text.index(piece, text.index("1. Forward pass")) for piece in forward_loss_gradients + one_step]
    assert positions == sorted(positions)


def test_forward_pass_writes_out_each_output_with_the_numbers_substituted():
    text = worked_solution(CLASSIC).to_markdown()
    assert r"x_{1} w_{1} + x_{2} w_{2} + x_{3} w_{3} + b = 1 \cdot 2 + 2 \cdot 1 + 3 \cdot 3 + 1 = 14" in text
    assert r"\left\lfloor \frac{4 + 2\cdot 0 - 3}{1} \right\rfloor + 1 = 2" in text


def test_no_floating_point_noise_anywhere():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100)).to_markdown()
    assert "0.28000000000000025" not in text and "0000000" not in text


def test_a_rising_loss_is_explained_as_a_step_too_large():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 10)).to_markdown()
    assert "The loss rose" in text and "too large" in text and "Try a learning rate below 0.04464…" in text


def test_stride_and_padding_are_named_in_the_gradient_statement():
    layer = Layer(tuple(map(F, (1, 2, 3, 4, 5))), tuple(map(F, (1, -1))), F(0), stride=2, padding=1)
    text = worked_solution(layer, (F(0), F(0), F(0)), F(1, 100)).to_markdown()
    assert r"\tilde x = \left(0,\ 1,\ 2,\ 3,\ 4,\ 5,\ 0\right)" in text
    assert "dilated by the stride" in text and "padded input" in text


def test_without_targets_the_solution_stops_after_the_forward_pass_and_says_why():
    solution = worked_solution(CLASSIC)
    assert [s.title for s in solution.sections] == ["1. Forward pass"]
    assert "targets y" in solution.missing


def test_a_perfect_fit_says_the_gradient_is_zero():
    text = worked_solution(CLASSIC, (F(14), F(20)), F(1, 100)).to_markdown()
    assert "gradient is zero" in text
