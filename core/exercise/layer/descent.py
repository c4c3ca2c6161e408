"""Many steps of gradient descent on the 1-D layer, in floating point, stopping cleanly if it diverges."""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from core.exercise.layer.conv1d import Layer, loss_scale
from core.exercise.writing.numbers import (
    format_number,
    format_scientific,
    group_digits,
    needs_scientific,
    power_of_ten,
    text_approximate,
)

MAX_STEPS = 500
# A loss this many times its start is exploding, not wandering.
EXPLOSION_FACTOR = 1000
# Stop here, before floats overflow into inf and nan.
DIVERGENCE_LOSS = 1e100
# Below this a float loss is rounding noise around 0: the text says "below 10⁻¹²" and the chart's axis stops here.
LOSS_FLOOR = 1e-12
FLOAT_NOTE = "Many steps are computed in floating point (64-bit), so their numbers are rounded (≈); the worked solution is exact."


@dataclass(frozen=True)
class DescentRun:
    """The loss, weights and bias before every step (row t is after t steps)."""

    losses: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    diverged_at: int | None  # the step after which the loss passed DIVERGENCE_LOSS and the run stopped

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    @property
    def exploded_at(self) -> int | None:
        """The first step at which the loss passed EXPLOSION_FACTOR times its start, if it did."""
        above = np.nonzero(self.losses > EXPLOSION_FACTOR * max(self.losses[0], LOSS_FLOOR))[0]
        return int(above[0]) if len(above) else None


def window_matrix(layer: Layer) -> np.ndarray:
    """A[i, l] = the input weight w_l meets in output i's window, so that ŷ = A w + b: the outputs as a matrix in w."""
    xp = np.array([float(v) for v in layer.padded_x])
    m, k = layer.output_length, len(layer.w)
    return np.array([[xp[layer.weight_input(i, l)] for l in range(k)] for i in range(m)]).reshape(m, k)


def gradient_descent(layer: Layer, y, lr, steps: int, rule: str = "half") -> DescentRun:
    """Repeat the worked solution's step `steps` times: w ← w − α c Aᵀ(ŷ − y), b ← b − α c Σ(ŷ − y).

    L = (c/2)‖ŷ − y‖², with c = loss_scale(rule, m): 1 for ½Σ, 2 for Σ, 2/m for the mean.
    """
    steps = max(0, min(int(steps), MAX_STEPS))
    a = window_matrix(layer)
    c = float(loss_scale(rule, len(y)))
    target = np.array([float(v) for v in y])
    w = np.array([float(v) for v in layer.w])
    b = float(layer.b)
    alpha = float(lr)
    losses, weights, biases = [], [], []
    diverged_at = None
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            residual = a @ w + b - target
            loss = 0.5 * c * float(residual @ residual)
            losses.append(loss)
            weights.append(w.copy())
            biases.append(b)
            if not np.isfinite(loss) or loss > DIVERGENCE_LOSS:
                diverged_at = t
                break
            if t == steps:
                break
            w = w - alpha * c * (a.T @ residual)
            b = b - alpha * c * float(residual.sum())
    return DescentRun(np.array(losses), np.array(weights).reshape(len(losses), -1), np.array(biases), diverged_at)


def stable_learning_rate(layer: Layer, rule: str = "half") -> float | None:
    """Gradient descent on this quadratic loss converges iff α < 2/λ_max of its Hessian c[A 1]ᵀ[A 1]."""
    a = window_matrix(layer)
    design = np.hstack([a, np.ones((a.shape[0], 1))])
    largest = float(loss_scale(rule, a.shape[0])) * float(np.linalg.eigvalsh(design.T @ design).max())
    return 2 / largest if largest > 1e-12 else None


# A rate this close to 2/λ_max (relatively) is at the limit: the float limit cannot tell it from the limit itself.
AT_LIMIT = 1e-9


