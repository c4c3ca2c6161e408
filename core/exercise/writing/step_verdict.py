"""Whether one step of gradient descent lowered the loss, and why: along the gradient the loss is a parabola.

Two limits on α answer two questions. The parabola's, 2‖g‖²/‖Jg‖², is about this one step from here. The
curvature's, 2/λ_max, is about every step: below it gradient descent converges. The second is never larger.
"""

from core.exercise.layer.conv1d import Solution
from core.exercise.layer.descent import AT_LIMIT_TEXT, MAX_STEPS, against_limit, first_rise
from core.exercise.writing.numbers import format_approximate, format_number, format_percent, text_number


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
    one_step = (
        r"That is about **this one step**: along $-\nabla L$ the loss is a parabola in $\alpha$, so from here "
        rf"one step lowers it for any $0 < \alpha < 2\lVert g\rVert^2/\lVert Jg\rVert^2 = {format_number(sizes.largest)}$, "
        rf"most at $\alpha^* = {format_number(sizes.best)}$ ($g$ is the gradient, $Jg$ how fast the outputs move along it)."
    )
    change = f"by {format_percent(abs(after - before) / before * 100)}" if before else ""
    if after < before:
        return f"✅ **The loss fell**, from {text_number(before)} to {text_number(after)} ({change}). {one_step}" + (
            " " + repeated_steps(s, convergence_limit)
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
    return f"{opening} {one_step} {repeated_steps(s, convergence_limit)}"


def repeated_steps(s: Solution, limit: float | None) -> str:
    """The limit for every step (gradient descent converging), told apart from the one-step limit."""
    if limit is None:
        return ""
    rule = (
        rf"Repeated steps need a limit that holds from every point, not just from here: gradient descent converges only for $\alpha < 2/\lambda_{{\max}} \approx "
        rf"{format_approximate(limit)}$ ($\lambda_{{\max}}$ is the largest curvature of the loss; see Many steps), "
        "and below that every step lowers the loss"
    )
    where = against_limit(s.lr, limit)
    alpha = f"$\\alpha = {format_number(s.lr)}$"
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
