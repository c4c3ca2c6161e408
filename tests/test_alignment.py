"""APS's maps compared where APS moved them: on a torus every stage then matches f(shift(x)) exactly."""

import torch

from core.lab.alignment import aps_aligned
from core.lab.equivariance import compare_layers, feature_shift
from core.lab.models import CNN

SHIFTS = ((1, 0), (-3, 1), (2, -8), (3, 3), (0, -5))


def images():
    generator = torch.Generator().manual_seed(3)
    return torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8, generator=generator)


def test_on_a_torus_aps_maps_match_exactly_at_a_shift_within_a_cell_of_the_rounded_one():
    torch.manual_seed(0)
    cnn = CNN(padding="circular", downsample="aps").eval()
    realigned = 0
    for image in images():
        for dx, dy in SHIFTS:
            fixed = compare_layers(cnn, image, dx, dy, "circular")
            for before, after in zip(fixed, aps_aligned(fixed, "aps", "circular")):
                assert after.relative_error < 1e-5, (before.name, dx, dy, before.relative_error)
                rounded = (feature_shift(dx, before.stride), feature_shift(dy, before.stride))
                assert before.shift == rounded and max(abs(a - r) for a, r in zip(after.shift, rounded)) <= 1
                if after.shift != rounded:
                    assert before.relative_error > 0.05  # compared at dx / stride, the same maps look far off
                    realigned += 1
    assert realigned  # APS did pick another grid somewhere, and the comparison followed it


def test_other_pooling_or_a_zero_fill_is_compared_at_the_rounded_shift():
    torch.manual_seed(0)
    image = images()[0]
    for downsample, mode in (("max", "circular"), ("blurpool", "circular"), ("aps", "zero")):
        cnn = CNN(padding="circular", downsample=downsample).eval()
        fixed = compare_layers(cnn, image, 1, 0, mode)
        assert aps_aligned(fixed, downsample, mode) is fixed
