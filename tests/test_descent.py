"""Many steps of gradient descent: the same step as the exact solution, and a clean stop when it explodes."""

from fractions import Fraction as F

import numpy as np

from core.exercise.conv1d import Layer, solve
from core.exercise.descent import (
    DIVERGENCE_LOSS,
    gradient_descent,
    stable_learning_rate,
)

CLASSIC = Layer(tuple(map(F, (1, 2, 3, 4))), tuple(map(F, (2, 1, 3))), F(1))
Y = (F(2), F(4))


def test_first_step_matches_the_exact_worked_solution():
    run = gradient_descent(CLASSIC, Y, F(1, 100), 1)
    exact = solve(CLASSIC, Y, F(1, 100))
    assert run.losses[0] == 200 and np.isclose(run.losses[1], float(exact.new_loss))
    assert np.allclose(run.weights[1], [1.56, 0.28, 2.0]) and np.isclose(run.biases[1], 0.72)


def test_a_small_learning_rate_converges():
    run = gradient_descent(CLASSIC, Y, F(1, 100), 300)
    assert run.diverged_at is None and run.losses[-1] < 0.001 * run.losses[0] and np.all(np.diff(run.losses) <= 1e-9)


def test_a_learning_rate_above_the_stability_limit_explodes_and_stops_without_nan():
    limit = stable_learning_rate(CLASSIC)
    run = gradient_descent(CLASSIC, Y, F(limit * 1.5), 500)
    assert run.diverged_at is not None and run.diverged_at < 500
    assert np.all(np.isfinite(run.losses)) and run.losses[-1] > DIVERGENCE_LOSS


def test_just_below_the_stability_limit_still_converges():
    limit = stable_learning_rate(CLASSIC)
    run = gradient_descent(CLASSIC, Y, F(limit * 0.95), 500)
    assert run.diverged_at is None and run.losses[-1] < run.losses[0]


def test_an_explosion_is_reported_long_before_the_overflow_stop():
    run = gradient_descent(CLASSIC, Y, F(1, 10), 50)
    assert run.diverged_at is None and run.exploded_at is not None and run.exploded_at < 10
    assert run.losses[run.exploded_at] > 1000 * run.losses[0]


def test_a_converging_run_never_explodes():
    assert gradient_descent(CLASSIC, Y, F(1, 100), 300).exploded_at is None
