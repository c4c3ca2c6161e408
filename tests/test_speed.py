"""Estimates of how long work takes on this server: from the speed it has measured, and from a computation's pace."""

import dataclasses

import pytest
import torch

from core.lab.config import TrainConfig
from core.lab.models import build_model, flops_per_image
from core.serving.speed import Speed, pace_remaining, training_flops, training_remaining

DEFAULT = TrainConfig()


def test_a_training_is_images_times_epochs_times_three_forward_passes_of_work():
    cnn_forward = flops_per_image(build_model("cnn", DEFAULT))
    assert training_flops("cnn", DEFAULT) == 16_000 * 1 * 3 * cnn_forward


def test_the_estimate_scales_with_images_times_epochs():
    speed = Speed()
    alone = speed.training_seconds("cnn", DEFAULT)
    big = speed.training_seconds("cnn", dataclasses.replace(DEFAULT, train_size=60_000, epochs=3))
    assert big == pytest.approx(alone * 60_000 * 3 / 16_000)


def test_the_estimate_grows_with_the_work_per_image_of_the_architecture():
    speed = Speed()
    wider = dataclasses.replace(DEFAULT, cnn_conv1_channels=32, cnn_conv2_channels=64)
    assert speed.training_seconds("cnn", wider) > 2 * speed.training_seconds("cnn", DEFAULT)
    assert speed.training_seconds("mlp", wider) == speed.training_seconds("mlp", DEFAULT)  # the MLP ignores CNN fields


def test_blurpool_aps_and_circular_padding_are_estimated_at_what_their_steps_cost_beyond_their_multiply_adds():
    speed = Speed()
    plain = speed.training_seconds("cnn", DEFAULT)
    for changes, factor in (
        ({"cnn_padding": "circular"}, 1.33),
        ({"cnn_downsample": "blurpool"}, 1.86),
        ({"cnn_downsample": "aps"}, 2.55),
        ({"cnn_padding": "circular", "cnn_downsample": "aps"}, 1.33 * 2.55),
    ):
        assert speed.training_seconds("cnn", dataclasses.replace(DEFAULT, **changes)) == pytest.approx(plain * factor)
    assert speed.training_seconds("mlp", dataclasses.replace(DEFAULT, cnn_downsample="aps")) == pytest.approx(
        speed.training_seconds("mlp", DEFAULT)
    )


def test_a_measured_aps_training_leaves_the_plain_cnns_estimate_where_its_own_speed_put_it():
    speed = Speed()
    speed.measured("cnn", DEFAULT, cpu_seconds=2.0)
    speed.measured("cnn", dataclasses.replace(DEFAULT, cnn_downsample="aps"), cpu_seconds=2.0 * 2.55)
    assert speed.training_seconds("cnn", DEFAULT) == pytest.approx(2.0)


def test_before_any_training_the_estimate_uses_the_prior_speed():
    speed = Speed(prior={"mlp": 1e9, "cnn": 2e9})
    assert speed.training_seconds("cnn", DEFAULT) == pytest.approx(training_flops("cnn", DEFAULT) / 2e9)


def test_the_first_measured_training_replaces_the_prior_and_later_ones_are_averaged_in():
    speed = Speed(prior={"mlp": 1e9, "cnn": 1e9}, smoothing=0.25)
    speed.measured("cnn", DEFAULT, cpu_seconds=2.0)
    assert speed.training_seconds("cnn", DEFAULT) == pytest.approx(2.0)
    speed.measured("cnn", DEFAULT, cpu_seconds=4.0)  # the machine became twice as slow
    first_rate, second_rate = training_flops("cnn", DEFAULT) / 2.0, training_flops("cnn", DEFAULT) / 4.0
    assert speed.flops_per_second("cnn") == pytest.approx(0.75 * first_rate + 0.25 * second_rate)
    assert speed.training_seconds("mlp", DEFAULT) == pytest.approx(training_flops("mlp", DEFAULT) / 1e9)  # per kind


def test_a_measured_speed_applies_to_other_sizes_of_the_same_model():
    speed = Speed()
    speed.measured("mlp", DEFAULT, cpu_seconds=0.5)
    assert speed.training_seconds("mlp", dataclasses.replace(DEFAULT, train_size=32_000, epochs=2)) == pytest.approx(
        2.0
    )


def test_estimating_leaves_torchs_global_random_state_untouched():
    before = torch.get_rng_state()
    training_flops("cnn", dataclasses.replace(DEFAULT, cnn_conv1_channels=8))
    assert torch.equal(torch.get_rng_state(), before)


def test_a_training_not_started_has_its_whole_estimate_left_and_a_finished_one_nothing():
    assert training_remaining(10.0, held_seconds=0.0, fraction=0.0) == 10.0
    assert training_remaining(10.0, held_seconds=12.0, fraction=1.0) == 0.0


def test_before_its_first_progress_report_a_training_counts_down_from_its_estimate():
    assert training_remaining(10.0, held_seconds=0.5, fraction=0.0) == 9.5
    assert training_remaining(1.0, held_seconds=1.5, fraction=0.0) == 0.0


def test_half_way_the_estimate_and_the_pace_so_far_count_equally():
    # Estimate 10 s, but half took 8 s: the estimate says 5 s left, the pace 8 s; halfway, 6.5 s.
    assert training_remaining(10.0, held_seconds=8.0, fraction=0.5) == pytest.approx(6.5)


def test_a_computation_has_the_pace_it_has_kept_so_far_left():
    assert pace_remaining(held_seconds=2.0, fraction=0.25) == pytest.approx(6.0)
    assert pace_remaining(held_seconds=2.0, fraction=1.0) == 0.0


def test_a_computation_with_no_progress_yet_is_assumed_short():
    assert pace_remaining(0.0, None) == pace_remaining(0.3, 0.0) < 1.0
