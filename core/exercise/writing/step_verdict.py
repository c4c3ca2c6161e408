"""Whether one step of gradient descent lowered the loss, and why: along the gradient the loss is a parabola.

Two limits on α answer two questions. The parabola's, 2‖g‖²/(c‖Jg‖²), is about this one step from here. The
curvature's, 2/λ_max, is about every step: below it gradient descent converges. The second is never larger.
The two limits, α* and α, compared in one paragraph, share one notation: decimals, or m·10ᵉ when one is tiny.
"""

from fractions import Fraction

from core.exercise.layer.conv1d import Solution, loss_scale
from core.exercise.layer.descent import AT_LIMIT_TEXT, MAX_STEPS, against_limit, first_rise
from core.exercise.layer.formulas import factor_latex, loss_factor_latex
from core.exercise.writing.numbers import (
    format_approximate,
    format_number,
    format_percent,
    format_scientific,
    needs_scientific,
    text_number,
)


def _number(value: Fraction, scientific: bool) -> str:
    return format_scientific(value) if scientific else format_number(value)


def _approximate(value: float, scientific: bool) -> str:
    return format_scientific(value, approximate=True) if scientific else format_approximate(value)


def one_step_limit(s: Solution, scientific: bool = False) -> str:
    """0 < α < 2‖g‖²/(c‖Jg‖²) = …, written for the rule: the parabola's α² term has the loss's own factor c/2
    (½, none, 1/m), so the limit's factor is its inverse: 2 for ½Σ, none for Σ, m for the mean."""
    sizes, m = s.step_sizes, len(s.y)
    parabola_factor = loss_factor_latex(s.loss_rule, m)
    factor = factor_latex(2 / loss_scale(s.loss_rule, m))
    times = factor + r" \cdot " if factor else ""
    numbers = f"{times}{format_number(sizes.gradient_norm2)}/{format_number(sizes.moved_norm2)}"
    return (
        rf"$L(\alpha) = L - \alpha\lVert g\rVert^2 + {parabola_factor}\alpha^2\lVert Jg\rVert^2$ in $\alpha$, so from here one "
        rf"step lowers it for any $0 < \alpha < {factor}\lVert g\rVert^2/\lVert Jg\rVert^2 = "
        rf"{numbers} = {_number(sizes.largest, scientific)}$"
    )


def verdict(s: Solution, convergence_limit: float | None) -> str:
    """Did the step help, and if not, why; and whether repeating it would converge.

    The loss rule is the solution's own (s.loss_rule): the convergence limit must be stable_learning_rate(layer, rule).
    """
    before, after, sizes = s.loss, s.new_loss, s.step_sizes
    if sizes.largest is None:
        return (
            "**The loss stayed the same**: the gradient is zero, so the layer already sits at a minimum "
            "and a gradient step does not move it."
        )
    scientific = needs_scientific(sizes.largest, sizes.best, convergence_limit)
    one_step = (
        r"That is about **this one step**: along $-\nabla L$ the loss is the parabola "
        f"{one_step_limit(s, scientific)}, most at $\\alpha^* = {_number(sizes.best, scientific)}$ "
        "($g$ is the gradient, $Jg$ how fast the outputs move along it)."
    )
    change = f"by {format_percent(abs(after - before) / before * 100)}" if before else ""
    if after < before:
        return f"✅ **The loss fell**, from {text_number(before)} to {text_number(after)} ({change}). {one_step}" + (
            " " + repeated_steps(s, convergence_limit, scientific)
        )
    if after == before:
        opening = (
            f"**The loss stayed at {text_number(before)}**: $\\alpha$ is exactly the largest step that does not "
            "raise it, so the step jumps across the valley to the same height."
        )
    else:
        opening = (
            f"⚠️ **The loss rose**, from {text_number(before)} to {text_number(after)} ({change}): "
            "the step was too large. It jumps past the bottom of the valley and lands higher on the other side."
        )
    return f"{opening} {one_step} {repeated_steps(s, convergence_limit, scientific)}"


def repeated_steps(s: Solution, limit: float | None, scientific: bool = False) -> str:
    """The limit for every step (gradient descent converging), told apart from the one-step limit."""
    if limit is None:
        return ""
    rule = (
        rf"Repeated steps need a limit that holds from every point, not just from here: gradient descent converges only for $\alpha < 2/\lambda_{{\max}} \approx "
        rf"{_approximate(limit, scientific)}$ ($\lambda_{{\max}}$ is the largest curvature of the loss; see Many steps), "
        "and below that every step lowers the loss"
    )
    where = against_limit(s.lr, limit)
    alpha = f"$\\alpha = {_number(s.lr, scientific)}$"
    if where == "below":
        return f"{rule}; {alpha} is below it."
    if where == "at":
        return f"{rule}. {alpha} is at it: {AT_LIMIT_TEXT}. Try a learning rate below it."
    if s.new_loss < s.loss:
        return f"{rule}. ⚠️ {alpha} is above it: this step helped, {_later_steps(s)}: repeated steps diverge."
    return f"{rule}. Try a learning rate below $2/\\lambda_{{\\max}}$."


def _later_steps(s: Solution) -> str:
    """When the loss turns and grows again, from a float run of the same steps."""
    rise = first_rise(s.layer, s.y, s.lr, s.loss_rule)
    if rise is None:
        return f"and the loss still falls after {MAX_STEPS} steps, but it grows again in the end"
    if rise <= 2:
        return "but every later step raises the loss"
    return f"and the loss keeps falling until step {rise - 1}, but from step {rise} on every step raises it"
