"""The gradient check: float finite differences against the exact gradients, the error-against-ε chart, and its reading."""

import random
import re
from dataclasses import replace
from fractions import Fraction as F

from classic import CLASSIC, CLASSIC_Y, vec
from conftest import shown_text
from test_conv1d import random_case

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, loss_scale, solve, squared_error
from core.exercise.views.gradient_check import (
    COLOURS,
    EPSILON,
    EPSILONS,
    ERROR_FLOOR,
    PASS_BELOW,
    error_sweep,
    gradient_check,
    parameter_names,
    reading,
    scientific,
    sweep_chart,
    verdict,
)
from core.exercise.writing.numbers import power_of_ten, text_number


def moved(layer: Layer, name: str, step) -> Layer:
    """The layer with one parameter (w1 …, b, x1 …) moved by step, exactly."""
    values = [*layer.w, layer.b, *layer.x]
    values[parameter_names(layer).index(name)] += step
    k = len(layer.w)
    return replace(layer, w=tuple(values[:k]), b=values[k], x=tuple(values[k + 1 :]))


def exact_loss(layer, y, rule, name, step) -> F:
    return squared_error(moved(layer, name, step).forward(), y, rule)


def test_the_classic_exercise_passes_the_check_with_the_worked_solutions_gradients():
    checks = gradient_check(CLASSIC, CLASSIC_Y)
    assert [c.name for c in checks] == ["w1", "w2", "w3", "b", "x1", "x2", "x3", "x4"]
    assert [c.exact for c in checks] == [44, 72, 100, 28, 24, 44, 52, 48]
    assert all(abs(c.central - c.exact) < 1e-9 and c.relative_error < PASS_BELOW for c in checks)
    assert verdict(checks).endswith("is below 10⁻⁶: every gradient that is not 0 passes the check.")


def test_central_differences_agree_with_the_exact_gradients_to_one_in_a_million_in_every_convention():
    """150 random layers per convention (stride 1–3, padding 0–2, dilation 1–3) at the table's ε."""
    seen = set()
    for operation in OPERATIONS:
        for rule in LOSS_RULES:
            for seed in range(150):
                rng = random.Random(f"check-{operation}-{rule}-{seed}")
                layer, y, _ = random_case(rng, dilation=rng.randint(1, 3), operation=operation)
                seen.add((layer.stride, layer.padding, layer.dilation))
                checks = gradient_check(layer, y, rule)
                scale = max(abs(c.exact) for c in checks)
                for c in checks:
                    case = f"{c.name} of {layer}, y={y}, {rule}"
                    if c.exact:
                        assert c.relative_error < 1e-6, case
                    else:  # against 0 a relative error is 0 or 1: the difference must be 0 up to rounding
                        assert c.absolute_error <= 1e-9 * scale, case
    assert seen == {(s, p, d) for s in (1, 2, 3) for p in (0, 1, 2) for d in (1, 2, 3)}


def test_the_loss_is_a_parabola_in_each_parameter_so_a_central_difference_has_no_truncation_error():
    rng = random.Random(7)
    for rule in LOSS_RULES:
        for _ in range(20):
            layer, y, _ = random_case(rng, dilation=rng.randint(1, 3), operation=rng.choice(OPERATIONS))
            for name in parameter_names(layer):
                sweep = error_sweep(layer, y, rule, name)
                for eps in (F(EPSILON), F(1, 3), F(EPSILONS[-1])):
                    above, below = exact_loss(layer, y, rule, name, eps), exact_loss(layer, y, rule, name, -eps)
                    assert (above - below) / (2 * eps) == sweep.exact
                    # and the forward difference misses by ε·∂²L/∂θ²/2 exactly
                    base = exact_loss(layer, y, rule, name, 0)
                    assert (above - base) / eps == sweep.exact + eps * sweep.curvature / 2


