"""How the lab writes its numbers and shifts for a learner: one rule for each kind, tables and sentences alike."""

import math

FILL_NAMES = {"zero": "zero fill", "circular": "circular wrap"}
# What one test image shows, per dataset: only MNIST has handwritten digits.
SUBJECTS = {"MNIST": "digit", "Fashion-MNIST": "item", "KMNIST": "character"}


def minus(text: str) -> str:
    """Text as a learner reads it: the true minus sign (U+2212), not the hyphen."""
    return text.replace("-", "\u2212")


def percent(value: float) -> str:
    """Every accuracy in the lab, table and sentences alike, to the same two decimals."""
    return f"{100 * value:.2f}%"


def points(change: float) -> str:
    """A change of accuracy in percentage points, as the table's change column shows it."""
    return minus(f"{100 * change:+.2f} pts")


def pair(shift: tuple[int, int]) -> str:
    """A shift as the lab writes it: (2, −8)."""
    return minus(f"({shift[0]}, {shift[1]})")


def shifted_by(shift: tuple[int, int]) -> str:
    """A picture's caption: "shifted by (2, −8)", or "not shifted"."""
    return f"shifted by {pair(shift)}" if shift != (0, 0) else "not shifted"


def relative(value: float) -> str:
    """Every relative difference in the lab, panel and sentences alike: two significant digits, both written (0.10,
    0.12, 0.098), and "below 0.001" for float rounding and anything as small."""
    if value == 0:
        return "0"
    if value < 0.001:
        return "below 0.001"
    return f"{value:#.2g}".rstrip(".")


def known(value: float) -> float | None:
    """None for nan (no interior left at a large shift)."""
    return None if math.isnan(value) else value


def pixels(count: int) -> str:
    return f"{count} pixel{'' if count == 1 else 's'}"


def subject(dataset: str) -> str:
    return SUBJECTS.get(dataset, "image")


def movement(shift: tuple[int, int]) -> str:
    """(2, −8) → "2 pixels right and 8 pixels up": each component on its own, never their sum."""
    dx, dy = shift
    parts = []
    if dx:
        parts.append(f"{pixels(abs(dx))} {'right' if dx > 0 else 'left'}")
    if dy:
        parts.append(f"{pixels(abs(dy))} {'down' if dy > 0 else 'up'}")
    return " and ".join(parts) or "not at all"
