"""Facts about the MLP, the CNN and their settings, checked against torch.nn.functional written out by hand."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from core.lab.config import TrainConfig
from core.lab.models import CNN, MLP, build_model, count_parameters, flops_per_image


@pytest.fixture
def images():
    return torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def seeded(model_class, **kwargs):
    torch.manual_seed(0)
    return model_class(**kwargs)


def test_mlp_hidden_units_are_relu_of_the_first_linear_layer_and_scores_a_linear_map_of_them(images):
    mlp = seeded(MLP, hidden=32)
    hidden = torch.relu(images.reshape(4, 784) @ mlp.hidden.weight.T + mlp.hidden.bias)
    torch.testing.assert_close(mlp.hidden_activations(images), hidden)
    torch.testing.assert_close(mlp(images), hidden @ mlp.output.weight.T + mlp.output.bias)


def reference_cnn(cnn, x, pad_mode):
    """The diagram in plain torch.nn.functional: conv → ReLU → max pool, twice, then linear."""

    def conv(layer, x):
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode=pad_mode), layer.weight, layer.bias)

    x = F.max_pool2d(F.relu(conv(cnn.conv1, x)), 2)
    x = F.max_pool2d(F.relu(conv(cnn.conv2, x)), 2)
    return x, F.linear(x.flatten(1), cnn.classifier.weight, cnn.classifier.bias)


@pytest.mark.parametrize(("padding", "pad_mode"), [("zero", "constant"), ("circular", "circular")])
def test_cnn_pooling_before_relu_gives_exactly_the_diagram_relu_then_pool(images, padding, pad_mode):
    cnn = seeded(CNN, padding=padding)
    _, expected = reference_cnn(cnn, images, pad_mode)
    torch.testing.assert_close(cnn(images), expected, rtol=1e-5, atol=1e-5)


def test_relu_max_pool_without_gradients_gives_exactly_the_numbers_of_relu_then_max_pool2d():
    x = torch.randn(8, 16, 28, 28).contiguous(memory_format=torch.channels_last)
    pool = CNN().relu_pool1
    with torch.inference_mode():
        fast = pool(x)
    assert torch.equal(fast, F.max_pool2d(F.relu(x), 2))
    assert torch.equal(fast, pool(x.requires_grad_()).detach())


def test_gap_head_feeds_the_channel_means_of_pool2_to_the_classifier(images):
    cnn = seeded(CNN, head="gap")
    pool2 = cnn.feature_maps(images)[-1][1]
    expected = F.linear(pool2.mean(dim=(2, 3)), cnn.classifier.weight, cnn.classifier.bias)
    assert cnn.classifier.in_features == 32
    torch.testing.assert_close(cnn(images), expected)


def test_blurpool_is_relu_then_max_with_stride_1_then_a_121_binomial_blur_with_stride_2(images):
    cnn = seeded(CNN, downsample="blurpool")
    x = cnn.conv1(images)
    maxed = F.max_pool2d(F.pad(F.relu(x), (0, 1, 0, 1)), 2, stride=1)
    blur = torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    expected = F.conv2d(F.pad(maxed, (1, 1, 1, 1)), blur.expand(16, 1, 3, 3), stride=2, groups=16)
    pool1 = cnn.relu_pool1(x)
    assert pool1.shape == (4, 16, 14, 14)
    torch.testing.assert_close(pool1, expected)


def test_circular_blurpool_keeps_a_constant_map_constant():
    cnn = seeded(CNN, downsample="blurpool", padding="circular")
    constant = torch.full((1, 16, 28, 28), 0.7)
    torch.testing.assert_close(cnn.relu_pool1(constant), torch.full((1, 16, 14, 14), 0.7))


def test_feature_maps_are_conv1_pool1_conv2_pool2_with_strides_1_2_2_4(images):
    cnn = seeded(CNN)
    maps = cnn.feature_maps(images)
    assert [(name, tuple(m.shape), stride) for name, m, stride in maps] == [
        ("conv1", (4, 16, 28, 28), 1),
        ("pool1", (4, 16, 14, 14), 2),
        ("conv2", (4, 32, 14, 14), 2),
        ("pool2", (4, 32, 7, 7), 4),
    ]
    pool2, scores = reference_cnn(cnn, images, "constant")
    torch.testing.assert_close(maps[-1][1], pool2, rtol=1e-5, atol=1e-5)
    assert all((m >= 0).all() for _, m, _ in maps)  # every map is taken after its ReLU
    torch.testing.assert_close(cnn.classify(maps[-1][1]), cnn(images))


def test_parameter_counts_match_the_hand_count():
    assert count_parameters(MLP(hidden=256)) == (784 * 256 + 256) + (256 * 10 + 10)
    conv1 = 16 * 1 * 9 + 16
    conv2 = 32 * 16 * 9 + 32
    assert count_parameters(CNN()) == conv1 + conv2 + (32 * 7 * 7 * 10 + 10)
    assert count_parameters(CNN(head="gap")) == conv1 + conv2 + (32 * 10 + 10)
    assert count_parameters(CNN(downsample="blurpool")) == count_parameters(CNN())  # the blur is fixed


def test_flops_per_image_count_two_per_multiply_add_of_every_conv_and_linear():
    assert flops_per_image(MLP(hidden=256)) == 2 * (784 * 256 + 256 * 10)
    conv1 = 28 * 28 * 16 * (1 * 9)
    conv2 = 14 * 14 * 32 * (16 * 9)
    assert flops_per_image(CNN()) == 2 * (conv1 + conv2 + 32 * 7 * 7 * 10) == 2_063_488


def test_build_model_follows_the_config():
    config = TrainConfig(
        mlp_hidden=64, cnn_padding="circular", cnn_head="gap", cnn_conv1_channels=8, cnn_conv2_channels=12
    )
    mlp, cnn = build_model("mlp", config), build_model("cnn", config)
    assert mlp.hidden.out_features == 64
    assert cnn.conv1.padding_mode == "circular" and cnn.conv2.out_channels == 12
    assert cnn.global_average and cnn.classifier.in_features == 12
    with pytest.raises(ValueError, match="Unknown model kind"):
        build_model("rnn", config)


def test_default_config_is_valid_and_every_numeric_default_lies_within_its_bounds():
    config = TrainConfig()
    assert config.validated() is config
    for name, (low, high) in TrainConfig.bounds().items():
        assert low <= getattr(config, name) <= high, name
    for name, allowed in TrainConfig.choices().items():
        assert getattr(config, name) in allowed, name


def test_validated_names_every_field_that_is_out_of_range_or_unknown():
    config = TrainConfig(train_size=10, epochs=11, cnn_head="average", dataset="CIFAR")
    with pytest.raises(ValueError) as error:
        config.validated()
    message = str(error.value)
    for fragment in ("train_size must be a whole number from 1,000 to 60,000, not 10", "epochs", "cnn_head", "dataset"):
        assert fragment in message


@pytest.mark.parametrize("field, value", [("epochs", 2.0), ("seed", True), ("mlp_hidden", "64")])
def test_validated_rejects_whole_number_fields_given_as_floats_bools_or_text(field, value):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(TrainConfig(), **{field: value}).validated()


def test_clamped_pulls_numbers_into_their_bounds_and_keeps_the_rest():
    config = TrainConfig(train_size=100, epochs=50, augment_shift=-1, learning_rate=1.0, cnn_padding="circular")
    clamped = config.clamped()
    assert (clamped.train_size, clamped.epochs, clamped.augment_shift) == (1_000, 10, 0)
    assert clamped.learning_rate == 0.1 and clamped.cnn_padding == "circular"
    assert clamped.validated() is clamped