def independent_curvature(layer, y, rule, name) -> F:
    """∂²L/∂θ² = c Σ_i (∂ŷ_i/∂θ)², each ∂ŷ_i/∂θ read off the linear ŷ(θ + 1) − ŷ(θ)."""
    slopes = [a - b for a, b in zip(moved(layer, name, 1).forward(), layer.forward())]
    return loss_scale(rule, len(y)) * sum((s * s for s in slopes), F(0))


def test_forward_differences_at_large_steps_miss_by_half_the_curvature_times_the_step():
    sweep = error_sweep(CLASSIC, CLASSIC_Y, "half", "w1")
    assert sweep.curvature == independent_curvature(CLASSIC, CLASSIC_Y, "half", "w1") == 1**2 + 2**2
    assert abs(sweep.forward[0] - (44 + 0.1 * 5 / 2)) < 1e-12  # 44.25 at ε = 10⁻¹
    assert abs(sweep.central[0] - 44) < 1e-12


def relative(exact: F, value: float) -> float:
    scale = max(abs(exact), abs(F(value)))
    return float(abs(F(value) - exact) / scale) if scale else 0.0


def test_the_chart_plots_the_computed_errors_against_a_log_step_axis_from_1e_12_to_1e_1():
    sweep = error_sweep(CLASSIC, CLASSIC_Y, "mean", "x2")
    spec = sweep_chart(sweep)
    rows = spec["datasets"][spec["data"]["name"]]
    for method in ("central", "forward"):
        plotted = {row["epsilon"]: row["plotted"] for row in rows if row["difference"] == method}
        values = getattr(sweep, method)
        assert sorted(plotted) == sorted(EPSILONS)
        assert [plotted[eps] for eps in EPSILONS] == [max(relative(sweep.exact, v), ERROR_FLOOR) for v in values]
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert x["scale"] == {"type": "log", "domain": [1e-12, 1e-1]} and y["scale"]["type"] == "log"
    colour = spec["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"])) == COLOURS == {"central": "#4C78A8", "forward": "#F58518"}


def test_an_exactly_right_difference_is_drawn_on_the_floor_and_its_tooltip_says_0():
    sweep = error_sweep(CLASSIC, CLASSIC_Y, "half", "w3")
    spec = sweep_chart(sweep)
    exact = [row for row in spec["datasets"][spec["data"]["name"]] if row["error"] == 0]
    assert exact and all(row["plotted"] == ERROR_FLOOR and row["shown"] == "0" for row in exact)
    assert "A point on the chart's floor (10⁻¹⁸) is exactly right" in reading(sweep)


def settings():
    """Layers a class might type: the classic one, large and small numbers, stride, padding, dilation, a flip."""
    yield "classic", CLASSIC, CLASSIC_Y
    yield "large", Layer(vec(900000, -750000, 120000, 5), vec(300, -2), F(40000)), vec(1, -1, 2)
    yield (
        "small",
        Layer(vec("0.000003", "-0.000001", "0.000002"), vec("0.000001", "0.000005"), F("0.000001")),
        vec(0, 0),
    )
    yield "weak", Layer(vec("0.000001", "0.000001", 1000000), vec(1, 1), F(0)), vec(0, 0)
    yield (
        "strided",
        Layer(vec(1, -2, 3, 0, 5), vec(2, 1), F(0), stride=2, padding=1, operation="convolution"),
        vec(1, 2, 3),
    )
    yield "dilated", Layer(vec(3, 1, -4, 1, 5, -9, 2), vec("0.5", -1, 2), F(-1), dilation=2), vec(1, 0, -1)
    yield "on target", CLASSIC, vec(14, 20)  # every gradient 0
    yield "cancelling", CLASSIC, vec(15, 19)  # ∂L/∂b = (14 − 15) + (20 − 19) = 0, the others not
    rng = random.Random(3)
    for seed in range(12):
        layer, y, _ = random_case(rng, dilation=rng.randint(1, 3), operation=rng.choice(OPERATIONS))
        yield f"random {seed}", layer, y


