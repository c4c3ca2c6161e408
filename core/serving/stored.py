"""The models a class opens first, trained once and kept on disk (data/trained/), so a cold server shows them at once.

A cold server (Community Cloud wakes a sleeping app for its first visitor) would otherwise train the lab's two
default models and the comparison's nine, and measure them, before either page is complete. Each stored file
holds one model's weights (with their checksum, as the lab's weights download), how long its training took, and
what the pages show from it: for the lab, its sweeps, consistency and confusion matrix at every (dx, dy) the
sliders reach (the heat map reads them); for the comparison, its numbers at every shift along an axis; both fills. Pages say
when a model was loaded from here; tests/test_stored.py retrains every stored model and checks each weight, and
measures a sample of each value again.

Write the files again after a change to training or evaluation: `python -m core.serving.stored`
(about ten minutes: every shift's measurements on one thread).
"""

import dataclasses
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.lab.config import TrainConfig
from core.lab.evaluation import ShiftSweep
from core.lab.training import TrainResult
from core.lab.weights import WeightsError, load_weights, read_payload, weights_file, weights_file_name

log = logging.getLogger("convlab")

STORE = Path(__file__).resolve().parents[2] / "data" / "trained"
FORMAT = "convlab-stored-1"
# One thread, so that a retrain reproduces every weight exactly (two threads split sums differently).
THREADS = 1
SWEEP_ARRAYS = ("shifts", "horizontal", "vertical", "horizontal_counts", "vertical_counts")


@dataclass(frozen=True)
class Stored:
    """One stored model, as loaded: ready to be served as if this server had trained it."""

    kind: str
    config: TrainConfig
    result: TrainResult
    derived: dict  # name as the lab asks for it → value


def _records() -> dict:
    """The result classes a stored file may hold, by name (nothing else is ever built from a file)."""
    from core.lab.comparison import OnePixel, Steady  # here: the comparison imports the serving package

    return {cls.__name__: cls for cls in (OnePixel, Steady)}


def _encode(value):
    if dataclasses.is_dataclass(value) and type(value).__name__ in _records():
        fields = {field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
        return {"type": "record", "class": type(value).__name__, "fields": fields}
    if isinstance(value, tuple):
        return {"type": "tuple", "value": [_encode(item) for item in value]}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"type": "int", "value": value}
    if isinstance(value, ShiftSweep):
        arrays = {name: _encode(getattr(value, name)) for name in SWEEP_ARRAYS}
        return {"type": "sweep", "mode": value.mode, **arrays}
    if isinstance(value, float):
        return {"type": "float", "value": value}
    if isinstance(value, np.ndarray):
        return {"type": "array", "value": torch.from_numpy(value.copy())}
    raise TypeError(f"cannot store a {type(value).__name__}")


def _decode(payload):
    if payload["type"] == "record":
        fields = {name: _decode(value) for name, value in payload["fields"].items()}
        return _records()[payload["class"]](**fields)
    if payload["type"] == "tuple":
        return tuple(_decode(item) for item in payload["value"])
    if payload["type"] == "int":
        return int(payload["value"])
    if payload["type"] == "sweep":
        return ShiftSweep(mode=payload["mode"], **{name: _decode(payload[name]) for name in SWEEP_ARRAYS})
    if payload["type"] == "float":
        return float(payload["value"])
    if payload["type"] == "array":
        return payload["value"].numpy()
    raise WeightsError(f"unknown stored value {payload['type']!r}")


