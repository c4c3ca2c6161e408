"""Facts about equivariance: convolutions commute with shifts, padding breaks it at the borders, stride-2 pooling for odd shifts."""

import numpy as np
import pytest
import torch
from torch import nn

from core.lab.equivariance import (
    compare_layers,
    feature_shift,
    mlp_hidden_comparison,
    pearson_correlation,
    relative_equivariance_error,
)
from core.lab.models import CNN, MLP
from core.lab.shift import shift_images


@pytest.fixture
def digit():
    """A 28×28 uint8 '7'-like stroke, well away from the borders."""
    image = torch.zeros(28, 28, dtype=torch.uint8)
    image[7, 8:20] = 255
    image[8:21, 18] = 200
    image[14, 12:22] = 120
    return image


def seeded_cnn(**kwargs):
    torch.manual_seed(0)
    return CNN(**kwargs).eval()


def test_relative_error_is_the_norm_of_the_difference_over_the_norm_of_the_reference():
    assert relative_equivariance_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_equivariance_error([3.0, 0.0], [0.0, 4.0]) == pytest.approx(5 / 4)
    assert relative_equivariance_error([1.0], [0.0]) > 1e9  # a zero reference does not divide by zero


@pytest.mark.parametrize(("dx", "dy"), [(1, 0), (0, -3), (5, 2), (-7, 11)])
def test_a_circularly_padded_conv_commutes_exactly_with_circular_shifts(dx, dy):
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3, padding=1, padding_mode="circular")
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        f_of_shifted = conv(shift_images(x, dx, dy, "circular"))
        shifted_f = shift_images(conv(x), dx, dy, "circular")
    assert relative_equivariance_error(f_of_shifted, shifted_f) < 1e-6


def test_a_zero_padded_conv_shifted_by_one_pixel_errs_only_within_two_pixels_of_the_border():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 4, 3, padding=1)
    x = torch.full((1, 1, 16, 16), -0.42)  # the normalised black background
    x[..., 5:11, 5:11] = torch.randn(6, 6)  # content away from the borders
    with torch.no_grad():
        difference = conv(shift_images(x, 1, 0)) - shift_images(conv(x), 1, 0)
    assert difference.abs().max() > 1e-2
    assert difference[..., 2:-2, 2:-2].abs().max() == 0


def test_zero_padded_cnn_conv1_differs_only_near_the_border_for_a_one_pixel_shift(digit):
    conv1 = compare_layers(seeded_cnn(padding="zero"), digit, 1, 0, "zero")[0]
    assert conv1.name == "conv1" and conv1.border == 3
    assert conv1.relative_error > 1e-3
    assert conv1.interior_relative_error < 1e-6


@pytest.mark.parametrize(("dx", "dy"), [(0, 0), (1, 0), (0, 1), (3, -2), (-5, 7), (2, 2), (4, -6)])
def test_circular_cnn_conv1_moves_with_any_shift_and_pool1_only_with_even_ones(digit, dx, dy):
    conv1, pool1, _, _ = compare_layers(seeded_cnn(padding="circular"), digit, dx, dy, "circular")
    assert conv1.relative_error < 1e-6
    assert pool1.whole == (dx % 2 == 0 and dy % 2 == 0)
    if pool1.whole:
        assert pool1.relative_error < 1e-6
    else:
        assert pool1.relative_error > 0.05


def test_circular_cnn_is_exactly_equivariant_at_every_layer_for_shifts_that_are_multiples_of_4(digit):
    comparisons = compare_layers(seeded_cnn(padding="circular"), digit, 4, -8, "circular")
    assert [c.relative_error < 1e-6 for c in comparisons] == [True, True, True, True]
    assert [c.shift for c in comparisons] == [(4, -8), (2, -4), (2, -4), (1, -2)]


