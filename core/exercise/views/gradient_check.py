"""The gradient check: each exact gradient beside a finite difference of the loss in 64-bit floats, and how its error moves with ε.

L is a quadratic in any single parameter θ (ŷ is linear in it), so L(θ + ε) = L + ε g + ε² h/2 with g = ∂L/∂θ and
h = ∂²L/∂θ². The central difference (L(θ + ε) − L(θ − ε))/(2ε) is then exactly g: all its error is rounding, which
grows as ε shrinks. The forward difference (L(θ + ε) − L(θ))/ε is g + ε h/2: its truncation error shrinks with ε
until rounding takes over, the V every gradient-check lecture draws.
"""

from dataclasses import dataclass, replace
from fractions import Fraction

import altair as alt
import numpy as np
import pandas as pd

from core.chart_style import CHART_HEIGHT, PALETTE, styled
from core.exercise.layer.conv1d import Layer, Vector, backward, squared_error
from core.exercise.writing.numbers import MINUS, power_of_ten, text_number
from core.links import listed

# The table's step. A central difference of a parabola has no truncation error, so a large ε costs nothing and keeps
# rounding (about 10⁻¹⁶·L/ε) small: at 10⁻⁵, the usual choice for a loss that is not quadratic, typed values in the
# hundreds already lose the 10⁻⁶ agreement to rounding.
EPSILON = 0.1
EPSILONS = tuple(10.0**-k for k in range(1, 13))  # the chart's steps, 10⁻¹ … 10⁻¹²
PASS_BELOW = 1e-6  # a relative error below this passes the check
ERROR_FLOOR = 1e-18  # a log axis cannot show 0: an exactly right difference is drawn here (its tooltip says 0)
COLOURS = {"central": PALETTE[0], "forward": PALETTE[1]}
COLOUR_NAMES = {"central": "blue", "forward": "orange"}
STEP_NOTE = (
    f"Central differences (L(θ + ε) − L(θ − ε))/(2ε) of the loss in 64-bit floats, with ε = {power_of_ten(EPSILON)}, "
    "beside the exact gradients. The loss is a parabola in each single parameter, so a central difference has no truncation error "
    "whatever ε: a large ε costs nothing and keeps rounding small. (For a loss that is not quadratic, ε ≈ 10⁻⁵ is "
    "the usual compromise.) Relative error: |a − b| / max(|a|, |b|), 0 when both are 0."
)


def parameter_names(layer: Layer) -> list[str]:
    """w1 … wk, b, x1 … xn: every number the loss depends on that a learner typed, in the page's order."""
    return [f"w{l + 1}" for l in range(len(layer.w))] + ["b"] + [f"x{j + 1}" for j in range(len(layer.x))]


def relative_error(exact: Fraction, approximate: float) -> float:
    """CS231n's |a − b| / max(|a|, |b|), computed exactly; 0 when both are 0 (they agree)."""
    b = Fraction(approximate)
    scale = max(abs(exact), abs(b))
    return float(abs(exact - b) / scale) if scale else 0.0


class FloatLoss:
    """L(w, b, x) in 64-bit floats, as a learner's NumPy code computes it, for a stack of parameter vectors θ = (w, b, x)."""

    def __init__(self, layer: Layer, y: Vector, rule: str):
        self.k, self.n, self.padding, self.rule = len(layer.w), len(layer.x), layer.padding, rule
        # Which padded input weight l meets in output i's window: ŷ_i = Σ_l x̃[taps[i, l]] w_l + b.
        self.taps = np.array(
            [[layer.weight_input(i, l) for l in range(self.k)] for i in range(layer.output_length)], dtype=int
        ).reshape(layer.output_length, self.k)
        self.y = np.array([float(v) for v in y])
        self.theta = np.array([float(v) for v in (*layer.w, layer.b, *layer.x)])

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        w, b, x = thetas[:, : self.k], thetas[:, self.k], thetas[:, self.k + 1 :]
        padded = np.zeros((len(thetas), self.n + 2 * self.padding))
        padded[:, self.padding : self.padding + self.n] = x
        y_hat = (padded[:, self.taps] * w[:, None, :]).sum(axis=2) + b[:, None]
        squares = ((y_hat - self.y) ** 2).sum(axis=1)
        return {"half": 0.5 * squares, "sum": squares, "mean": squares / len(self.y)}[self.rule]

    def nudged(self, index: int, steps) -> np.ndarray:
        """L with parameter `index` moved by each step."""
        thetas = np.tile(self.theta, (len(steps), 1))
        thetas[:, index] += np.asarray(steps, dtype=float)
        return self(thetas)


