"""Adaptive polyphase sampling: it keeps the strongest grid, commutes with circular shifts, and with circular padding
and a global-average head makes the CNN's prediction the same for every circular shift, trained or not."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from core.lab.aps import ReluAPSPool, aps_downsample, polyphase_components
from core.lab.config import CHOICE_LABELS, DOWNSAMPLES, TrainConfig
from core.lab.data import load_mnist, to_float
from core.lab.models import CNN
from core.lab.training import train_model

PAGE = "pages/equivariance.py"


def test_the_four_polyphase_components_are_the_even_and_odd_rows_and_columns_in_reading_order():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    components = polyphase_components(x)
    assert components.shape == (1, 4, 1, 2, 2)
    assert components[0, :, 0].tolist() == [
        [[0, 2], [8, 10]],  # (0, 0): even rows, even columns
        [[1, 3], [9, 11]],  # (0, 1): even rows, odd columns
        [[4, 6], [12, 14]],  # (1, 0): odd rows, even columns
        [[5, 7], [13, 15]],  # (1, 1)
    ]


def test_aps_keeps_the_component_with_the_largest_norm_over_all_channels_not_the_largest_value():
    x = torch.zeros(1, 2, 4, 4)
    x[0, 0, 0, 1] = 3.0  # component (0, 1) holds the largest single value: its norm² is 9
    x[0, 0, 1, 0] = x[0, 0, 3, 2] = x[0, 1, 1, 2] = 2.0  # component (1, 0): norm² 12, spread over both channels
    assert torch.equal(aps_downsample(x), x[..., 1::2, 0::2])
    x[0, 0, 0, 1] = 4.0  # now (0, 1) is the strongest: norm² 16
    assert torch.equal(aps_downsample(x), x[..., 0::2, 1::2])


def test_aps_chooses_per_image_and_keeps_the_first_of_equally_strong_components():
    x = torch.zeros(2, 1, 2, 2)
    x[0, 0] = torch.tensor([[1.0, -1.0], [1.0, 0.5]])  # norms 1, 1, 1, 0.25: the first, (0, 0)
    x[1, 0] = torch.tensor([[0.0, 0.0], [0.0, 7.0]])
    assert aps_downsample(x).flatten().tolist() == [1.0, 7.0]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    half_height=st.integers(1, 5),
    half_width=st.integers(1, 5),
    channels=st.integers(1, 3),
    a=st.integers(-10, 10),
    b=st.integers(-10, 10),
)
def test_aps_commutes_with_circular_shifts_its_output_is_a_circular_shift_of_the_unshifted_output(
    seed, half_height, half_width, channels, a, b
):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(3, channels, 2 * half_height, 2 * half_width, generator=generator)
    downsampled = aps_downsample(x)
    of_shifted = aps_downsample(torch.roll(x, (a, b), dims=(2, 3)))
    for image in range(3):
        rolls = [
            torch.roll(downsampled[image], (row, col), dims=(1, 2))
            for row in range(half_height)
            for col in range(half_width)
        ]
        assert any(torch.equal(of_shifted[image], rolled) for rolled in rolls)


def test_plain_stride_2_subsampling_does_not_commute_with_an_odd_circular_shift():
    x = torch.randn(1, 2, 6, 6, generator=torch.Generator().manual_seed(0))
    of_shifted = torch.roll(x, 1, dims=3)[..., ::2, ::2]
    rolls = [torch.roll(x[..., ::2, ::2], (r, c), dims=(2, 3)) for r in range(3) for c in range(3)]
    assert not any(torch.equal(of_shifted, rolled) for rolled in rolls)


@pytest.mark.parametrize("padding", ["zero", "circular"])
def test_relu_aps_pool_is_relu_then_a_2x2_max_with_stride_1_padded_by_the_models_rule_then_aps(padding):
    x = torch.randn(4, 3, 14, 14, generator=torch.Generator().manual_seed(1))
    mode = "circular" if padding == "circular" else "constant"
    expected = aps_downsample(F.max_pool2d(F.pad(F.relu(x), (0, 1, 0, 1), mode=mode), 2, stride=1))
    pool = ReluAPSPool(padding)
    with torch.no_grad():
        assert torch.equal(pool(x), expected)
    assert torch.equal(pool(x.requires_grad_()).detach(), expected)  # training takes another path: same numbers


def scores_for_every_circular_shift(cnn: CNN, image: torch.Tensor) -> torch.Tensor:
    """The class scores (784, 10) the CNN gives the image (1, 28, 28) rolled by every (dy, dx)."""
    shifted = torch.stack([torch.roll(image, (dy, dx), dims=(1, 2)) for dy in range(28) for dx in range(28)])
    with torch.inference_mode():
        return torch.cat([cnn(batch) for batch in shifted.split(392)])


def assert_same_answer_for_every_circular_shift(cnn: CNN) -> None:
    images = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    for image in images:
        scores = scores_for_every_circular_shift(cnn.eval(), image)
        classes = scores.argmax(dim=1)
        assert (classes == classes[0]).all(), f"{(classes != classes[0]).sum()} shifts change the class"
        # The scores themselves agree to float rounding: on most inputs a shift-sensitive CNN keeps its class too.
        assert (scores - scores[0]).abs().max() <= 1e-5 * scores[0].abs().max()


def test_circular_aps_gap_cnn_scores_all_784_circular_shifts_of_an_input_alike_untrained():
    torch.manual_seed(0)
    assert_same_answer_for_every_circular_shift(CNN(padding="circular", head="gap", downsample="aps"))


def test_circular_aps_gap_cnn_scores_all_784_circular_shifts_of_an_input_alike_after_training():
    config = TrainConfig(train_size=2_000, cnn_padding="circular", cnn_head="gap", cnn_downsample="aps")
    assert_same_answer_for_every_circular_shift(train_model("cnn", config, load_mnist()).model)


def test_aps_downsampling_keeps_the_cnns_maps_at_28_14_and_7_pixels():
    maps = CNN(downsample="aps").feature_maps(to_float(torch.zeros(2, 28, 28, dtype=torch.uint8)))
    assert [tuple(m.shape[-2:]) for _, m, _ in maps] == [(28, 28), (14, 14), (14, 14), (7, 7)]


def test_the_lab_offers_aps_and_follows_a_link_that_asks_for_it(open_page, monkeypatch):
    assert "aps" in DOWNSAMPLES and CHOICE_LABELS["cnn_downsample"]["aps"] == "APS"
    monkeypatch.setenv("CONVLAB_MAX_TRAINING_SECONDS", "0.01")  # the page stops before training
    at = open_page(PAGE, {"cnn_downsample": "aps"}, timeout=180)
    assert not at.exception, at.exception
    radio = at.radio(key="cnn_downsample")
    assert list(radio.options) == ["max pool", "BlurPool", "APS"]
    assert radio.value == "APS"
    assert "APS" in radio.help and "Chaman & Dokmanić" in radio.help
