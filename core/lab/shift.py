"""Moving images and feature maps by whole pixels: the one shift used by augmentation, evaluation and the feature-map view."""

from __future__ import annotations

import torch

SHIFT_MODES = ("zero", "circular")


def shift_images(images: torch.Tensor, dx: int, dy: int, mode: str = "zero") -> torch.Tensor:
    """Move the content of (..., H, W) right by dx and down by dy; "zero" fills the gap, "circular" wraps."""
    dx, dy = int(dx), int(dy)
    if mode == "circular":
        return torch.roll(images, shifts=(dy, dx), dims=(-2, -1))
    if mode != "zero":
        raise ValueError(f"Unknown shift mode {mode!r}; use one of {SHIFT_MODES}.")
    height, width = images.shape[-2:]
    shifted = torch.zeros_like(images)
    if abs(dx) >= width or abs(dy) >= height:
        return shifted
    rows_to, rows_from = overlapping_slices(dy, height)
    cols_to, cols_from = overlapping_slices(dx, width)
    shifted[..., rows_to, cols_to] = images[..., rows_from, cols_from]
    return shifted


def overlapping_slices(offset: int, size: int) -> tuple[slice, slice]:
    """Where content lands and where it comes from when a line of `size` pixels moves by `offset`."""
    if offset >= 0:
        return slice(offset, size), slice(0, size - offset)
    return slice(0, size + offset), slice(-offset, size)


def shift_each(images: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor, mode: str = "zero") -> torch.Tensor:
    """Shift a batch (N, H, W) where image i moves by its own (dx[i], dy[i]), all in one indexing operation."""
    if mode not in SHIFT_MODES:
        raise ValueError(f"Unknown shift mode {mode!r}; use one of {SHIFT_MODES}.")
    count, height, width = images.shape
    # Output pixel (r, c) of image i reads input pixel (r - dy[i], c - dx[i]).
    rows = torch.arange(height).view(1, height, 1) - dy.view(count, 1, 1)
    cols = torch.arange(width).view(1, 1, width) - dx.view(count, 1, 1)
    which = torch.arange(count).view(count, 1, 1)
    if mode == "circular":
        return images[which, rows % height, cols % width]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    gathered = images[which, rows.clamp(0, height - 1), cols.clamp(0, width - 1)]
    return torch.where(inside, gathered, torch.zeros((), dtype=images.dtype))


def random_shift_amounts(count: int, max_shift: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Independent (dx, dy) per image, each uniform on the integers -max_shift..max_shift."""
    amounts = torch.randint(-max_shift, max_shift + 1, (2, count), generator=generator)
    return amounts[0], amounts[1]


def random_shifts(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift every image (N, H, W) by its own random (dx, dy) in [-max_shift, max_shift]², zero fill."""
    if max_shift == 0:
        return images
    dx, dy = random_shift_amounts(len(images), max_shift, generator)
    return shift_each(images, dx, dy)


def one_step_away(dx: int, dy: int, limit: int = 8) -> list[tuple[int, int]]:
    """The shifts a slider's next step can reach from (dx, dy): one pixel along either axis, within ±limit."""
    near = [(dx - 1, dy), (dx + 1, dy), (dx, dy - 1), (dx, dy + 1)]
    return [(x, y) for x, y in near if abs(x) <= limit and abs(y) <= limit]