def claims_hold(layer, y, rule, name):
    """Every claim of the reading, checked against the differences the sweep computed, recomputed here."""
    sweep = error_sweep(layer, y, rule, name)
    text = reading(sweep)
    g = sweep.exact
    h = independent_curvature(layer, y, rule, name)
    central = [relative(g, v) for v in sweep.central]
    forward = [relative(g, v) for v in sweep.forward]
    if g == 0:
        if h == 0:
            assert not any(sweep.central) and not any(sweep.forward)
            assert text.startswith(f"No output depends on {name} here")
        else:
            assert set(central) | set(forward) <= {0.0, 1.0}
            assert f"{central.count(0)} of the 12 central and {forward.count(0)} of the 12 forward" in text
        return
    assert "no truncation error, since the loss is a parabola" in text
    assert f"rounding: {scientific(central[0])} at ε = 10⁻¹, {scientific(central[-1])} at ε = 10⁻¹²" in text
    for errors, best in ((central, "smallest"), (forward, "best")):
        where = [power_of_ten(e) for e, v in zip(EPSILONS, errors) if v == min(errors)]
        said = "exactly right" if min(errors) == 0 else best
        places = f"(at ε = {where[0]}|at {len(where)} of the 12 steps, the largest ε = {where[0]}|at every ε)"
        assert re.search(f"{said} {places}", text), (errors, text)
        assert (len(where) == 12) == (f"{said} at every ε" in text)
    # truncation ε·h/2 against rounding, the part of the error floating point added
    truncation = [F(e) * h / 2 for e in EPSILONS]
    outweighs = [abs(F(v) - g - t) <= t for v, t in zip(sweep.forward, truncation)]
    count = outweighs.count(True)
    if count == 0:
        assert "which rounding outweighs at every ε here" in text
    elif count == 12:
        assert "outweighs rounding at every ε here" in text
    elif outweighs[:count] == [True] * count:
        assert f"from ε = 10⁻¹ down to {power_of_ten(EPSILONS[count - 1])}, then rounding takes over" in text
    else:
        assert "outweighs rounding at ε = " + power_of_ten(EPSILONS[outweighs.index(True)]) in text
    both_round = sweep.central[-1] != g and not outweighs[-1]
    assert ("At ε = 10⁻¹² rounding dominates both." in text) == both_round
    assert ("is exactly right: its error is 0" in text) == (0 in central + forward)


def test_the_readings_claims_hold_for_every_parameter_in_every_setting_and_loss_rule():
    readings = set()
    for _, layer, y in settings():
        for rule in LOSS_RULES:
            for name in parameter_names(layer):
                claims_hold(layer, y, rule, name)
                readings.add(reading(error_sweep(layer, y, rule, name)).split(":")[0])
    # every kind of reading was met: the V, an exactly zero gradient, a parameter the loss ignores
    assert {
        "Central (blue)",
        "∂L/∂b is exactly 0 here, so a relative error can only be 0 (the difference exactly 0 too",
    } <= readings


def test_the_classic_reading_shows_the_v_of_forward_differences_and_rounding_at_the_smallest_step():
    text = reading(error_sweep(CLASSIC, CLASSIC_Y, "half", "w1"))
    assert "1.3e-15 at ε = 10⁻¹" in text and "smallest at ε = 10⁻¹." in text
    assert "ε·∂²L/∂w1²/2 = 2.5·ε outweighs rounding from ε = 10⁻¹ down to 10⁻⁷, then rounding takes over" in text
    assert "best at ε = 10⁻⁷" in text and text.endswith("At ε = 10⁻¹² rounding dominates both.")


def test_a_parameter_no_output_depends_on_has_differences_of_exactly_0():
    layer = Layer(vec(1, 2, 3, 4, 5), vec(1, 1), F(0), stride=2)  # x5 is in no window
    sweep = error_sweep(layer, vec(0, 0), "sum", "x5")
    assert sweep.exact == 0 and set(sweep.central) == set(sweep.forward) == {0.0}
    assert reading(sweep).startswith("No output depends on x5 here")


