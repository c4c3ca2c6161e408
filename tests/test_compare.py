"""The comparison of the fixes: its variants start from the plain CNN, and its shift metrics count what they say."""

import dataclasses

import numpy as np
import pytest

from core.lab.compare import (
    COMPARE_AUGMENT_SHIFT,
    INVARIANT,
    VARIANTS,
    differs,
    last_map_error,
    mean_and_spread,
    top1_change,
    top1_change_from,
)
from core.lab.config import TrainConfig
from core.lab.data import load_mnist
from core.lab.equivariance import compare_layers
from core.lab.training import train_model

variants = {variant.name: variant for variant in VARIANTS}


def test_top1_change_counts_changed_classes_and_the_move_of_the_originals_top_probability_by_hand():
    original = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]  # classes 0 and 2
    shifted = [
        [
            [0.6, 0.3, 0.1],
            [0.5, 0.1, 0.4],
        ],  # moved right: image 0 keeps class 0 (0.7 → 0.6), image 1 becomes 0 (0.6 → 0.4)
        [[0.3, 0.4, 0.3], [0.1, 0.2, 0.7]],  # moved left: image 0 becomes 1 (0.7 → 0.3), image 1 keeps 2 (0.6 → 0.7)
    ]
    change = top1_change_from(original, shifted)
    assert change.probability == 2 / 4
    assert change.mean_top_change == pytest.approx((0.1 + 0.2 + 0.4 + 0.1) / 4)


def test_top1_change_measures_the_class_of_the_original_not_the_top_class_after_the_shift():
    change = top1_change_from([[0.9, 0.1]], [[[0.1, 0.9]]])
    assert (change.probability, change.mean_top_change) == (1.0, pytest.approx(0.8))


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def trained(mnist):
    """The plain CNN and the exactly invariant one, each on 2,000 images."""
    base = TrainConfig(train_size=2_000)
    return {name: train_model("cnn", variants[name].config(base), mnist).model for name in ("CNN", INVARIANT)}


def test_a_one_pixel_shift_changes_some_of_the_plain_cnns_answers_and_none_of_the_invariant_ones_under_wrap(
    trained, mnist
):
    images = mnist.x_test[:300]
    plain = top1_change(trained["CNN"], images, "zero")
    assert plain.probability > 0 and plain.mean_top_change > 0
    invariant = top1_change(trained[INVARIANT], images, "circular")
    assert invariant.probability == 0 and invariant.mean_top_change < 1e-5


def test_top1_change_reports_its_progress_through_the_original_and_the_four_shifted_sets(trained, mnist):
    done = []
    top1_change(trained["CNN"], mnist.x_test[:1_100], "zero", step=done.append)
    assert done == sorted(done) and done[-1] == pytest.approx(1.0) and len(done) == 5 * 3  # 3 batches per set


def test_the_invariant_networks_last_map_moves_exactly_under_every_circular_shift(trained, mnist):
    images = mnist.x_test[:200]
    for dx, dy in [(1, 0), (0, -1), (3, -2), (5, 7), (-13, 2)]:
        assert last_map_error(trained[INVARIANT], images, dx, dy, "circular") <= 1e-5


def test_the_plain_cnns_last_map_does_not_move_with_a_one_pixel_shift(trained, mnist):
    assert last_map_error(trained["CNN"], mnist.x_test[:200], 1, 0, "zero") > 0.05
    assert last_map_error(trained["CNN"], mnist.x_test[:200], 0, 0, "zero") == 0.0


def test_aps_moves_its_maps_by_a_shift_of_its_own_so_the_error_at_the_fixed_alignment_dx_over_4_is_not_zero(
    trained, mnist
):
    cnn, images = trained[INVARIANT], mnist.x_test[:20]
    assert last_map_error(cnn, images, 1, 0, "circular") <= 1e-5
    fixed = [compare_layers(cnn, image, 1, 0, "circular")[-1].relative_error for image in images]
    assert max(fixed) > 0.1


def test_the_last_map_error_is_the_mean_over_images(trained, mnist):
    cnn, images = trained["CNN"], mnist.x_test[:6]
    each = [last_map_error(cnn, images[i : i + 1], 2, 1, "zero") for i in range(6)]
    assert last_map_error(cnn, images, 2, 1, "zero") == pytest.approx(np.mean(each))


def test_every_variant_starts_from_the_plain_cnn_whatever_the_labs_cnn_options_and_keeps_the_labs_budget():
    lab = TrainConfig(
        train_size=4_000,
        epochs=2,
        seed=7,
        augment_shift=2,
        mlp_hidden=128,
        cnn_padding="circular",
        cnn_head="gap",
        cnn_downsample="blurpool",
        cnn_conv1_channels=8,
        cnn_conv2_channels=24,
        batch_size=128,
        learning_rate=0.005,
    )
    plain = dataclasses.replace(
        TrainConfig(),
        **{name: getattr(lab, name) for name in ("train_size", "epochs", "seed", "mlp_hidden", "batch_size")},
        cnn_conv1_channels=8,
        cnn_conv2_channels=24,
        learning_rate=0.005,
    )
    assert variants["CNN"].config(lab) == plain
    assert variants["MLP"].config(lab) == plain
    assert variants["CNN + shift augmentation"].config(lab) == dataclasses.replace(
        plain, augment_shift=COMPARE_AUGMENT_SHIFT
    )
    assert variants["CNN, APS"].config(lab) == dataclasses.replace(plain, cnn_downsample="aps")
    assert variants[INVARIANT].config(lab) == dataclasses.replace(
        plain, cnn_padding="circular", cnn_head="gap", cnn_downsample="aps"
    )


def test_the_variants_are_the_cnn_each_fix_the_invariant_combination_and_the_mlp_with_and_without_augmentation():
    assert [(variant.name, variant.kind) for variant in VARIANTS] == [
        ("CNN", "cnn"),
        ("CNN + shift augmentation", "cnn"),
        ("CNN, circular padding", "cnn"),
        ("CNN, global average", "cnn"),
        ("CNN, BlurPool", "cnn"),
        ("CNN, APS", "cnn"),
        (INVARIANT, "cnn"),
        ("MLP", "mlp"),
        ("MLP + shift augmentation", "mlp"),
    ]
    configs = [variant.config(TrainConfig()) for variant in VARIANTS]
    assert all(config.validated() for config in configs)
    assert len({(variant.kind, config) for variant, config in zip(VARIANTS, configs)}) == len(VARIANTS)


def test_mean_and_spread_is_the_mean_and_the_sample_standard_deviation():
    assert mean_and_spread([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert mean_and_spread([0.25, 0.75]) == (0.5, pytest.approx(np.sqrt(0.125)))
    assert mean_and_spread([0.9]) == (0.9, 0.0)


def test_two_sets_of_runs_differ_when_their_means_are_further_apart_than_their_spreads_added():
    assert differs([1.0, 2.0, 3.0], [5.0, 6.0, 7.0])  # means 4 apart, spreads 1 + 1
    assert not differs([1.0, 2.0, 3.0], [2.5, 3.5, 4.5])  # 1.5 apart
    assert not differs([1.0, 2.0, 3.0], [3.0, 4.0, 5.0])  # exactly 2 apart: not further than the spreads