def against_limit(lr: Fraction, limit: float) -> str:
    """ "below", "at" or "above" the convergence limit 2/λ_max."""
    if abs(float(lr) - limit) <= AT_LIMIT * limit:
        return "at"
    return "below" if lr < limit else "above"


def first_rise(layer: Layer, y, lr: Fraction, rule: str = "half") -> int | None:
    """The first step that raises the loss, if one does within MAX_STEPS; every later step raises it too.

    Along each eigenvector of the Hessian the distance to the minimum is multiplied by |1 − αλ| at every step,
    so the loss above its minimum is a sum of geometric sequences: convex in the step number.
    """
    losses = gradient_descent(layer, y, lr, MAX_STEPS, rule).losses
    rises = np.nonzero(losses[1:] > losses[:-1])[0]
    return int(rises[0]) + 1 if len(rises) else None


@dataclass(frozen=True)
class DescentReport:
    """What the Many steps tab says under its charts; `exploded` asks for it to be shown as an error."""

    text: str
    exploded: bool


def loss_text(loss: float) -> str:
    return f"below {power_of_ten(LOSS_FLOOR)}" if loss < LOSS_FLOOR else f"≈ {text_approximate(loss)}"


AT_LIMIT_TEXT = "the steps end up bouncing between the same heights of the valley and never reach its bottom"


def convergence_text(lr: Fraction, limit: float | None) -> str:
    """Whether repeated steps at this rate converge: the limit that holds for every step, not just the first."""
    if limit is None:
        return "This loss is flat in every direction the step can take."
    # α and the limit it is compared with in one notation: decimals, or both as m·10ᵉ when the limit is tiny.
    scientific = needs_scientific(limit)
    bound = format_scientific(limit, approximate=True, latex=False) if scientific else text_approximate(limit)
    alpha = "α = " + (format_scientific(lr, latex=False) if scientific else format_number(lr))
    rule = (
        f"Gradient descent on this loss converges for α below 2/λ_max ≈ {bound} "
        "(λ_max is the largest curvature of the loss); below it every step lowers the loss"
    )
    where = against_limit(lr, limit)
    if where == "below":
        return f"{rule}, and {alpha} is below it."
    if where == "at":
        return f"{rule}, and {alpha} is at it: {AT_LIMIT_TEXT}."
    return f"{rule}, and {alpha} is not: the steps overshoot further and further."


def steps(count: int) -> str:
    return f"{count} step{'s' if count != 1 else ''}"


# The loss each rule minimises, named in the text when it is not the classic ½Σ.
LOSS_NAMES = {"half": "½Σ(ŷᵢ − yᵢ)²", "sum": "Σ(ŷᵢ − yᵢ)²", "mean": "(1/m)Σ(ŷᵢ − yᵢ)²"}


def describe_run(run: DescentRun, lr: Fraction, limit: float | None, rule: str = "half") -> DescentReport:
    """The run in words, every number rounded by the one rule and the convergence limit named as such.

    `limit` must be stable_learning_rate(layer, rule) for the run's own loss rule.
    """
    loss = "loss" if rule == "half" else f"loss L = {LOSS_NAMES[rule]}"
    if run.exploded_at is not None:
        stopped = f" The run stopped after {steps(run.diverged_at)}, past 10¹⁰⁰." if run.diverged_at else ""
        return DescentReport(
            f"**The loss exploded**: after {steps(run.exploded_at)} it was over {group_digits(EXPLOSION_FACTOR)} times its start, "
            f"and each step makes it worse.{stopped} " + convergence_text(lr, limit),
            exploded=True,
        )
    weights = ", ".join(text_approximate(v) for v in run.weights[-1])
    return DescentReport(
        f"After {steps(run.steps)}: {loss} **{loss_text(run.losses[-1])}** (from ≈ {text_approximate(run.losses[0])}), "
        f"w ≈ [{weights}], b ≈ {text_approximate(run.biases[-1])}. " + convergence_text(lr, limit),
        exploded=False,
    )
