"""Does a feature map move with its input? Compares f(shift(x)) with shift(f(x)) layer by layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.lab.data import to_float
from core.lab.models import CNN, MLP
from core.lab.shift import shift_images

TINY = 1e-12
# How far, in feature-map pixels, the zero padding of this two-stage CNN reaches in from an edge.
PADDING_REACH = 2


def relative_equivariance_error(a, b) -> float:
    """||a − b|| / ||b||: 0 when the two agree exactly (a tiny floor keeps an all-zero b from dividing by zero)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), TINY))


@dataclass
class LayerComparison:
    """One layer's maps for the shifted image, f(shift(x)), next to its shifted maps, shift(f(x))."""

    name: str
    stride: int  # input pixels per feature-map pixel
    downsampled: bool  # this stage subsampled its input (a pooling): its stride is larger than the stage before's
    shift: tuple[int, int]  # (dx, dy) applied to the feature map: the input shift / stride, rounded
    whole: bool  # True when the input shift is a whole number of feature-map pixels
    f_of_shifted: np.ndarray  # (C, h, w)
    shifted_f: np.ndarray  # (C, h, w)
    difference: np.ndarray  # f_of_shifted - shifted_f
    relative_error: float
    border: int  # width of the edge band, in feature-map pixels, treated as "near the border"
    interior_relative_error: float  # the same error away from the edge band (nan if no interior is left)
    # How far each map's average over all positions (what a global-average head reads) moves: f(shift(x)) against f(x).
    mean_relative_error: float


def feature_shift(d: int, stride: int) -> int:
    """d / stride rounded to the nearest whole pixel, halves away from zero."""
    return int(np.sign(d) * np.floor(abs(d) / stride + 0.5))


def compare_layers(cnn: CNN, image: torch.Tensor, dx: int, dy: int, mode: str = "zero") -> list[LayerComparison]:
    """For each layer in cnn.feature_maps: how far f(shift(x)) is from shift(f(x)) for one uint8 image (28, 28)."""
    images = image.reshape(1, *image.shape[-2:])
    with torch.inference_mode():
        original = cnn.feature_maps(to_float(images))
        shifted = cnn.feature_maps(to_float(shift_images(images, dx, dy, mode)))
    comparisons = []
    previous_stride = 1
    for (name, maps, stride), (_, maps_of_shifted, _) in zip(original, shifted):
        shift = (feature_shift(dx, stride), feature_shift(dy, stride))
        # The CNN computes in channels-last order; callers get plain (C, h, w) arrays.
        f_of_shifted = np.ascontiguousarray(maps_of_shifted[0].numpy())
        shifted_f = np.ascontiguousarray(shift_images(maps[0], *shift, mode=mode).numpy())
        border = max(abs(shift[0]), abs(shift[1])) + PADDING_REACH
        comparisons.append(
            LayerComparison(
                name=name,
                stride=stride,
                downsampled=stride > previous_stride,
                shift=shift,
                whole=dx % stride == 0 and dy % stride == 0,
                f_of_shifted=f_of_shifted,
                shifted_f=shifted_f,
                difference=f_of_shifted - shifted_f,
                relative_error=relative_equivariance_error(f_of_shifted, shifted_f),
                border=border,
                interior_relative_error=interior_error(f_of_shifted, shifted_f, border),
                mean_relative_error=relative_equivariance_error(
                    f_of_shifted.mean(axis=(1, 2), dtype=np.float64),
                    maps[0].numpy().mean(axis=(1, 2), dtype=np.float64),
                ),
            )
        )
        previous_stride = stride
    return comparisons


def interior(maps: np.ndarray, border: int) -> np.ndarray:
    """The maps (C, h, w) without a band `border` pixels wide along every edge."""
    return maps[..., border : maps.shape[-2] - border, border : maps.shape[-1] - border]


def interior_error(f_of_shifted: np.ndarray, shifted_f: np.ndarray, border: int) -> float:
    inside_a, inside_b = interior(f_of_shifted, border), interior(shifted_f, border)
    return relative_equivariance_error(inside_a, inside_b) if inside_a.size else float("nan")


@dataclass
class HiddenComparison:
    """The MLP's hidden units for an image and for the shifted image: they change rather than move."""

    original: np.ndarray  # (hidden,)
    shifted: np.ndarray  # (hidden,)
    correlation: float  # Pearson correlation of the two activation vectors


def mlp_hidden_comparison(mlp: MLP, image: torch.Tensor, dx: int, dy: int, mode: str = "zero") -> HiddenComparison:
    """Hidden activations of one uint8 image (28, 28) and of the same image moved by (dx, dy)."""
    images = image.reshape(1, *image.shape[-2:])
    with torch.inference_mode():
        original = mlp.hidden_activations(to_float(images))[0].numpy()
        shifted = mlp.hidden_activations(to_float(shift_images(images, dx, dy, mode)))[0].numpy()
    return HiddenComparison(
        original=original,
        shifted=shifted,
        correlation=pearson_correlation(original, shifted),
    )


def pearson_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two vectors; 0 when either is constant, since then nothing co-varies."""
    a = a.astype(np.float64) - a.mean()
    b = b.astype(np.float64) - b.mean()
    scale = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / scale) if scale > TINY else 0.0
