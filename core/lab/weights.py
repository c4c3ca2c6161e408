"""Trained weights as a downloadable file, and the checked way back: tensors only, shapes and checksum verified."""

import dataclasses
import hashlib
import io

import torch

from core.lab.config import TrainConfig
from core.lab.models import build_model

FORMAT = "convlab-weights-1"


class WeightsError(ValueError):
    """A weights file that is not one of ours, or does not fit the model it claims to be."""


def _digest(state_dict: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(tuple(tensor.shape)).encode())
        h.update(tensor.numpy().tobytes())
    return h.hexdigest()


# How each setting beyond the always-named ones reads in a file name, when it differs from the default.
NAME_PARTS = {
    "augment_shift": "aug{}",
    "mlp_hidden": "hidden{}",
    "cnn_padding": "{}",
    "cnn_head": "{}",
    "cnn_downsample": "{}",
    "cnn_conv1_channels": "conv1x{}",
    "cnn_conv2_channels": "conv2x{}",
    "batch_size": "batch{}",
    "learning_rate": "lr{:g}",
}


def weights_file_name(kind: str, config: TrainConfig) -> str:
    """convlab-cnn-mnist-16000x1-seed0-circular-gap-blurpool-aug2.pt: the dataset, size, epochs and seed, then every
    other setting of this kind of model that differs from the default (an MLP's name ignores the CNN's settings)."""
    default, other = TrainConfig(), "cnn_" if kind == "mlp" else "mlp_"
    parts = [f"convlab-{kind}-{config.dataset.lower()}-{config.train_size}x{config.epochs}-seed{config.seed}"]
    for name, part in NAME_PARTS.items():
        value = getattr(config, name)
        if not name.startswith(other) and value != getattr(default, name):
            parts.append(part.format(value))
    return "-".join(parts) + ".pt"


def weights_file(kind: str, config: TrainConfig, model: torch.nn.Module) -> bytes:
    """A .pt file with the model's tensors, its configuration (plain values) and a checksum."""
    state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "kind": kind,
        "config": dataclasses.asdict(config),
        "state_dict": state,
        "sha256": _digest(state),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def read_payload(data: bytes, file_format: str, what: str) -> dict:
    """The dict a file of ours holds, read without unpickling code (weights_only); a WeightsError saying
    "This is not {what}." when it cannot be read or its "format" is not file_format."""
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:
        raise WeightsError(f"This is not {what} ({type(error).__name__}).") from None
    if not isinstance(payload, dict) or payload.get("format") != file_format:
        raise WeightsError(f"This is not {what}.")
    return payload


def load_weights(data: bytes) -> tuple[str, TrainConfig, torch.nn.Module]:
    """Read a weights file without unpickling code (weights_only), and check it fits the model it names."""
    payload = read_payload(data, FORMAT, "a ConvLab weights file")
    kind = payload.get("kind")
    if kind not in ("mlp", "cnn"):
        raise WeightsError(f"Unknown model kind {kind!r}.")
    try:
        config = TrainConfig(**payload["config"]).validated()
    except (TypeError, ValueError) as error:
        raise WeightsError(f"The file's settings are not valid: {error}") from None
    state = payload.get("state_dict")
    if not isinstance(state, dict) or _digest(state) != payload.get("sha256"):
        raise WeightsError("The weights do not match their checksum: the file is damaged.")
    model = build_model(kind, config, seed=config.seed)  # seeded: leaves torch's global RNG to others
    expected = model.state_dict()
    if set(state) != set(expected) or any(state[k].shape != expected[k].shape for k in expected):
        raise WeightsError("The weights do not fit the model their settings describe.")
    model.load_state_dict(state)
    return kind, config, model.eval()
