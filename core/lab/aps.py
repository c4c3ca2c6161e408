"""Adaptive polyphase sampling (Chaman & Dokmanić, CVPR 2021): subsample by 2 on the grid where the maps are strongest.

A stride-2 subsampling keeps one of four grids, the polyphase components: the pixels at even or odd rows and even or
odd columns. Ordinary pooling always keeps the (0, 0) grid, so a one-pixel shift of its input hands it different
pixels. APS keeps, for each image, the component with the largest L2 norm over all channels. A circular shift of
the input only permutes the components (and rolls each), so APS picks the same pixels and its output is a circular
shift of the unshifted output: the downsampling commutes with circular shifts, exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Row and column offset of each polyphase component, in the order polyphase_components returns them.
COMPONENT_OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))


def polyphase_components(x: torch.Tensor) -> torch.Tensor:
    """The four stride-2 grids of maps (N, C, H, W), H and W even: (N, 4, C, H/2, W/2) in COMPONENT_OFFSETS order."""
    height, width = x.shape[-2:]
    if height % 2 or width % 2:
        raise ValueError(f"Polyphase components need an even height and width, not {height} × {width}.")
    return torch.stack([x[..., row::2, col::2] for row, col in COMPONENT_OFFSETS], dim=1)


def component_norms(x: torch.Tensor) -> torch.Tensor:
    """Squared L2 norm (N, 4) of each polyphase component of maps (N, C, H, W), in float64.

    Each pixel's sum over channels is the same number wherever the pixel sits; only the order of the sums over
    positions depends on a shift, and in float64 it changes a norm far too little to change which one is largest.
    """
    batch, _, height, width = x.shape
    energy = x.square().sum(dim=1).double()  # (N, H, W): channels summed in float32, twice as fast
    return energy.view(batch, height // 2, 2, width // 2, 2).sum(dim=(1, 3)).reshape(batch, 4)


def aps_downsample(x: torch.Tensor) -> torch.Tensor:
    """Maps (N, C, H, W), H and W even → (N, C, H/2, W/2): per image, the component with the largest norm (ties → first)."""
    batch, channels, height, width = x.shape
    if height % 2 or width % 2:
        raise ValueError(f"APS needs an even height and width, not {height} × {width}.")
    chosen = component_norms(x).argmax(dim=1)  # argmax returns the first of equal maxima
    grids = x.view(batch, channels, height // 2, 2, width // 2, 2)
    # Indexing the row and column offsets picks each image's grid without copying the other three.
    return grids[torch.arange(batch), :, :, chosen // 2, :, chosen % 2]


class ReluAPSPool(nn.Module):
    """ReLU, 2×2 max with stride 1, then APS: max pooling whose subsampling grid follows the input (Chaman & Dokmanić 2021)."""

    def __init__(self, padding: str):
        super().__init__()
        self.circular = padding == "circular"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = self.pad_right_and_bottom(x)
        if torch.is_grad_enabled():
            return aps_downsample(F.relu(F.max_pool2d(padded, 2, stride=1)))
        # With no gradient to route back, the larger of each row pair, then of each column pair, gives
        # max_pool2d's numbers about 4× faster; ReLU after the max gives the same numbers as before it.
        rows = torch.maximum(padded[..., :-1, :], padded[..., 1:, :])
        return aps_downsample(torch.maximum(rows[..., :-1], rows[..., 1:]).clamp_min_(0))

    def pad_right_and_bottom(self, x: torch.Tensor) -> torch.Tensor:
        """One more row and column, by the model's padding rule: sizes stay 28 → 14 → 7 and, when circular, the
        stride-1 max stays exactly equivariant to every circular shift, odd ones included."""
        if not self.circular:
            return F.pad(x, (0, 1, 0, 1))  # zeros: the max, floored at 0 by ReLU, is the same as padding after it
        # Concatenating keeps the channels-last memory the CNN runs in; F.pad's circular mode does not,
        # and max_pool2d then runs 5× slower.
        x = torch.cat([x, x[..., :1, :]], dim=-2)
        return torch.cat([x, x[..., :1]], dim=-1)
