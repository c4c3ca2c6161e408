"""Downloaded weights: the file loads back to the same model, and anything else is refused without unpickling it."""

import io
import os
import pickle

import pytest
import torch

from core.lab.config import TrainConfig
from core.lab.models import build_model
from core.lab.weights import WeightsError, load_weights, weights_file

CONFIG = TrainConfig()


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_a_weights_file_loads_back_to_a_model_that_predicts_the_same(kind):
    torch.manual_seed(0)
    model = build_model(kind, CONFIG).eval()
    loaded_kind, config, loaded = load_weights(weights_file(kind, CONFIG, model))
    images = torch.randn(4, 1, 28, 28)
    assert loaded_kind == kind and config == CONFIG
    assert torch.equal(model(images), loaded(images))


def test_a_changed_weight_breaks_the_checksum():
    payload = torch.load(io.BytesIO(weights_file("mlp", CONFIG, build_model("mlp", CONFIG))), weights_only=True)
    payload["state_dict"]["output.bias"] += 1
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with pytest.raises(WeightsError, match="checksum"):
        load_weights(buffer.getvalue())


def test_weights_of_the_wrong_shape_are_refused():
    small = TrainConfig(mlp_hidden=32)
    payload = torch.load(io.BytesIO(weights_file("mlp", small, build_model("mlp", small))), weights_only=True)
    payload["config"]["mlp_hidden"] = 64  # the file now claims a model its tensors do not fit
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with pytest.raises(WeightsError, match="do not fit"):
        load_weights(buffer.getvalue())


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/convlab-pwned",))


def test_a_pickle_with_code_is_refused_and_never_run(tmp_path):
    if os.path.exists("/tmp/convlab-pwned"):
        os.remove("/tmp/convlab-pwned")
    buffer = io.BytesIO()
    torch.save({"format": "convlab-weights-1", "evil": Exploit()}, buffer, pickle_protocol=pickle.DEFAULT_PROTOCOL)
    with pytest.raises(WeightsError, match="not a ConvLab weights file"):
        load_weights(buffer.getvalue())
    assert not os.path.exists("/tmp/convlab-pwned")


@pytest.mark.parametrize("data", [b"", b"not a file", os.urandom(4096)])
def test_random_bytes_are_refused_with_a_message(data):
    with pytest.raises(WeightsError):
        load_weights(data)