def to_bytes(result: TrainResult, derived: dict) -> bytes:
    """One model's stored file: its weights file, its training's seconds and losses, and its measurements."""
    payload = {
        "format": FORMAT,
        "weights": weights_file(result.kind, result.config, result.model),
        "seconds": result.seconds,
        "losses": list(result.losses),
        "derived": [[list(name), _encode(value)] for name, value in derived.items()],
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def from_bytes(data: bytes, source: str) -> Stored:
    """Read a stored file (tensors and plain values only), checking its weights as the lab's upload does."""
    payload = read_payload(data, FORMAT, "a stored ConvLab model")
    kind, config, model = load_weights(payload["weights"])
    result = TrainResult(model, kind, config, float(payload["seconds"]), list(payload["losses"]), loaded_from=source)
    derived = {tuple(name): _decode(value) for name, value in payload["derived"]}
    return Stored(kind, config, result, derived)


def load_all(store: Path = STORE) -> list[Stored]:
    """Every readable stored model; a damaged or outdated file is skipped (that model is trained as usual)."""
    loaded = []
    for path in sorted(store.glob("*.pt")):
        try:
            loaded.append(from_bytes(path.read_bytes(), f"{store.parent.name}/{store.name}/{path.name}"))
        except (OSError, WeightsError, KeyError, TypeError, ValueError) as error:
            log.warning("stored model %s skipped: %s", path.name, error)
    return loaded


# -- what is stored, and writing it -----------------------------------------------------------------------


def stored_settings() -> list[tuple[str, TrainConfig, list[tuple]]]:
    """(kind, settings, measurements) of each model kept: the lab's two defaults with what the lab shows, and the
    comparison's models at its default budget with what the comparison shows, every shift along an axis included."""
    from core.lab.compare import COMPARE_IMAGES
    from core.lab.comparison import FILLS, members
    from core.lab.questions import CONSISTENCY_SHIFT, MAX_SHIFT

    config = TrainConfig()
    lab = [
        name
        for mode in ("zero", "circular")
        for name in (
            ("sweep", mode),
            ("consistency", CONSISTENCY_SHIFT, mode),
            ("confusion grid", mode),
        )
    ]
    axes = [(s, 0) for s in range(-MAX_SHIFT, MAX_SHIFT + 1) if s] + [
        (0, s) for s in range(-MAX_SHIFT, MAX_SHIFT + 1) if s
    ]
    chosen: dict[tuple, list] = {("mlp", config): list(lab), ("cnn", config): list(lab)}
    for member in members(config.train_size, config.epochs, seeds=1):
        names = chosen.setdefault((member.kind, member.config), [])
        for fill in FILLS:
            names += [(f"compare {what}", fill, COMPARE_IMAGES) for what in ("one pixel", "consistency", "sweep")]
            names += [("compare accuracy", dx, dy, fill, COMPARE_IMAGES) for dx, dy in axes if dy or dx < 0]
            if member.kind == "cnn":
                names += [("compare map error", dx, dy, fill, COMPARE_IMAGES) for dx, dy in axes]
    return [(kind, settings, names) for (kind, settings), names in chosen.items()]


def train_stored(kind: str, config: TrainConfig, dataset) -> TrainResult:
    """The model as stored: trained on THREADS threads (what a retrain must use to match it)."""
    from core.lab.training import train_model

    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        return train_model(kind, config, dataset)
    finally:
        torch.set_num_threads(threads)


def measure(name: tuple, model, dataset):
    """A measurement the lab asks for by this name, computed as the lab computes it."""
    from core.lab.evaluation import confusion_grid, shift_consistency, shift_sweep
    from core.lab.questions import MAX_SHIFT

    if name[0] == "sweep":
        return shift_sweep(model, dataset.x_test, dataset.y_test, MAX_SHIFT, name[1])
    if name[0] == "consistency":
        return shift_consistency(model, dataset.x_test, name[1], mode=name[2])
    if name[0].startswith("compare "):
        return _compare_measure(name, model, dataset)
    if name[0] == "confusion grid":
        return confusion_grid(model, dataset.x_test, dataset.y_test, MAX_SHIFT, name[1])
    raise ValueError(f"no stored measurement called {name}")


def _compare_measure(name: tuple, model, dataset):
    """A measurement the comparison asks for by this name, computed as the comparison computes it."""
    from core.lab.compare import last_map_error
    from core.lab.comparison import MAP_IMAGES, measure_consistency, measure_one_pixel, measure_sweep
    from core.lab.evaluation import accuracy

    what, *shift, fill, images = name
    x, y = dataset.x_test[:images], dataset.y_test[:images]
    if what == "compare accuracy":
        return accuracy(model, x, y, *shift, fill)
    if what == "compare map error":
        return last_map_error(model, x[:MAP_IMAGES], *shift, fill)
    measure = {"compare consistency": measure_consistency, "compare one pixel": measure_one_pixel}.get(
        what, measure_sweep
    )
    return measure(model, x, y, fill)


def write_all(store: Path = STORE) -> list[Path]:
    from core.lab.data import load_mnist

    dataset = load_mnist()
    store.mkdir(parents=True, exist_ok=True)
    for old in store.glob("*.pt"):
        old.unlink()
    written = []
    for kind, config, names in stored_settings():
        result = train_stored(kind, config, dataset)
        derived = {name: measure(name, result.model, dataset) for name in names}
        path = store / weights_file_name(kind, config)
        path.write_bytes(to_bytes(result, derived))
        written.append(path)
        print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB", flush=True)
    return written


if __name__ == "__main__":
    write_all()
