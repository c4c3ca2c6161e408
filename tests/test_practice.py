"""Practice mode: the task stated in full, answers rounded to two decimals right, the usual slips named, clean exercises."""

import random
from fractions import Fraction as F

import pytest

from core.exercise.conv1d import Layer, solve
from core.exercise.practice import (
    QUESTIONS,
    TOLERANCE,
    check_answer,
    check_answers,
    mistakes,
    random_exercise,
    task_text,
)

CLASSIC = solve(Layer(tuple(map(F, (1, 2, 3, 4))), tuple(map(F, (2, 1, 3))), F(1)), (F(2), F(4)), F(1, 100))


def test_the_right_answers_are_all_marked_right():
    answers = {
        "y_hat": "14, 20",
        "loss": "200",
        "d_w": "44 72 100",
        "d_b": "28",
        "w_new": "1.56, 0.28, 2",
        "b_new": "0.72",
    }
    assert all(mark.correct for mark in check_answers(CLASSIC, answers).values())


def test_rounding_to_two_decimals_is_accepted_and_more_is_not():
    assert check_answer(CLASSIC, "loss", "200.004").correct
    assert check_answer(CLASSIC, "loss", "200.01").correct is False


def test_a_wrong_vector_names_its_wrong_entries():
    mark = check_answer(CLASSIC, "d_w", "44, 70, 100")
    assert mark.correct is False and "entry 2" in mark.message


def test_blank_and_unreadable_answers_are_neither_right_nor_wrong():
    assert check_answer(CLASSIC, "loss", "").correct is None
    assert check_answer(CLASSIC, "loss", "two hundred").correct is None


def test_a_vector_of_the_wrong_length_says_how_many_numbers_are_expected():
    assert "Expected 3 numbers" in check_answer(CLASSIC, "w_new", "1, 2").message


@pytest.mark.parametrize("seed", range(40))
def test_new_exercises_have_small_integers_a_falling_loss_and_short_answers(seed):
    layer, y, lr = random_exercise(random.Random(seed))
    s = solve(layer, y, lr)
    assert all(v.denominator == 1 and abs(v) <= 5 for v in layer.x + layer.w + (layer.b,))
    assert s.new_loss < s.loss
    for value in s.new_layer.w + (s.new_layer.b,):
        assert (value * 1000).denominator == 1  # at most three decimals


def test_the_task_states_the_layer_the_targets_the_half_squared_loss_the_rate_and_each_question():
    text = task_text(CLASSIC.layer, CLASSIC.y, CLASSIC.lr)
    for piece in [
        r"x = (1,\allowbreak\ 2,\allowbreak\ 3,\allowbreak\ 4)",
        r"w = (2,\allowbreak\ 1,\allowbreak\ 3)",
        "$b = 1$",
        "stride $s = 1$",
        "padding $p = 0$",
        r"y = (2,\allowbreak\ 4)",
        r"L = \tfrac12 \sum_i (\hat y_i - y_i)^2",
        r"\alpha = 0.01",
        r"w' = w - \alpha\, \partial L/\partial w",
        r"b' = b - \alpha\, \partial L/\partial b",
    ]:
        assert piece in text
    assert [line[:2] for line in text.splitlines() if line[:1].isdigit()] == ["1.", "2.", "3.", "4.", "5.", "6."]


def test_a_padded_strided_task_names_the_padded_input_and_keeps_fractions_exact():
    layer = Layer((F(1, 3), F(-1, 2), F(2), F(-5, 4)), (F(1, 2), F(-1, 4)), F(-1, 10), 2, 1)
    text = task_text(layer, (F(1), F(0), F(-2)), F(9, 40))
    assert r"x = (1/3,\allowbreak\ -0.5,\allowbreak\ 2,\allowbreak\ -1.25)" in text and r"\alpha = 0.225" in text
    assert r"\tilde x_{s(i-1)+l}" in text and "1 zero added at each end" in text and "stride $s = 2$" in text


CLASSIC_SLIPS = [
    ("loss", "400", "twice the answer"),
    ("y_hat", "12, 18", "true convolution, with the kernel flipped"),
    ("y_hat", "13, 19", "The bias is missing"),
    ("d_w", "88, 144, 200", r"Your $\partial L/\partial w$ is twice the answer"),
    ("d_w", "-44, -72, -100", "The sign is flipped"),
    ("d_w", "12, 16", r"These are $\partial L/\partial \hat y = \hat y - y$"),
    ("d_b", "56", r"Your $\partial L/\partial b$ is twice the answer"),
    ("d_b", "12, 16", "their sum"),
    ("w_new", "2.44, 1.72, 4", "You stepped uphill"),
    ("w_new", "1.12, -0.44, 1", "Your step is twice the right one"),
    ("w_new", "2, 1, 3", "These are the old weights"),
    ("w_new", "-42, -71, -97", "missing the learning rate"),
    ("b_new", "1.28", "You stepped uphill"),
    ("b_new", "0.44", "Your step is twice the right one"),
    ("b_new", "1", "This is the old bias"),
]


@pytest.mark.parametrize("key, answer, words", CLASSIC_SLIPS)
def test_the_usual_slips_on_the_classic_exercise_are_named(key, answer, words):
    mark = check_answer(CLASSIC, key, answer)
    assert mark.correct is False and words in mark.message


def test_the_mean_instead_of_half_the_sum_is_named_when_they_differ():
    s = solve(Layer((F(1), F(2), F(3), F(4)), (F(1), F(1)), F(0)), (F(0), F(0), F(0)), F(1, 100))  # ŷ = 3, 5, 7
    assert s.loss == F(83, 2)
    assert "mean of the squared errors" in check_answer(s, "loss", "27.67").message
    assert "mean" not in " ".join(message for _, message in mistakes(CLASSIC, "loss"))  # two outputs: the same


def rounded(value) -> str:
    values = value if isinstance(value, tuple) else (value,)
    return ", ".join(f"{float(v):.2f}" for v in values)


@pytest.mark.parametrize("seed", range(0, 400, 20))
def test_the_usual_slips_are_named_on_random_exercises_answered_to_two_decimals(seed):
    s = solve(*random_exercise(random.Random(seed)))
    for key in QUESTIONS:
        for value, message in mistakes(s, key):
            mark = check_answer(s, key, rounded(value))
            if mark.correct:  # a slip that gives the answer here (a symmetric kernel, b = 0) is no slip
                continue
            # Two slips can give the same numbers; either name is then true.
            assert mark.message in {m for _, m in mistakes(s, key)}, (key, rounded(value), message)


def test_generated_exercises_never_mark_a_forgotten_or_backward_step_right_nor_have_a_zero_kernel():
    for seed in range(2000):
        s = solve(*random_exercise(random.Random(seed)))
        assert any(s.layer.w), seed
        assert check_answer(s, "b_new", rounded(s.layer.b)).correct is False, seed
        # An unchanged w′ or b′, or a step uphill, is more than a rounding away from the answer.
        assert abs(s.lr * s.grads.d_b) > 2 * TOLERANCE, seed
        assert max(abs(s.lr * g) for g in s.grads.d_w) > 2 * TOLERANCE, seed
