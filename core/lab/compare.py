"""The "compare the fixes" view's core: the variants it trains, and the shift metrics it measures on each."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from core.lab.config import TrainConfig
from core.lab.data import to_float
from core.lab.equivariance import TINY
from core.lab.evaluation import EVAL_BATCH_SIZE, Step, part_of, predict_logits
from core.lab.models import CNN
from core.lab.shift import shift_images

# The view measures every variant on the first COMPARE_IMAGES test images.
COMPARE_IMAGES = 1_000
# The largest random shift, in pixels along each axis, the augmented variants train with: MNIST's
# centred 20×20 digits stay inside the 28×28 frame up to 4 pixels.
COMPARE_AUGMENT_SHIFT = 4
# What a variant does not inherit from the lab's settings: the CNN's options and augmentation start plain.
RESET_FIELDS = ("augment_shift", "cnn_padding", "cnn_head", "cnn_downsample")


@dataclass(frozen=True)
class Variant:
    """A model the comparison trains: its name in the table and legend, its kind, and how it differs from plain."""

    name: str
    kind: str  # "mlp" | "cnn"
    changes: dict[str, object] = field(default_factory=dict, hash=False)

    def config(self, base: TrainConfig) -> TrainConfig:
        """The base's data, budget, sizes and optimiser; the plain CNN's options and no augmentation; then the changes."""
        plain = TrainConfig()
        reset = {name: getattr(plain, name) for name in RESET_FIELDS}
        return dataclasses.replace(base, **{**reset, **self.changes})


INVARIANT = "CNN, circular + APS + global average"
VARIANTS = (
    Variant("CNN", "cnn"),
    Variant("CNN + shift augmentation", "cnn", {"augment_shift": COMPARE_AUGMENT_SHIFT}),
    Variant("CNN, circular padding", "cnn", {"cnn_padding": "circular"}),
    Variant("CNN, global average", "cnn", {"cnn_head": "gap"}),
    Variant("CNN, BlurPool", "cnn", {"cnn_downsample": "blurpool"}),
    Variant("CNN, APS", "cnn", {"cnn_downsample": "aps"}),
    # Exactly invariant to circular shifts: the convolutions and APS commute with them, the average ignores them.
    Variant(INVARIANT, "cnn", {"cnn_padding": "circular", "cnn_downsample": "aps", "cnn_head": "gap"}),
    Variant("MLP", "mlp"),
    Variant("MLP + shift augmentation", "mlp", {"augment_shift": COMPARE_AUGMENT_SHIFT}),
)

# Azulay & Weiss's one-pixel moves (dx, dy): right, left, down, up.
ONE_PIXEL_MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass(frozen=True)
class TopChange:
    """How much a one-pixel shift changes a classifier's answer (Azulay & Weiss 2019)."""

    probability: float  # fraction of (image, shifted image) pairs whose top-1 class differs
    mean_top_change: float  # mean |p_c(shifted) − p_c(original)|, c the class picked for the original


def top1_change_from(original_probs, shifted_probs) -> TopChange:
    """The two measures from class probabilities (N, K) of the originals and (..., N, K) of shifted copies.

    Each row of shifted_probs is paired with the same row of original_probs; every pair counts once.
    """
    original = np.asarray(original_probs, dtype=np.float64)
    shifted = np.asarray(shifted_probs, dtype=np.float64)
    picked = original.argmax(axis=-1)  # (N,)
    top_original = np.take_along_axis(original, picked[:, None], axis=-1)[:, 0]
    top_shifted = np.take_along_axis(shifted, np.broadcast_to(picked[:, None], (*shifted.shape[:-1], 1)), axis=-1)
    return TopChange(
        probability=float(np.mean(shifted.argmax(axis=-1) != picked)),
        mean_top_change=float(np.mean(np.abs(top_shifted[..., 0] - top_original))),
    )


