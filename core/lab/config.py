"""The settings that decide a trained model: their defaults, bounds, the values the lab offers, and their labels."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.lab.data import DATASETS

PADDINGS = ("zero", "circular")
HEADS = ("flatten", "gap")
DOWNSAMPLES = ("max", "blurpool", "aps")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a trained model; the defaults train both models in about a second."""

    dataset: str = "MNIST"
    train_size: int = 16_000
    epochs: int = 1
    seed: int = 0
    augment_shift: int = 0  # largest random shift in pixels while training; 0 = no augmentation
    mlp_hidden: int = 256
    cnn_padding: str = "zero"  # "zero" | "circular"
    cnn_head: str = "flatten"  # "flatten" | "gap" (global average pooling)
    cnn_downsample: str = "max"  # "max" | "blurpool" (anti-aliased, Zhang 2019) | "aps" (Chaman & Dokmanić 2021)
    cnn_conv1_channels: int = 16
    cnn_conv2_channels: int = 32
    batch_size: int = 64
    learning_rate: float = 1e-2  # the peak of the one-cycle schedule

    @staticmethod
    def bounds() -> dict[str, tuple[float, float]]:
        """Smallest and largest allowed value of every numeric field."""
        return dict(NUMERIC_BOUNDS)

    @staticmethod
    def choices() -> dict[str, tuple[str, ...]]:
        """Allowed values of every text field."""
        return dict(TEXT_CHOICES)

    def validated(self) -> TrainConfig:
        """This config unchanged if every field is allowed; otherwise ValueError naming each problem."""
        problems = []
        for name, (low, high) in NUMERIC_BOUNDS.items():
            value = getattr(self, name)
            number_types = (int, float) if name in FLOAT_FIELDS else (int,)
            if isinstance(value, bool) or not isinstance(value, number_types) or not low <= value <= high:
                kind = "a number" if name in FLOAT_FIELDS else "a whole number"
                problems.append(f"{name} must be {kind} from {low:,} to {high:,}, not {value!r}")
        for name, allowed in TEXT_CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                problems.append(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if problems:
            raise ValueError("Invalid training settings: " + "; ".join(problems) + ".")
        return self

    def clamped(self) -> TrainConfig:
        """A copy with every numeric field pulled into its bounds; text fields are left for validated to judge."""
        changes = {}
        for name, (low, high) in NUMERIC_BOUNDS.items():
            kind = float if name in FLOAT_FIELDS else int
            changes[name] = kind(min(max(getattr(self, name), low), high))
        return dataclasses.replace(self, **changes)


NUMERIC_BOUNDS: dict[str, tuple[float, float]] = {
    "train_size": (1_000, 60_000),
    "epochs": (1, 10),
    "seed": (0, 9_999),
    "augment_shift": (0, 4),
    "mlp_hidden": (16, 512),
    "cnn_conv1_channels": (4, 64),
    "cnn_conv2_channels": (4, 128),
    "batch_size": (16, 1_024),
    "learning_rate": (1e-4, 1e-1),
}
FLOAT_FIELDS = ("learning_rate",)
# The values the lab offers on its sliders, within the bounds above (any value inside them trains).
OFFERED = {
    "train_size": (1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 60_000),
    "mlp_hidden": (16, 32, 64, 128, 256, 512),
}
# How each choice reads on screen (and in a shared link).
CHOICE_LABELS = {
    "cnn_padding": {"zero": "zero", "circular": "circular"},
    "cnn_head": {"flatten": "flatten", "gap": "global average"},
    "cnn_downsample": {"max": "max pool", "blurpool": "BlurPool", "aps": "APS"},
}
TEXT_CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": DATASETS,
    "cnn_padding": PADDINGS,
    "cnn_head": HEADS,
    "cnn_downsample": DOWNSAMPLES,
}
# The help beside each setting in the sidebar.
SETTING_HELP = {
    "augment_shift": "Train on images moved at random by up to this many pixels along each axis, so the models see "
    "those positions too. It does not make either model's output invariant to a shift.",
    "cnn_padding": "What the convolutions see beyond the edge: zeros, or the opposite edge (a torus).",
    "cnn_head": "Flatten: the classifier gives every position of the last maps its own weights. Global average: it "
    "averages each map over all positions, so the head, not the network, is blind to where a feature sits; the maps "
    "it averages still change at the borders and with the pooling grid (with circular padding and APS, under a "
    "circular shift, they do not: the whole CNN is then invariant), and the average discards where each feature is, "
    "which can cost accuracy even on unshifted images.",
    "cnn_downsample": "BlurPool blurs before subsampling, so small shifts change the pooled maps less (Zhang 2019, "
    "Making convolutional networks shift-invariant again). APS (adaptive polyphase sampling) keeps, of the four "
    "grids a stride of 2 can keep, the one with the largest norm, so a circular shift only changes which grid is kept "
    "(Chaman & Dokmanić 2021, Truly shift-invariant convolutional neural networks).",
}