def exact_gradients(layer: Layer, y: Vector, rule: str) -> Vector:
    """∂L/∂w, ∂L/∂b, ∂L/∂x from the exact solver, in parameter_names' order."""
    grads = backward(layer, layer.forward(), y, rule)
    return (*grads.d_w, grads.d_b, *grads.d_x)


@dataclass(frozen=True)
class Check:
    """One parameter's exact gradient beside its central difference at EPSILON."""

    name: str
    exact: Fraction
    central: float

    @property
    def absolute_error(self) -> float:
        return float(abs(Fraction(self.central) - self.exact))

    @property
    def relative_error(self) -> float:
        return relative_error(self.exact, self.central)


def gradient_check(layer: Layer, y: Vector, rule: str = "half", epsilon: float = EPSILON) -> tuple[Check, ...]:
    """Every ∂L/∂θ exactly, and as (L(θ + ε) − L(θ − ε))/(2ε) in floats."""
    loss = FloatLoss(layer, y, rule)
    size = len(loss.theta)
    nudges = np.concatenate([np.eye(size), -np.eye(size)]) * epsilon
    values = loss(loss.theta + nudges)
    central = (values[:size] - values[size:]) / (2 * epsilon)
    names, exact = parameter_names(layer), exact_gradients(layer, y, rule)
    return tuple(Check(name, g, float(d)) for name, g, d in zip(names, exact, central))


def curvature(layer: Layer, y: Vector, rule: str, index: int) -> Fraction:
    """∂²L/∂θ², exactly: L(θ + 1) − 2L(θ) + L(θ − 1), which is h for a quadratic in θ."""
    k = len(layer.w)

    def loss_at(step: int) -> Fraction:
        values = [*layer.w, layer.b, *layer.x]
        values[index] += step
        moved = replace(layer, w=tuple(values[:k]), b=values[k], x=tuple(values[k + 1 :]))
        return squared_error(moved.forward(), y, rule)

    return loss_at(1) - 2 * loss_at(0) + loss_at(-1)


@dataclass(frozen=True)
class Sweep:
    """One parameter's central and forward differences at every ε of EPSILONS, and what makes up their errors."""

    name: str
    exact: Fraction  # g = ∂L/∂θ
    curvature: Fraction  # h = ∂²L/∂θ²: before rounding, the forward difference is g + ε h/2
    central: tuple[float, ...]
    forward: tuple[float, ...]
    epsilons: tuple[float, ...] = EPSILONS

    def differences(self, method: str) -> tuple[float, ...]:
        return self.central if method == "central" else self.forward

    def errors(self, method: str) -> tuple[float, ...]:
        """The relative error of each difference: what the chart plots."""
        return tuple(relative_error(self.exact, value) for value in self.differences(method))

    def truncation(self, method: str) -> tuple[Fraction, ...]:
        """Each difference's error in exact arithmetic: none for central, ε h/2 for forward (ε as the float it is)."""
        half = self.curvature / 2 if method == "forward" else Fraction(0)
        return tuple(Fraction(eps) * half for eps in self.epsilons)

    def rounding(self, method: str) -> tuple[Fraction, ...]:
        """How far floating point put each difference from its value in exact arithmetic."""
        return tuple(
            abs(Fraction(value) - self.exact - truncated)
            for value, truncated in zip(self.differences(method), self.truncation(method))
        )

    def rounding_dominates(self, method: str) -> tuple[bool, ...]:
        """At each ε, whether rounding moved the difference further than truncation did."""
        return tuple(r > abs(t) for r, t in zip(self.rounding(method), self.truncation(method)))


def error_sweep(layer: Layer, y: Vector, rule: str, name: str) -> Sweep:
    """Central and forward differences of one parameter (named as in parameter_names) at each ε of EPSILONS."""
    index = parameter_names(layer).index(name)
    eps = np.array(EPSILONS)
    values = FloatLoss(layer, y, rule).nudged(index, [0.0, *eps, *(-eps)])
    base, above, below = values[0], values[1 : len(eps) + 1], values[len(eps) + 1 :]
    return Sweep(
        name=name,
        exact=exact_gradients(layer, y, rule)[index],
        curvature=curvature(layer, y, rule, index),
        central=tuple(float(v) for v in (above - below) / (2 * eps)),
        forward=tuple(float(v) for v in (above - base) / eps),
    )


