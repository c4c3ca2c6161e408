"""Many steps of gradient descent: the same step as the exact solution, and a clean stop when it explodes."""

from fractions import Fraction as F

import numpy as np
from classic import CLASSIC

from core.exercise.layer.conv1d import Layer, solve
from core.exercise.layer.descent import (
    DIVERGENCE_LOSS,
    LOSS_FLOOR,
    convergence_text,
    describe_run,
    gradient_descent,
    stable_learning_rate,
)
from core.exercise.writing.numbers import power_of_ten

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


# The exercise: its convergence limit is 2/λ_max ≈ 0.2224, below the one-step limit 0.2276….
TWO_LIMITS = Layer((F(1, 3), F(-1, 2), F(2), F(-5, 4)), (F(1, 2), F(-1, 4)), F(-1, 10))
TWO_LIMITS_Y = (F(1), F(0), F(-2))


def describe(layer, y, lr, steps):
    return describe_run(gradient_descent(layer, y, lr, steps), lr, stable_learning_rate(layer))


def test_a_loss_that_reaches_rounding_noise_is_said_to_be_below_the_floor_the_chart_stops_at():
    fit = Layer((F(1), F(2)), (F(1),), F(0))  # w = 4, b = −3 fits y exactly
    run = gradient_descent(fit, (F(1), F(5)), F(1, 4), 500)
    assert 0 < run.losses[-1] < LOSS_FLOOR
    text = describe_run(run, F(1, 4), stable_learning_rate(fit)).text
    assert f"loss **below {power_of_ten(LOSS_FLOOR)}**" in text and "below 10⁻¹²" in text
    assert "e-" not in text and "w ≈ [4]" in text and "b ≈ −3" in text


def test_above_the_convergence_limit_many_steps_say_so_before_the_loss_explodes():
    report = describe(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40), 50)
    assert not report.exploded
    assert "converges for α below 2/λ_max ≈ 0.2224" in report.text and "α = 0.225 is not" in report.text


def test_an_explosion_names_the_convergence_limit_once():
    report = describe(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40), 500)
    assert report.exploded and "The loss exploded" in report.text
    assert report.text.count("0.2224") == 1 and report.text.count("α = 0.225") == 1


def test_below_the_convergence_limit_many_steps_say_the_rate_is_below_it():
    report = describe(TWO_LIMITS, TWO_LIMITS_Y, F(1, 5), 50)
    assert not report.exploded and "α = 0.2 is below it." in report.text


def test_a_rate_at_the_convergence_limit_bounces_and_is_not_said_to_overshoot():
    at_the_limit = Layer((F(1),), (F(1),), F(0))  # 2/λ_max = 1 exactly
    report = describe(at_the_limit, (F(3),), F(1), 50)
    assert "α = 1 is at it: the steps end up bouncing between the same heights" in report.text
    assert "overshoot" not in report.text and "loss **≈ 2** (from ≈ 2)" in report.text


def test_one_step_is_said_in_the_singular():
    report = describe(CLASSIC, Y, F(100), 50)
    assert report.exploded and "after 1 step it was over 1\u202f000 times its start" in report.text


def test_negative_weights_carry_the_true_minus_sign():
    report = describe(TWO_LIMITS, TWO_LIMITS_Y, F(1, 5), 50)
    assert "w ≈ [−2.2812, −1.1423]" in report.text and "-" not in report.text.replace("λ_max", "")


def test_each_loss_rule_takes_the_exact_solutions_first_step_and_names_its_loss():
    dilated = Layer(
        tuple(map(F, (1, -2, 3, 0, 5, 1))), (F(1), F(2), F(-1)), F(1), padding=1, dilation=2, operation="convolution"
    )
    y = tuple(F(v) for v in range(dilated.output_length))
    for rule in ("half", "sum", "mean"):
        run = gradient_descent(dilated, y, F(1, 100), 1, rule)
        exact = solve(dilated, y, F(1, 100), rule)
        assert np.isclose(run.losses[0], float(exact.loss)) and np.isclose(run.losses[1], float(exact.new_loss))
        assert np.allclose(run.weights[1], [float(w) for w in exact.new_layer.w])
        text = describe_run(run, F(1, 100), stable_learning_rate(dilated, rule), rule).text
        assert ("loss L = Σ(ŷᵢ − yᵢ)²" in text) == (rule == "sum") and ("(1/m)" in text) == (rule == "mean")


def test_without_the_half_the_convergence_limit_halves_and_a_rate_between_the_two_explodes():
    classic, doubled = stable_learning_rate(CLASSIC), stable_learning_rate(CLASSIC, "sum")
    assert np.isclose(doubled, classic / 2)
    between = F(doubled * 1.5)
    assert gradient_descent(CLASSIC, Y, between, 500).exploded_at is None
    assert gradient_descent(CLASSIC, Y, between, 500, "sum").exploded_at is not None


def test_alpha_and_the_convergence_limit_are_written_in_one_notation():
    """A limit of 1.429·10⁻⁵ beside α = 0.00001 is hard to compare: both go to m·10ᵉ when the limit is that small."""
    tiny = Layer((F(300), F(200), F(100)), (F(1), F(1), F(1)), F(0))  # one output of 600: 2/λ_max ≈ 1.429·10⁻⁵
    text = convergence_text(F(1, 100000), stable_learning_rate(tiny))
    assert "2/λ_max ≈ 1.429·10⁻⁵" in text and "α = 1·10⁻⁵ is below it" in text and "0.0000" not in text
    classic = convergence_text(F(1, 100000), stable_learning_rate(CLASSIC))
    assert "2/λ_max ≈ 0.04464" in classic and "α = 0.00001 is below it" in classic
