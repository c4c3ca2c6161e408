"""Facts about moving images by whole pixels, checked by hand and against padding-then-cropping."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from core.lab.shift import random_shift_amounts, random_shifts, shift_each, shift_images

shifts = st.integers(min_value=-9, max_value=9)
# No per-example deadline: a busy 2-core CI machine can stall any single example.
patient = settings(deadline=None)


def random_images(count=3, size=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(1, 256, (count, size, size), dtype=torch.uint8, generator=generator)


def test_a_bright_pixel_moves_right_by_dx_and_down_by_dy():
    image = torch.zeros(5, 5, dtype=torch.uint8)
    image[1, 1] = 255
    moved = shift_images(image, dx=2, dy=1)
    assert moved.nonzero().tolist() == [[2, 3]]
    assert shift_images(image, dx=-1, dy=-1).nonzero().tolist() == [[0, 0]]


def test_zero_shift_of_a_3x3_image_matches_the_hand_worked_result():
    image = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert shift_images(image, 1, 0).tolist() == [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    assert shift_images(image, 0, -1).tolist() == [[4, 5, 6], [7, 8, 9], [0, 0, 0]]
    assert shift_images(image, -1, 1, mode="circular").tolist() == [[8, 9, 7], [2, 3, 1], [5, 6, 4]]


@patient
@given(dx=shifts, dy=shifts)
def test_zero_shift_equals_zero_padding_then_cropping(dx, dy):
    images = random_images()
    pad = 9
    padded = F.pad(images, (pad, pad, pad, pad))
    expected = padded[:, pad - dy : pad - dy + 8, pad - dx : pad - dx + 8]
    assert torch.equal(shift_images(images, dx, dy), expected)


@pytest.mark.parametrize("mode", ["zero", "circular"])
def test_shift_by_zero_is_the_identity_for_any_dtype(mode):
    for images in (random_images(), torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8).to(torch.float64)):
        assert torch.equal(shift_images(images, 0, 0, mode), images)


@patient
@given(dx=st.integers(-7, 7), dy=st.integers(-7, 7))
def test_zero_shift_then_the_opposite_shift_restores_the_interior(dx, dy):
    images = random_images()
    restored = shift_images(shift_images(images, dx, dy), -dx, -dy)
    # Only the pixels that never left the frame can come back.
    rows = slice(max(0, -dy), 8 - max(0, dy))
    cols = slice(max(0, -dx), 8 - max(0, dx))
    assert torch.equal(restored[:, rows, cols], images[:, rows, cols])
    lost = torch.ones(8, 8, dtype=torch.bool)
    lost[rows, cols] = False
    assert (restored[:, lost] == 0).all()


@patient
@given(dx=shifts, dy=shifts)
def test_circular_shift_is_a_permutation_undone_exactly_by_the_opposite_shift(dx, dy):
    images = torch.randn(2, 3, 8, 8)
    rolled = shift_images(images, dx, dy, mode="circular")
    assert torch.equal(rolled.flatten(-2).sort().values, images.flatten(-2).sort().values)
    assert torch.equal(shift_images(rolled, -dx, -dy, mode="circular"), images)


@pytest.mark.parametrize(("dx", "dy"), [(28, 0), (0, -28), (30, 30), (-100, 3)])
def test_a_zero_shift_by_the_whole_size_or_more_leaves_nothing(dx, dy):
    images = random_images(size=28)
    assert torch.equal(shift_images(images, dx, dy), torch.zeros_like(images))


def test_feature_maps_shift_along_their_last_two_axes_only():
    maps = torch.randn(2, 4, 7, 7)
    moved = shift_images(maps, 1, 2)
    assert torch.equal(moved[:, :, 2:, 1:], maps[:, :, :-2, :-1])
    assert (moved[:, :, :2, :] == 0).all() and (moved[:, :, :, :1] == 0).all()


def test_an_unknown_mode_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown shift mode"):
        shift_images(torch.zeros(3, 3), 1, 0, mode="reflect")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), mode=st.sampled_from(["zero", "circular"]))
def test_shift_each_moves_every_image_as_shift_images_would(seed, mode):
    images = random_images(count=6, size=10, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    dx, dy = torch.randint(-12, 13, (2, 6), generator=generator)
    moved = shift_each(images, dx, dy, mode)
    for i in range(6):
        assert torch.equal(moved[i], shift_images(images[i], int(dx[i]), int(dy[i]), mode))


def test_random_shifts_draws_every_offset_in_the_square_and_applies_it_per_image():
    images = random_images(count=2000, size=6)
    moved = random_shifts(images, 2, torch.Generator().manual_seed(7))
    dx, dy = random_shift_amounts(2000, 2, torch.Generator().manual_seed(7))
    assert set(zip(dx.tolist(), dy.tolist())) == {(x, y) for x in range(-2, 3) for y in range(-2, 3)}
    for i in range(0, 2000, 97):
        assert torch.equal(moved[i], shift_images(images[i], int(dx[i]), int(dy[i])))


def test_random_shifts_with_the_same_generator_seed_repeat_exactly():
    images = random_images(count=50)
    first = random_shifts(images, 3, torch.Generator().manual_seed(1))
    again = random_shifts(images, 3, torch.Generator().manual_seed(1))
    other = random_shifts(images, 3, torch.Generator().manual_seed(2))
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_random_shifts_of_at_most_zero_pixels_change_nothing():
    images = random_images()
    assert torch.equal(random_shifts(images, 0, torch.Generator()), images)
