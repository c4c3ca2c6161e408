"""The seven fields read together: one clear message per bad field, the good fields still used."""

from fractions import Fraction as F

from core.exercise.fields import DEFAULTS, read_inputs


def read(**changes):
    return read_inputs({**DEFAULTS, **changes})


def test_defaults_are_the_classic_exercise():
    inputs = read()
    assert inputs.complete
    assert inputs.layer.x == (1, 2, 3, 4) and inputs.layer.w == (2, 1, 3) and inputs.layer.b == 1
    assert inputs.y == (2, 4) and inputs.lr == F(1, 100) and inputs.layer.stride == 1 and inputs.layer.padding == 0


def test_a_kernel_longer_than_the_padded_input_is_explained_on_w():
    inputs = read(w="1, 2, 3, 4, 5")
    assert "padded input has only 4 values" in inputs.errors["w"]
    assert read(w="1, 2, 3, 4, 5", padding="1", y="1, 2").complete


def test_a_target_of_the_wrong_length_says_the_expected_length_and_why():
    message = read(y="1, 2, 3").errors["y"]
    assert "y needs 2 values" in message and "⌊(4 + 2·0 − 3)/1⌋ + 1 = 2" in message


def test_a_bad_target_leaves_the_forward_pass_working():
    inputs = read(y="oops")
    assert set(inputs.errors) == {"y"} and inputs.layer is not None


def test_each_bad_field_gets_its_own_message():
    inputs = read(x="", b="nan", stride="0", padding="-1", lr="0")
    assert set(inputs.errors) == {"x", "b", "stride", "padding", "lr"}
    assert inputs.layer is None