def top1_change(
    model: nn.Module,
    images: torch.Tensor,
    mode: str,
    step: Step | None = None,
    original_logits: torch.Tensor | None = None,
) -> TopChange:
    """Each uint8 image (N, 28, 28) against itself moved one pixel right, left, down and up, all four pairs averaged.

    original_logits: the model's scores for the unshifted images, when the caller has them already."""
    parts = 1 + len(ONE_PIXEL_MOVES)
    if original_logits is None:
        original_logits = predict_logits(model, images, step=part_of(step, 0, parts))
    original = torch.softmax(original_logits, dim=1)
    shifted = [
        torch.softmax(predict_logits(model, shift_images(images, dx, dy, mode), step=part_of(step, i, parts)), dim=1)
        for i, (dx, dy) in enumerate(ONE_PIXEL_MOVES, start=1)
    ]
    return top1_change_from(original.numpy(), torch.stack(shifted).numpy())


# Pool2's 7×7 maps wrap round after 7 pixels, so shifts in [−3, 3]² reach every circular alignment.
MAP_ALIGNMENTS = range(-3, 4)


def last_map_error(cnn: CNN, images: torch.Tensor, dx: int, dy: int, mode: str, step: Step | None = None) -> float:
    """How far the CNN's last feature map (pool2, stride 4) is from moving with the input, averaged over images.

    For each uint8 image (N, 28, 28): the smallest relative_equivariance_error between f(shift(x)) and
    shift(f(x)) over every whole shift (sx, sy) in [−3, 3]² of the map, with the input's fill mode. The best
    alignment, not the fixed dx / 4: APS moves its maps by a shift it chooses per image (which polyphase grid it
    keeps), so comparing with dx / 4 would call an exactly equivariant network wrong. 0 when the map moves exactly.
    """
    if dx == 0 and dy == 0:
        return 0.0
    batches = images.split(EVAL_BATCH_SIZE)
    errors = []
    with torch.inference_mode():
        for done, batch in enumerate(batches, start=1):
            original = last_feature_map(cnn, batch)
            moved = last_feature_map(cnn, shift_images(batch, dx, dy, mode))
            errors.append(best_alignment_error(moved, original, mode))
            if step is not None:
                step(done / len(batches))
    return float(torch.cat(errors).double().mean())


def last_feature_map(cnn: CNN, images: torch.Tensor) -> torch.Tensor:
    """The pool2 maps (N, C, 7, 7) for uint8 images."""
    _, maps, _ = cnn.feature_maps(to_float(images))[-1]
    return maps


def best_alignment_error(f_of_shifted: torch.Tensor, f: torch.Tensor, mode: str) -> torch.Tensor:
    """Per image (N,), min over map shifts (sx, sy) of ||f(shift x) − shift(f x)|| / ||shift(f x)||.

    In float32, 2–4× faster than float64: maps that agree still give exactly 0, and the rest 7 significant digits.
    """
    best = torch.full((len(f),), math.inf)
    for sy in MAP_ALIGNMENTS:
        for sx in MAP_ALIGNMENTS:
            shifted_f = shift_images(f, sx, sy, mode)
            difference = (f_of_shifted - shifted_f).flatten(1).norm(dim=1)
            error = difference / shifted_f.flatten(1).norm(dim=1).clamp_min(TINY)
            best = torch.minimum(best, error)
    return best


def mean_and_spread(values) -> tuple[float, float]:
    """The mean of several runs' values and their spread: the sample standard deviation (0 for a single value)."""
    values = np.asarray(values, dtype=np.float64)
    spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return float(values.mean()), spread


def differs(a_values, b_values) -> bool:
    """True when two sets of runs' means are further apart than their spreads added (needs 2+ values each)."""
    mean_a, spread_a = mean_and_spread(a_values)
    mean_b, spread_b = mean_and_spread(b_values)
    return abs(mean_a - mean_b) > spread_a + spread_b
