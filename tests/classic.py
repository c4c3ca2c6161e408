"""The classic exercise (x=[1,2,3,4], w=[2,1,3], b=1, y=[2,4], lr 0.01) and a shorthand for exact vectors, for page 1's tests."""

from fractions import Fraction

from core.exercise.layer.conv1d import Layer


def vec(*values) -> tuple[Fraction, ...]:
    """Exact numbers: vec(1, "1/2") == (Fraction(1), Fraction(1, 2))."""
    return tuple(Fraction(v) for v in values)


CLASSIC = Layer(vec(1, 2, 3, 4), vec(2, 1, 3), Fraction(1))
CLASSIC_Y = vec(2, 4)
CLASSIC_LR = Fraction(1, 100)