def test_a_zero_gradient_that_rounding_misses_is_told_by_its_absolute_error():
    checks = gradient_check(CLASSIC, vec(15, 19))
    b = next(c for c in checks if c.name == "b")
    assert b.exact == 0
    text = verdict(checks)
    if b.central:
        assert f"∂L/∂b is exactly 0 but rounding left the difference at up to {scientific(b.absolute_error)}" in text
    else:
        assert "∂L/∂b is exactly 0, and so is each difference." in text
    on_target = Layer(vec(1, 2, 3, 4, 5), vec(2, 1), F(1), stride=2)  # ŷ = y = [5, 11]
    assert (
        verdict(gradient_check(on_target, vec(5, 11))) == "Every gradient is exactly 0 here, and so is each difference."
    )


def test_the_verdict_says_when_rounding_keeps_a_weak_gradient_above_one_in_a_million():
    weak = Layer(vec("0.000001", "0.000001", 1000000), vec(1, 1), F(0))
    checks = gradient_check(weak, vec(0, 0))
    worst = max((c for c in checks if c.exact), key=lambda c: c.relative_error)
    assert worst.relative_error > PASS_BELOW
    assert verdict(checks).startswith(
        f"The largest relative error, {scientific(worst.relative_error)} (∂L/∂{worst.name}), is not below 10⁻⁶."
    )


# Page 1's tab, in Streamlit's AppTest.
PAGE = "pages/convolution.py"
TAB = "🧪 Gradient check"


def open_check(open_page, query=None):
    at = open_page(PAGE, query)
    at.session_state["solution_tab"] = TAB  # only the open tab is drawn; opening one is a rerun
    return at.run()


def test_the_tab_shows_the_classic_gradients_beside_their_central_differences_and_the_chart(open_page):
    at = open_check(open_page)
    assert not at.exception
    text = shown_text(at)
    rows = {name: central for name, _, central in re.findall(r"\| ∂L/∂(\w+) \| (\S+) \| (\S+) \|", text)}
    assert list(rows) == parameter_names(CLASSIC)
    for name, value in zip(parameter_names(CLASSIC), (44, 72, 100, 28, 24, 44, 52, 48)):
        assert f"| ∂L/∂{name} | {value} |" in text and abs(float(rows[name]) - value) < 1e-9
    assert "every gradient that is not 0 passes the check" in text and "ε = 10⁻¹" in text
    assert len(at.get("vega_lite_chart")) == 1
    assert reading(error_sweep(CLASSIC, CLASSIC_Y, "half", "w1")) in text  # the first weight by default
    at.selectbox(key="gradient_check_parameter").set_value("b").run()
    assert reading(error_sweep(CLASSIC, CLASSIC_Y, "half", "b")) in shown_text(at)


def test_the_tab_follows_a_true_convolution_and_the_summed_loss_from_the_link(open_page):
    at = open_check(open_page, {"op": "convolution", "loss": "sum"})
    assert not at.exception
    flipped = Layer(CLASSIC.x, CLASSIC.w, CLASSIC.b, operation="convolution")
    grads = solve(flipped, CLASSIC_Y, F("0.01"), "sum").grads
    # ŷ = [3·1 + 1·2 + 2·3 + 1, 3·2 + 1·3 + 2·4 + 1] = [12, 18], ∂L/∂ŷ = 2(ŷ − y) = [20, 28]; w1 meets x3 and x4
    assert grads.d_w == vec(20 * 3 + 28 * 4, 20 * 2 + 28 * 3, 20 * 1 + 28 * 2)
    text = shown_text(at)
    for name, value in zip(parameter_names(flipped), (*grads.d_w, grads.d_b, *grads.d_x)):
        assert f"| ∂L/∂{name} | {text_number(value)} |" in text
    assert reading(error_sweep(flipped, CLASSIC_Y, "sum", "w1")) in text


def test_without_valid_targets_the_tab_asks_for_them_and_nothing_breaks(open_page):
    at = open_check(open_page, {"y": "1, 2, 3"})
    assert not at.exception and not at.get("vega_lite_chart")
    assert "The gradient check needs the loss, so the targets y too" in " ".join(i.value for i in at.info)
