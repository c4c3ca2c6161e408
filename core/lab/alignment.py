"""APS's maps compared where they move: under a circular shift APS moves its maps by a whole number of cells it picks
per image (which grid it keeps), which can be a cell off dx / stride rounded, so each stage after the first APS is
compared at the whole-cell shift, within a cell of the rounded one, that matches f(shift(x)) best."""

from __future__ import annotations

import dataclasses

import numpy as np

from core.lab.equivariance import LayerComparison, interior_error, relative_equivariance_error

# APS keeps the grid the shifted image's norms pick: its maps move by dx / stride rounded down or up, never further.
OFFSETS = sorted(
    ((ox, oy) for oy in (-1, 0, 1) for ox in (-1, 0, 1)), key=lambda offset: abs(offset[0]) + abs(offset[1])
)


def aps_aligned(comparisons: list[LayerComparison], downsample: str, mode: str) -> list[LayerComparison]:
    """The comparisons, each stage past conv1 moved to its best-matching whole-cell shift where the CNN uses APS and
    the fill wraps (a roll of shift(f(x)) is then exactly f(x) rolled further); unchanged otherwise. The rounded
    shift wins a tie, so maps that already match there stay as they are."""
    if downsample != "aps" or mode != "circular":
        return comparisons
    return [stage if stage.stride == 1 else best_alignment(stage) for stage in comparisons]


def best_alignment(stage: LayerComparison) -> LayerComparison:
    best, best_error = stage, stage.relative_error
    for ox, oy in OFFSETS[1:]:
        shifted_f = np.roll(stage.shifted_f, (oy, ox), axis=(-2, -1))
        error = relative_equivariance_error(stage.f_of_shifted, shifted_f)
        if error < best_error:
            best, best_error = moved(stage, shifted_f, (stage.shift[0] + ox, stage.shift[1] + oy), error), error
    return best


def moved(stage: LayerComparison, shifted_f: np.ndarray, shift: tuple[int, int], error: float) -> LayerComparison:
    border = max(abs(shift[0]), abs(shift[1])) + (stage.border - max(abs(stage.shift[0]), abs(stage.shift[1])))
    return dataclasses.replace(
        stage,
        shift=shift,
        shifted_f=shifted_f,
        difference=stage.f_of_shifted - shifted_f,
        relative_error=error,
        border=border,
        interior_relative_error=interior_error(stage.f_of_shifted, shifted_f, border),
    )
