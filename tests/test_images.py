"""Pictures of small arrays: crisp enlargement and scales that read on a projector."""

import numpy as np

from core.lab.images import (
    diverging,
    feature_map_picture,
    grey,
    strongest_channels,
    upscale,
)


def test_enlargement_is_nearest_neighbour_blocks_not_a_blur():
    image = np.array([[0, 1], [2, 3]])
    assert upscale(image, 2).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]


def test_zero_is_white_paper_and_the_top_of_the_scale_is_dark_ink():
    pixels = grey(np.array([0.0, 1.0]), 0.0, 1.0)
    assert pixels[0].tolist() == [255, 255, 255] and pixels[1].max() < 60


def test_a_difference_of_zero_is_white_and_the_signs_have_opposite_colours():
    colours = diverging(np.array([-1.0, 0.0, 1.0]), 1.0)
    assert colours[1].tolist() == [255, 255, 255]
    assert colours[0][2] > colours[0][0] and colours[2][0] > colours[2][2]  # blue below, red above


def test_the_strongest_channels_are_the_most_active_ones_in_channel_order():
    maps = np.zeros((5, 2, 2))
    maps[1] = 3.0
    maps[4] = 1.0
    maps[2] = -2.0
    assert strongest_channels(maps, 3).tolist() == [1, 2, 4]


def test_feature_maps_of_different_sizes_become_pictures_of_about_the_same_size():
    big = feature_map_picture(np.ones((8, 28, 28)), 0, 1, columns=4)
    small = feature_map_picture(np.ones((8, 7, 7)), 0, 1, columns=4)
    assert big.shape == small.shape and big.dtype == np.uint8