def scientific(value: float) -> str:
    """3.2e-10, as a float's error is written; 0 as 0."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return mantissa if int(exponent) == 0 else f"{mantissa}e{int(exponent)}"


def float_text(value: float) -> str:
    """Every digit a float holds (the shortest text that reads back as it), with the true minus sign."""
    return repr(float(value)).replace("-", MINUS, 1) if value < 0 else repr(float(value))


def check_table(checks: tuple[Check, ...]) -> str:
    """The check as a Markdown table: a row per parameter."""
    rows = ["| gradient | exact | central difference | absolute error | relative error |", "|---|--:|--:|--:|--:|"]
    rows += [
        f"| ∂L/∂{c.name} | {text_number(c.exact)} | {float_text(c.central)} | {scientific(c.absolute_error)} "
        f"| {scientific(c.relative_error)} |"
        for c in checks
    ]
    return "\n".join(rows)


def verdict(checks: tuple[Check, ...]) -> str:
    """The largest relative error among the gradients that are not 0, against PASS_BELOW; then the zero ones."""
    sentences = []
    nonzero = [c for c in checks if c.exact != 0]
    if nonzero:
        worst = max(nonzero, key=lambda c: c.relative_error)
        error = f"The largest relative error, {scientific(worst.relative_error)} (∂L/∂{worst.name}),"
        if worst.relative_error < PASS_BELOW:
            sentences.append(f"{error} is below 10⁻⁶: every gradient that is not 0 passes the check.")
        else:
            sentences.append(
                f"{error} is not below 10⁻⁶. The exact value is exact: a central difference of a parabola has no "
                "other error than rounding in the 64-bit loss, which is large here next to the gradient."
            )
    rounded = [c for c in checks if c.exact == 0 and c.central != 0]
    agreed = [c for c in checks if c.exact == 0 and c.central == 0]
    if agreed and len(agreed) == len(checks):
        sentences.append("Every gradient is exactly 0 here, and so is each difference.")
    elif agreed:
        names = listed([f"∂L/∂{c.name}" for c in agreed])
        sentences.append(f"{names} {'is' if len(agreed) == 1 else 'are'} exactly 0, and so is each difference.")
    if rounded:
        names = listed([f"∂L/∂{c.name}" for c in rounded])
        largest = max(c.absolute_error for c in rounded)
        sentences.append(
            f"{names} {'is' if len(rounded) == 1 else 'are'} exactly 0 but rounding left the difference at up to "
            f"{scientific(largest)}: against 0 any such rounding is a relative error of 1, so read the absolute error."
        )
    return " ".join(sentences)


def _steps(epsilons) -> str:
    return listed([power_of_ten(eps) for eps in epsilons])


def reading(sweep: Sweep) -> str:
    """How to read the chart, each claim taken from the numbers it plots."""
    name, eps = sweep.name, sweep.epsilons
    central, forward = sweep.errors("central"), sweep.errors("forward")
    if sweep.exact == 0:
        if sweep.curvature == 0 and not any(sweep.central) and not any(sweep.forward):
            return (
                f"No output depends on {name} here, so neither does the loss: every difference is exactly 0, like "
                f"∂L/∂{name}, and there is no error to plot. Pick another parameter."
            )
        exact_c, exact_f = sum(v == 0 for v in sweep.central), sum(v == 0 for v in sweep.forward)
        return (
            f"∂L/∂{name} is exactly 0 here, so a relative error can only be 0 (the difference exactly 0 too: "
            f"{exact_c} of the {len(eps)} central and {exact_f} of the {len(eps)} forward differences) or 1 (every "
            "other one): it cannot show truncation or rounding. Pick a parameter whose gradient is not 0."
        )
    sentences = [_central_sentence(sweep, central), _forward_sentence(sweep, forward)]
    last = len(eps) - 1
    central_rounds, forward_rounds = (
        sweep.rounding_dominates("central")[last],
        sweep.rounding_dominates("forward")[last],
    )
    if central_rounds and forward_rounds:
        sentences.append(f"At ε = {power_of_ten(eps[last])} rounding dominates both.")
    elif forward_rounds:
        sentences.append(
            f"At ε = {power_of_ten(eps[last])} rounding dominates the forward difference; the central one comes out "
            "exactly right there."
        )
    if 0 in central or 0 in forward:
        sentences.append("A point on the chart's floor (10⁻¹⁸) is exactly right: its error is 0.")
    return " ".join(sentences)


def _best(errors) -> tuple[float, str]:
    """The smallest error, and where: "at ε = 10⁻⁷", "at 5 of the 12 steps, the largest ε = 10⁻²", "at every ε"."""
    lowest = min(errors)
    where = [eps for eps, e in zip(EPSILONS, errors) if e == lowest]
    if len(where) == len(EPSILONS):
        return lowest, "at every ε"
    if len(where) > 3:
        return lowest, f"at {len(where)} of the {len(EPSILONS)} steps, the largest ε = {power_of_ten(where[0])}"
    return lowest, f"at ε = {_steps(where)}"


def _rate(value: Fraction) -> str:
    """A coefficient of ε in prose: 2.5·ε, ε, 5.0e-12·ε."""
    if value == 1:
        return "ε"
    return f"{text_number(value) if Fraction(1, 1000) <= value < 10**6 else scientific(float(value))}·ε"


def _central_sentence(sweep: Sweep, errors) -> str:
    lowest, where = _best(errors)
    best = f"exactly right {where}" if lowest == 0 else f"smallest {where}"
    if lowest != 0 and errors[0] != lowest:
        best += f" ({scientific(lowest)})"
    return (
        f"Central ({COLOUR_NAMES['central']}): no truncation error, since the loss is a parabola in {sweep.name}, so "
        f"all its error is rounding: {scientific(errors[0])} at ε = {power_of_ten(EPSILONS[0])}, "
        f"{scientific(errors[-1])} at ε = {power_of_ten(EPSILONS[-1])}, {best}."
    )


def _forward_sentence(sweep: Sweep, errors) -> str:
    truncation = (
        f"Forward ({COLOUR_NAMES['forward']}): a truncation error ε·∂²L/∂{sweep.name}²/2 = {_rate(sweep.curvature / 2)}"
    )
    outweighs = [not rounds for rounds in sweep.rounding_dominates("forward")]
    count = sum(outweighs)
    if count == 0:
        trend = ", which rounding outweighs at every ε here"
    elif count == len(outweighs):
        trend = " outweighs rounding at every ε here"
    elif outweighs[:count] == [True] * count:
        trend = (
            f" outweighs rounding from ε = {power_of_ten(EPSILONS[0])} down to {power_of_ten(EPSILONS[count - 1])}, "
            "then rounding takes over"
        )
    else:
        trend = f" outweighs rounding at ε = {_steps([e for e, o in zip(EPSILONS, outweighs) if o])}"
    lowest, where = _best(errors)
    best = f"exactly right {where}" if lowest == 0 else f"best {where} ({scientific(lowest)})"
    return f"{truncation}{trend}; {best}."


def sweep_frame(sweep: Sweep) -> pd.DataFrame:
    rows = []
    for method in ("central", "forward"):
        for eps, error in zip(sweep.epsilons, sweep.errors(method)):
            rows.append(
                {
                    "epsilon": eps,
                    "difference": method,
                    "error": error,
                    "plotted": max(error, ERROR_FLOOR),
                    "shown": scientific(error),
                    "step": power_of_ten(eps),
                }
            )
    return pd.DataFrame(rows)


def sweep_chart(sweep: Sweep) -> dict:
    """Relative error against ε, both log scales: central (rounding only) and forward (a V: truncation, then rounding)."""
    data = sweep_frame(sweep)
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X(
                "epsilon:Q",
                scale=alt.Scale(type="log", domain=[EPSILONS[-1], EPSILONS[0]]),
                axis=alt.Axis(format=".0e", values=list(EPSILONS), labelAngle=0, labelOverlap=False, labelFlush=False),
                title="step ε (log scale)",
            ),
            y=alt.Y(
                "plotted:Q",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format=".0e"),
                title=f"relative error of ∂L/∂{sweep.name}",
            ),
            color=alt.Color(
                "difference:N",
                sort=list(COLOURS),
                scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[
                alt.Tooltip("difference:N"),
                alt.Tooltip("step:N", title="ε"),
                alt.Tooltip("shown:N", title="relative error"),
            ],
        )
    )
    # Streamlit fits the legend and axes into the height: a little more than the other charts keeps the plot readable.
    return styled(chart.properties(height=CHART_HEIGHT + 60))
