"""A shared link's settings: out-of-range numbers become the nearest allowed value and the page is told; file names."""

import dataclasses

import pytest

from core.lab.config import OFFERED, SETTING_HELP, TrainConfig
from core.lab.weights import weights_file_name
from core.links import choice_from_link, number_from_link


def test_a_shift_beyond_the_slider_becomes_its_nearest_end_not_the_default():
    assert number_from_link("dx", "999", -8, 8, 2) == (
        8,
        "The link asked for dx = `999`; the lab allows −8 to 8, so it shows 8.",
    )
    assert number_from_link("dy", "-1000", -8, 8, 0)[0] == -8


def test_a_negative_seed_becomes_the_smallest_seed():
    assert number_from_link("seed", "-5", 0, 9_999, 0) == (
        0,
        "The link asked for seed = `-5`; the lab allows 0 to 9,999, so it shows 0.",
    )


@pytest.mark.parametrize(
    ("asked", "nearest", "which"),
    [
        ("7", 1_000, "the nearest"),
        ("25000", 30_000, "the nearest"),
        ("1000000", 60_000, "the nearest"),
        ("3000", 2_000, "the smaller of the two nearest"),  # as near 4,000
    ],
)
def test_a_training_size_the_lab_does_not_offer_becomes_the_nearest_offered_one(asked, nearest, which):
    value, note = number_from_link("train_size", asked, 1_000, 60_000, 16_000, OFFERED["train_size"])
    assert value == nearest
    assert note.startswith(f"The link asked for train_size = `{asked}`; the lab offers 1,000, 2,000, 4,000")
    assert note.endswith(f"so it shows {nearest:,}, {which}.")


def test_an_allowed_value_is_kept_without_a_word():
    assert number_from_link("dx", "-3", -8, 8, 2) == (-3, None)
    assert number_from_link("train_size", "4000", 1_000, 60_000, 16_000, OFFERED["train_size"]) == (4_000, None)
    assert choice_from_link("fill", "wrap", ("zero", "wrap"), "zero") == ("wrap", None)


def test_a_fraction_is_rounded_and_a_word_that_is_no_number_gives_the_default():
    assert number_from_link("dx", "2.5", -8, 8, 2) == (
        3,
        "The link asked for dx = `2.5`; the lab takes whole numbers only, so it shows 3.",
    )
    assert number_from_link("dx", "abc", -8, 8, 2) == (
        2,
        "The link asked for dx = `abc`, which is not a number, so the lab shows 2, the default.",
    )
    assert number_from_link("epochs", "inf", 1, 10, 1) == (
        1,
        "The link asked for epochs = `inf`, which is not a number, so the lab shows 1, the default.",
    )


def test_an_unknown_choice_falls_back_to_the_default_and_says_so():
    assert choice_from_link("fill", "nope", ("zero", "wrap"), "zero") == (
        "zero",
        "The link asked for fill = `nope`; the choices are zero and wrap, so the lab shows zero, the default.",
    )
    assert choice_from_link("fill", "", ("zero", "wrap"), "zero")[1].startswith("The link gave no value for fill")
    assert number_from_link("seed", "", 0, 9_999, 0) == (
        0,
        "The link gave no value for seed, so the lab shows 0, the default.",
    )


@pytest.mark.parametrize(
    ("asked", "quoted"),
    [
        ("[prize](https://e.vil)", "`[prize](https://e.vil)`"),  # a link in the URL stays text, never a link
        ("**$x^2$**", "`**$x^2$**`"),  # nor bold or a formula
        ("a`b", "``a`b``"),  # a backquote inside: a longer fence around it
        ("`", "`` ` ``"),
        ("x" * 40, "`" + "x" * 23 + "…`"),  # a long value is shortened
        ("a\nb", "`a\ufffdb`"),  # what cannot be printed
    ],
)
def test_what_a_link_said_is_quoted_as_text_shortened(asked, quoted):
    # The pages show these sentences as Markdown: a code span shows the characters themselves.
    assert choice_from_link("fill", asked, ("zero", "wrap"), "zero")[1].startswith(
        f"The link asked for fill = {quoted};"
    )
    assert number_from_link("dx", asked, -8, 8, 2)[1].startswith(f"The link asked for dx = {quoted}, which is not")


def test_the_global_average_head_is_described_as_a_blind_head_not_an_invariant_network():
    help_text = SETTING_HELP["cnn_head"]
    assert "(invariance)" not in help_text and "no longer matters" not in help_text
    assert "the head, not the network, is blind to where a feature sits" in help_text
    assert "can cost accuracy" in help_text


def test_the_weights_file_name_names_every_setting_that_differs_from_the_default():
    config = TrainConfig(cnn_padding="circular", cnn_head="gap", cnn_downsample="blurpool", augment_shift=2)
    assert weights_file_name("cnn", config) == "convlab-cnn-mnist-16000x1-seed0-aug2-circular-gap-blurpool.pt"
    assert weights_file_name("mlp", TrainConfig()) == "convlab-mlp-mnist-16000x1-seed0.pt"


def test_two_settings_that_train_different_weights_never_share_a_file_name():
    default = TrainConfig()
    changed = {
        "dataset": "Fashion-MNIST",
        "train_size": 2_000,
        "epochs": 3,
        "seed": 7,
        "augment_shift": 2,
        "mlp_hidden": 64,
        "cnn_padding": "circular",
        "cnn_head": "gap",
        "cnn_downsample": "blurpool",
        "cnn_conv1_channels": 8,
        "cnn_conv2_channels": 64,
        "batch_size": 128,
        "learning_rate": 3e-3,
    }
    assert set(changed) == {field.name for field in dataclasses.fields(TrainConfig)}  # a new setting needs a name
    for kind in ("mlp", "cnn"):
        for name, value in changed.items():
            other = dataclasses.replace(default, **{name: value})
            concerns_kind = not name.startswith("cnn_" if kind == "mlp" else "mlp_")
            assert (weights_file_name(kind, other) != weights_file_name(kind, default)) == concerns_kind, name


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("gap", "global average"),
        ("GAP", "global average"),
        ("Global Average", "global average"),
        ("flatten", "flatten"),
    ],
)
def test_a_choice_is_followed_under_either_spelling_in_any_case_without_a_word(asked, shown):
    spellings = {"flatten": "flatten", "gap": "global average"}
    assert choice_from_link("cnn_head", asked, ("flatten", "global average"), "flatten", spellings) == (shown, None)
    assert choice_from_link("cnn_downsample", "blurpool", ("max pool", "BlurPool"), "max pool") == ("BlurPool", None)
    assert choice_from_link("fill", "Circular", ("zero", "wrap"), "zero", {"circular": "wrap"}) == ("wrap", None)
