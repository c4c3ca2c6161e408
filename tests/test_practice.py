"""Practice mode: answers rounded to two decimals are right, others are wrong, and new exercises are clean."""

import random
from fractions import Fraction as F

import pytest

from core.exercise.conv1d import Layer, solve
from core.exercise.practice import check_answer, check_answers, random_exercise

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
