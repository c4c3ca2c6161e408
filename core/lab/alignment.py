"""APS's maps compared where they move: APS moves its maps by a whole number of cells it picks per image (which grid
it keeps), which can be a cell off dx / stride rounded, so each stage after the first APS is compared at the whole-cell
shift, within a cell of the rounded one, that matches f(shift(x)) best, as /compare's last-map error does."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from core.lab.data import to_float
from core.lab.equivariance import LayerComparison, interior_error, relative_equivariance_error
from core.lab.models import CNN
from core.lab.shift import shift_images

# APS keeps the grid the shifted image's norms pick: its maps move by dx / stride rounded down or up, never further.
OFFSETS = sorted(
    ((ox, oy) for oy in (-1, 0, 1) for ox in (-1, 0, 1)), key=lambda offset: abs(offset[0]) + abs(offset[1])
)


def aps_aligned(
    comparisons: list[LayerComparison],
    downsample: str,
    mode: str,
    cnn: CNN | None = None,
    image: torch.Tensor | None = None,
) -> list[LayerComparison]:
    """The comparisons, each stage past conv1 moved to its best-matching whole-cell shift where the CNN uses APS;
    unchanged otherwise. Under a wrap a roll of shift(f(x)) is exactly f(x) rolled further; under a zero fill the
    cells that left the frame are gone, so f(x) is computed again from the CNN and its image (no cnn: unchanged).
    The rounded shift wins a tie, so maps that already match there stay as they are."""
    if downsample != "aps" or (mode != "circular" and (cnn is None or image is None)):
        return comparisons
    originals = original_maps(cnn, image) if mode != "circular" else [None] * len(comparisons)
    return [
        stage if stage.stride == 1 else best_alignment(stage, mode, original)
        for stage, original in zip(comparisons, originals)
    ]


def original_maps(cnn: CNN, image: torch.Tensor) -> list[np.ndarray]:
    """f(x): each stage's maps (C, h, w) for one uint8 image (28, 28), not shifted."""
    with torch.inference_mode():
        stages = cnn.feature_maps(to_float(image.reshape(1, *image.shape[-2:])))
    return [np.ascontiguousarray(maps[0].numpy()) for _, maps, _ in stages]


def best_alignment(
    stage: LayerComparison, mode: str = "circular", original: np.ndarray | None = None
) -> LayerComparison:
    """The stage compared at the whole-cell shift within a cell of its own that gives the smallest relative error;
    the maps shifted with the input's fill (from f(x) itself when the fill is not a wrap)."""
    best, best_error = stage, stage.relative_error
    for ox, oy in OFFSETS[1:]:
        shift = (stage.shift[0] + ox, stage.shift[1] + oy)
        if original is None:
            shifted_f = np.roll(stage.shifted_f, (oy, ox), axis=(-2, -1))
        else:
            shifted_f = shift_images(torch.from_numpy(original), *shift, mode=mode).numpy()
        error = relative_equivariance_error(stage.f_of_shifted, shifted_f)
        if error < best_error:
            best, best_error = moved(stage, shifted_f, shift, error), error
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
