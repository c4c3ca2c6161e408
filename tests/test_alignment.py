"""APS's maps compared where APS moved them: on a torus every stage then matches f(shift(x)) exactly; with a zero fill
at the whole-cell shift that matches best."""

import numpy as np
import torch

from core.lab.alignment import aps_aligned, original_maps
from core.lab.equivariance import compare_layers, feature_shift, relative_equivariance_error
from core.lab.models import CNN
from core.lab.shift import shift_images

SHIFTS = ((1, 0), (-3, 1), (2, -8), (3, 3), (0, -5))


def images():
    generator = torch.Generator().manual_seed(3)
    return torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8, generator=generator)


def aps_comparisons(padding: str, mode: str):
    """(cnn, image, dx, dy, each layer compared at the rounded shift) for an untrained APS CNN, every image and shift."""
    torch.manual_seed(0)
    cnn = CNN(padding=padding, downsample="aps").eval()
    for image in images():
        for dx, dy in SHIFTS:
            yield cnn, image, dx, dy, compare_layers(cnn, image, dx, dy, mode)


def test_on_a_torus_aps_maps_match_exactly_at_a_shift_within_a_cell_of_the_rounded_one():
    realigned = 0
    for _, _, dx, dy, fixed in aps_comparisons("circular", "circular"):
        for before, after in zip(fixed, aps_aligned(fixed, "aps", "circular")):
            assert after.relative_error < 1e-5, (before.name, dx, dy, before.relative_error)
            rounded = (feature_shift(dx, before.stride), feature_shift(dy, before.stride))
            assert before.shift == rounded and max(abs(a - r) for a, r in zip(after.shift, rounded)) <= 1
            if after.shift != rounded:
                assert before.relative_error > 0.05  # compared at dx / stride, the same maps look far off
                realigned += 1
    assert realigned  # APS did pick another grid somewhere, and the comparison followed it


def test_with_a_zero_fill_aps_maps_are_compared_at_the_whole_cell_shift_that_matches_best():
    realigned = 0
    for cnn, image, dx, dy, fixed in aps_comparisons("zero", "zero"):
        originals = original_maps(cnn, image)
        for before, after, f in zip(fixed, aps_aligned(fixed, "aps", "zero", cnn, image), originals):
            assert after.relative_error <= before.relative_error, (before.name, dx, dy)
            assert max(abs(a - r) for a, r in zip(after.shift, before.shift)) <= 1
            # the maps it was compared with are f(x) moved by the shift it names, with the zero fill
            np.testing.assert_array_equal(after.shifted_f, shift_images(torch.from_numpy(f), *after.shift).numpy())
            assert after.relative_error == relative_equivariance_error(after.f_of_shifted, after.shifted_f)
            realigned += after.shift != before.shift
    assert realigned  # APS did pick another grid somewhere, and the comparison followed it


def test_other_pooling_is_compared_at_the_rounded_shift():
    torch.manual_seed(0)
    image = images()[0]
    for downsample, mode in (("max", "circular"), ("blurpool", "circular"), ("max", "zero")):
        cnn = CNN(padding="circular", downsample=downsample).eval()
        fixed = compare_layers(cnn, image, 1, 0, mode)
        assert aps_aligned(fixed, downsample, mode, cnn, image) is fixed
