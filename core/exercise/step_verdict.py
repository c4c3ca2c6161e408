"""Whether one step of gradient descent lowered the loss, and why: along the gradient the loss is a parabola."""

from core.exercise.conv1d import Solution
from core.exercise.numbers import format_number


def verdict(s: Solution) -> str:
    """Did the step help, and if not, why: the loss along −∇L is a parabola in α."""
    before, after, sizes = s.loss, s.new_loss, s.step_sizes
    if sizes.largest is None:
        return (
            "**The loss stayed the same**: the gradient is zero, so the layer already sits at a minimum "
            "and a gradient step does not move it."
        )
    window = (
        rf"Along $-\nabla L$ the loss is a parabola in $\alpha$: it falls for any $0 < \alpha < "
        rf"2\lVert g\rVert^2/\lVert Jg\rVert^2 = {format_number(sizes.largest)}$, and falls most at "
        rf"$\alpha^* = {format_number(sizes.best)}$ (here $g$ is the gradient and $Jg$ how fast the outputs move along it)."
    )
    change = format_number(abs(after - before) / before * 100) if before else None
    if after < before:
        return f"✅ **The loss fell**, from {format_number(before)} to {format_number(after)} (by {change}%). {window}"
    if after == before:
        return (
            f"**The loss stayed at {format_number(before)}**: $\\alpha$ is exactly the largest step that does not "
            f"raise it, so the step jumps across the valley to the same height. {window}"
        )
    return (
        f"⚠️ **The loss rose**, from {format_number(before)} to {format_number(after)} (by {change}%): "
        f"the step was too large. It jumps past the bottom of the valley and lands higher on the other side. "
        f"{window} Try a learning rate below {format_number(sizes.largest)}."
    )
