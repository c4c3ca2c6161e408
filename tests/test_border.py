"""The empty border of the test images, measured by what a shift does to their ink, and the answer built on it."""

import re
from dataclasses import replace

import numpy as np
import torch

from core.lab.border import border_answer, border_question, border_table, empty_border
from core.lab.config import TrainConfig
from core.lab.evaluation import ShiftSweep
from core.lab.shift import shift_images

SHIFTS = np.arange(-8, 9)


def centred_box(size: int = 20) -> torch.Tensor:
    image = torch.zeros(28, 28, dtype=torch.uint8)
    start = (28 - size) // 2
    image[start : start + size, start : start + size] = 200
    return image


def loses_ink(image: torch.Tensor, dx: int, dy: int) -> bool:
    return int(shift_images(image, dx, dy, "zero").sum()) < int(image.sum())


def test_ink_touching_an_edge_is_lost_by_a_one_pixel_shift_towards_it():
    image = torch.zeros(28, 28, dtype=torch.uint8)
    image[10:15, 0] = 255
    room = empty_border(image.unsqueeze(0))
    assert room.keeps_ink(1, 0) == 1.0 and room.keeps_ink(-1, 0) == 0.0
    assert room.either_way("x", 1) == 0.0 and room.either_way("x", 0) == 1.0


def test_a_centred_20_by_20_box_survives_4_pixels_either_way_but_not_5():
    room = empty_border(centred_box().unsqueeze(0))
    for axis in "xy":
        assert room.either_way(axis, 4) == 1.0 and room.either_way(axis, 5) == 0.0
    assert room.reach("x") == 4 and room.half_have("x") == 4


def test_keeping_ink_agrees_with_shifting_the_images_and_counting_their_ink():
    generator = torch.Generator().manual_seed(1)
    images = torch.zeros(40, 28, 28, dtype=torch.uint8)
    for image in images:
        top, left = torch.randint(0, 14, (2,), generator=generator).tolist()
        height, width = torch.randint(1, 15, (2,), generator=generator).tolist()
        image[top : top + height, left : left + width] = 1
    images[0] = 0  # a blank image keeps its (no) ink at any shift
    room = empty_border(images)
    for dx, dy in [(0, 0), (3, 0), (-7, 2), (0, -8), (5, 5)]:
        kept = np.mean([not loses_ink(image, dx, dy) for image in images])
        assert room.keeps_ink(dx, dy) == kept
    for s in range(9):
        both = np.mean([not loses_ink(image, s, 0) and not loses_ink(image, -s, 0) for image in images])
        assert room.either_way("x", s) == both


def sweep(drop_at_4: float) -> ShiftSweep:
    curve = 0.98 - drop_at_4 * np.abs(SHIFTS) / 4
    return ShiftSweep(SHIFTS, curve, curve, "zero")


def answer_text(images, config=TrainConfig(), drop=0.4, mode="zero", shift=(2, 0)) -> str:
    return " ".join(border_answer(empty_border(images), config, mode, shift, sweep(drop)))


def test_the_answer_quotes_the_measured_shares_and_says_not_cheap_when_the_cnn_loses_much():
    images = torch.stack([centred_box(20)] * 3 + [centred_box(26)])  # three in four have 4 empty columns
    room = empty_border(images)
    assert (
        border_question(room) == "Why should shifts up to about 4 pixels be cheap for a CNN, and are they for this one?"
    )
    text = answer_text(images)
    assert "**75.00%** keep all their ink in the frame whether moved 4 pixels left or 4 pixels right" in text
    assert "(0.00% at 5 pixels)" in text
    assert "not cheap, 40.00 pts lost" in text
    # A quarter lose ink at 4 pixels: at least 40 − 25 = 15 points of the fall are images whose ink stayed in.
    assert "Only 25.00% of the images lose ink at that shift" in text and "at least **15.00 pts**" in text
    assert "At the current shift (2, 0), that is **75.00%** of the test images." in text  # the 26-pixel box: 1 column
    assert border_table(room)["along x"][4:6] == ["75.00%", "0.00%"]


def test_a_small_loss_is_called_cheap_and_no_bound_is_claimed():
    text = answer_text(torch.stack([centred_box(20)] * 4), drop=0.03)
    assert "cheap, at most 3.00 pts lost." in text and "not cheap" not in text and "at least **" not in text


def test_a_fall_no_larger_than_the_ink_lost_claims_nothing_about_the_network():
    images = torch.stack([centred_box(20)] * 3 + [centred_box(26)])
    text = answer_text(images, drop=0.2)
    assert "not cheap" in text and "inside the network" not in text


def test_wrap_says_ink_wraps_round_rather_than_is_lost():
    images = torch.stack([centred_box(20)] * 3 + [centred_box(26)])
    text = answer_text(images, mode="circular")
    assert "with circular wrap" in text and "have ink wrap round to the other side" in text and "lose ink" not in text


def test_images_that_fill_the_frame_get_no_promise_of_room():
    images = torch.stack([centred_box(28)] * 3 + [centred_box(20)])
    room = empty_border(images)
    assert room.reach("x") == 0
    assert border_question(room) == "Is there any empty border to shift into?"
    text = answer_text(images, replace(TrainConfig(), dataset="Fashion-MNIST"))
    assert "Fewer than three in four" in text and "**25.00%**" in text
    assert "cheap" not in text and "MNIST's digits" not in text and "item moved" in text


def test_the_mnist_test_set_has_room_for_4_pixels_and_less_room_up_and_down():
    from core.lab.data import BUNDLED_MNIST

    with np.load(BUNDLED_MNIST) as arrays:
        room = empty_border(torch.from_numpy(arrays["x_test"]))
    assert room.reach("x") == 4 and room.either_way("x", 4) >= 0.75 > room.either_way("x", 5)
    text = " ".join(border_answer(room, TrainConfig(), "zero", (0, 0)))
    assert "less room up and down" in text and room.half_have("y") < room.half_have("x")
    assert "current shift" not in text  # nothing moves at (0, 0)
    numbers = re.findall(r"\d+\.\d\d%", text)
    assert numbers[0] == f"{100 * room.either_way('x', 4):.2f}%"


def test_aps_is_said_to_pick_its_grid_per_image_not_called_blurpool():
    images = torch.stack([centred_box(20)] * 4)
    for padding in ("zero", "circular"):
        text = answer_text(images, TrainConfig(cnn_downsample="aps", cnn_padding=padding))
        assert "BlurPool" not in text and "max pools'" not in text
        assert (
            "APS keeps, for each image, whichever of the 4 grids of each stride-2 pooling has the largest norm" in text
        )
        assert ("tips the norms towards another grid" in text) == (padding == "zero")
    blur = answer_text(images, TrainConfig(cnn_downsample="blurpool"))
    assert "BlurPools' grid" in blur and "APS" not in blur


def test_circular_padding_is_not_said_to_stay_put_at_the_frame():
    images = torch.stack([centred_box(20)] * 4)
    assert "where the zero padding stays put" in answer_text(images)
    circular = answer_text(images, TrainConfig(cnn_padding="circular"))
    assert "stays put" not in circular and "even at the frame" in circular
