"""The lab's table and its three classic questions, answered with the numbers on screen rather than in general."""

import math

from core.lab.models import IMAGE_SIZE

FILL_NAMES = {"zero": "zero fill", "circular": "circular wrap"}
CONSISTENCY_NOTE = (
    "Accuracy on the {images:,} test images. Shift consistency (Zhang 2019): how often the predicted class stays the "
    "same under two random shifts of up to {reach} pixels each."
)


def percent(value: float) -> str:
    """Every accuracy in the lab, table and sentences alike, to the same two decimals."""
    return f"{100 * value:.2f}%"


def known(value: float) -> float | None:
    """None for nan (no interior left at a large shift)."""
    return None if math.isnan(value) else value


def reference_table(rows, shift: tuple[int, int], mode: str) -> dict[str, list[str]]:
    """The reference table's columns: each model on the original and on the shifted test images."""
    dx, dy = shift
    return {
        "model": [row.model for row in rows],
        "original test set": [percent(row.original) for row in rows],
        f"shifted by ({dx}, {dy}), {FILL_NAMES[mode]}": [percent(row.shifted) for row in rows],
        "change": [f"{100 * row.change:+.2f} pts" for row in rows],
        "shift consistency": [percent(row.consistency) for row in rows],
    }


def explanations(
    rows, comparisons, config, plain_mlp_shifted: float | None, shift: tuple[int, int], mode: str
) -> list[str]:
    """The three answers under "Why?", from the table's rows, the CNN's layer comparisons and the settings."""
    mlp, cnn = rows
    first = comparisons[0]
    pooled = next(c for c in comparisons if c.downsampled)  # the first pooling
    return [
        why_the_mlp_collapses((mlp.original, mlp.shifted), (cnn.original, cnn.shifted), shift, config.mlp_hidden),
        what_helps(config.augment_shift, mlp.shifted, plain_mlp_shifted, shift, config.cnn_head == "gap"),
        why_only_unbounded(
            config.cnn_padding,
            mode,
            first.relative_error,
            known(first.interior_relative_error),
            known(pooled.interior_relative_error),
            shift,
        ),
    ]


def why_the_mlp_collapses(
    mlp: tuple[float, float], cnn: tuple[float, float], shift: tuple[int, int], hidden: int
) -> str:
    """mlp and cnn are (accuracy on the original test set, accuracy on the shifted one)."""
    dx, dy = shift
    if dx == 0 and dy == 0:
        return (
            "Move a slider: at zero shift both models see the images they were tested on, and both do well "
            f"(MLP {percent(mlp[0])}, CNN {percent(cnn[0])})."
        )
    mlp_drop, cnn_drop = mlp[0] - mlp[1], cnn[0] - cnn[1]
    pixels = abs(dx) + abs(dy)
    text = (
        f"Shifted by ({dx}, {dy}), the MLP falls from {percent(mlp[0])} to **{percent(mlp[1])}** and the CNN from "
        f"{percent(cnn[0])} to **{percent(cnn[1])}**. Each of the MLP's {IMAGE_SIZE * IMAGE_SIZE * hidden:,} first-layer weights is tied to "
        f"one pixel position: moved {pixels} pixel{'s' if pixels != 1 else ''}, a stroke lands on weights that never saw "
        "it during training, so the hidden units it drives are different ones. "
    )
    if cnn_drop < mlp_drop:
        text += (
            "The CNN's kernels slide over every position, so the shifted stroke still excites the same detectors, "
            "only elsewhere: its feature maps move with the image. It still loses accuracy, because its classifier at "
            "the end reads the feature maps position by position, and pooling changes with the shift."
        )
    else:
        text += (
            "Here the CNN loses as much as the MLP: its classifier reads the feature maps position by position, and "
            "pooling and the borders break the equivariance of its convolutions."
        )
    return text


def what_helps(
    augment_shift: int, mlp_shifted: float, baseline_mlp_shifted: float | None, shift: tuple[int, int], gap_head: bool
) -> str:
    """Augmentation's effect, measured against the same MLP trained without it when that model exists."""
    dx, dy = shift
    reach = max(abs(dx), abs(dy))
    if augment_shift == 0:
        return (
            "**What helps.** Training on shifted copies (set *shift augmentation* to 2 or 3 and train again) shows the "
            "MLP the positions it will meet, and a global-average-pooling head lets the CNN ignore where a feature is."
        )
    text = f"**What helps.** These models were trained on images shifted at random by up to ±{augment_shift} pixels. "
    if baseline_mlp_shifted is not None:
        text += (
            f"At this shift the MLP now gets **{percent(mlp_shifted)}**, against {percent(baseline_mlp_shifted)} for "
            "the same MLP trained without augmentation. "
        )
    if reach > augment_shift:
        text += f"A shift of {reach} is beyond what training showed it, and there the accuracy falls again: augmentation teaches the shifts it shows, nothing more."
    else:
        text += "Within the trained range the MLP holds up: it has memorised the shifted positions, it has not learned to be shift-equivariant."
    if gap_head:
        text += " The CNN's global-average-pooling head averages each feature map over all positions, so where a feature sits no longer matters to it (invariance)."
    return text


def why_only_unbounded(
    padding: str,
    mode: str,
    first_error: float,
    first_interior_error: float | None,
    pooled_interior_error: float | None,
    shift: tuple[int, int],
) -> str:
    """Exact equivariance needs an unbounded or circular domain; borders and pooling break it."""
    dx, dy = shift
    if dx == 0 and dy == 0:
        return "**Only on an unbounded domain.** Shift the image to compare f(shift(x)) with shift(f(x))."
    text = f"**Only on an unbounded domain.** For the first convolution the relative difference between f(shift(x)) and shift(f(x)) is **{first_error:.2g}**. "
    if padding == "circular" and mode == "circular":
        text += (
            "With circular padding and a circular shift the image has no border, it wraps round like a torus, and "
            "convolution commutes with the shift exactly: what is left is float rounding."
        )
    else:
        text += (
            "On a bounded image content falls off one edge and zeros come in at the other, and the kernels near the "
            "border see padding where the shifted image had pixels"
        )
        if first_interior_error is not None:
            text += f"; away from the border the difference is {first_interior_error:.2g}"
        text += ". Choose circular padding and a circular shift to see the error vanish."
    if pooled_interior_error is not None:
        odd = dx % 2 or dy % 2
        text += (
            f" After the first stride-2 pooling, away from the border, the difference is {pooled_interior_error:.2g}: "
            + (
                "an odd shift moves the image by half a pooling cell, which no shift of the pooled maps can match, so "
                "pooling breaks equivariance."
                if odd
                else "an even shift lines up with the pooling grid, so the pooled maps move by whole cells."
            )
        )
    return text