def test_blurpool_shrinks_the_error_an_odd_shift_causes_compared_with_max_pooling(digit):
    max_cnn = seeded_cnn(padding="circular")
    blur_cnn = CNN(padding="circular", downsample="blurpool").eval()
    blur_cnn.load_state_dict(max_cnn.state_dict(), strict=False)  # same convolutions, different pooling
    with_max = compare_layers(max_cnn, digit, 1, 0, "circular")
    with_blur = compare_layers(blur_cnn, digit, 1, 0, "circular")
    assert with_blur[1].relative_error < 0.9 * with_max[1].relative_error  # pool1
    assert with_blur[3].relative_error < 0.9 * with_max[3].relative_error  # pool2


def test_feature_map_shift_is_the_input_shift_over_the_stride_rounded_half_away_from_zero():
    assert [feature_shift(d, 2) for d in (-3, -2, -1, 0, 1, 2, 3)] == [-2, -1, -1, 0, 1, 1, 2]
    assert [feature_shift(d, 4) for d in (1, 2, 3, 6)] == [0, 1, 1, 2]


def test_layer_comparison_holds_both_maps_and_their_difference(digit):
    pool1 = compare_layers(seeded_cnn(), digit, 3, 2, "zero")[1]
    assert (pool1.stride, pool1.shift, pool1.whole) == (2, (2, 1), False)
    assert pool1.f_of_shifted.shape == pool1.shifted_f.shape == (16, 14, 14)
    np.testing.assert_array_equal(pool1.difference, pool1.f_of_shifted - pool1.shifted_f)


def test_pearson_correlation_matches_hand_worked_vectors():
    assert pearson_correlation(np.array([1.0, 2, 3]), np.array([2.0, 4, 6])) == pytest.approx(1.0)
    assert pearson_correlation(np.array([1.0, 2, 3]), np.array([3.0, 2, 1])) == pytest.approx(-1.0)
    assert pearson_correlation(np.array([1.0, 2, 3]), np.zeros(3)) == 0.0


def test_one_pixel_changes_more_than_half_of_the_mlps_hidden_vector_instead_of_moving_it(digit):
    torch.manual_seed(0)
    mlp = MLP(hidden=256).eval()
    unmoved = mlp_hidden_comparison(mlp, digit, 0, 0)
    assert unmoved.correlation == pytest.approx(1.0) and np.array_equal(unmoved.original, unmoved.shifted)
    moved = mlp_hidden_comparison(mlp, digit, 1, 0)
    assert moved.original.shape == moved.shifted.shape == (256,)
    # The hidden units have no positions to move along, so the whole vector changes.
    assert relative_equivariance_error(moved.shifted, moved.original) > 0.5 and moved.correlation < 0.8


def test_the_pooling_stages_are_the_ones_whose_stride_grows():
    comparisons = compare_layers(seeded_cnn(padding="zero"), torch.zeros(28, 28, dtype=torch.uint8), 1, 0, "zero")
    assert [(c.name, c.downsampled) for c in comparisons] == [
        ("conv1", False),
        ("pool1", True),
        ("conv2", False),
        ("pool2", True),
    ]


@pytest.mark.parametrize(("dx", "dy"), [(2, 0), (0, -2), (2, 2), (-6, 2)])
def test_on_a_torus_blurpool_keeps_each_pool2_maps_average_for_even_shifts_though_the_maps_do_not_move(digit, dx, dy):
    """The binomial blur, then every second cell, keeps a quarter of the map's total whichever cells it keeps: with
    conv2's maps moved by whole cells on the torus, the averages a global-average head reads do not change."""
    cnn = seeded_cnn(padding="circular", downsample="blurpool", head="gap")
    pool2 = compare_layers(cnn, digit, dx, dy, "circular")[-1]
    assert not pool2.whole and pool2.relative_error > 0.05
    assert pool2.mean_relative_error < 1e-6


@pytest.mark.parametrize(
    ("downsample", "padding", "mode", "shift"),
    [
        ("max", "circular", "circular", (2, 0)),
        ("blurpool", "circular", "circular", (1, 1)),
        ("blurpool", "zero", "zero", (2, 0)),
    ],
)
def test_pool2s_averages_change_with_max_pooling_an_odd_shift_or_borders(digit, downsample, padding, mode, shift):
    pool2 = compare_layers(seeded_cnn(padding=padding, downsample=downsample), digit, *shift, mode)[-1]
    assert pool2.mean_relative_error > 1e-3
