"""How long work takes on this server: trainings estimated from the speed measured here, the rest from its pace."""

import dataclasses
import functools
import threading

from core.lab.config import TrainConfig
from core.lab.models import build_model, flops_per_image

# Before anything is measured here: the lower speeds seen on the 2-core reference machine (the MLP about
# 45, the CNN 65-90 GFLOP/s; the lower ones while other threads use torch too, see workers.py), so that a
# first estimate errs long. A constant, not a calibration
# run: the warm-up trains both default models seconds after the first visit, which measures this
# machine anyway, while a calibration would take the CPU just when the first visitor waits for it.
PRIOR_FLOPS_PER_SECOND = {"mlp": 45e9, "cnn": 65e9}
# Weight of the newest training in the running average: the speed follows the machine's load within
# a few trainings, and one odd training (cold caches, a busy moment) moves it only part way.
SMOOTHING = 0.3
# Work that has not reported progress yet is assumed short: it is usually a page waiting for one
# figure, and a sweep's first batch (milliseconds) replaces the guess with its measured pace.
UNMEASURED_WORK_SECONDS = 0.5
# Forward pass, then backward through activations and weights: about three forward passes of work.
TRAINING_PASSES = 3
# Work that is not multiply-adds, as a factor on a CNN's training time: a training step of batch 64 on the 2-core
# reference machine took 4.2 ms for the plain CNN, 5.6 ms with circular padding (its copies of the border), 7.9 ms
# with BlurPool and 10.8 ms with APS (each takes a 2×2 max at full resolution before it subsamples). Without
# them an APS training was estimated at 17 s and took 116 s on a busy server.
STEP_COST = {("cnn_padding", "circular"): 1.33, ("cnn_downsample", "blurpool"): 1.86, ("cnn_downsample", "aps"): 2.55}


class Speed:
    """This server's training speed per model kind: FLOP/s measured from finished trainings, exponentially averaged."""

    def __init__(self, prior: dict[str, float] | None = None, smoothing: float = SMOOTHING):
        self._flops_per_second = dict(prior or PRIOR_FLOPS_PER_SECOND)
        self._measured: set[str] = set()
        self._smoothing = smoothing
        self._lock = threading.Lock()

    def training_seconds(self, kind: str, config: TrainConfig) -> float:
        """Estimated seconds to train this model alone on this server."""
        with self._lock:
            rate = self._flops_per_second[kind]
        return training_flops(kind, config) / rate

    def measured(self, kind: str, config: TrainConfig, cpu_seconds: float) -> None:
        """Record a finished training: the CPU seconds it held, not the wall time it waited for others too."""
        if cpu_seconds <= 0:
            return
        rate = training_flops(kind, config) / cpu_seconds
        with self._lock:
            if kind in self._measured:
                rate = (1 - self._smoothing) * self._flops_per_second[kind] + self._smoothing * rate
            self._flops_per_second[kind] = rate  # the first measurement replaces the reference machine's guess
            self._measured.add(kind)

    def flops_per_second(self, kind: str) -> float:
        with self._lock:
            return self._flops_per_second[kind]


def training_flops(kind: str, config: TrainConfig) -> float:
    """Floating-point operations to train this model: images × epochs × forward and backward work per image, counted
    as the multiply-adds of the plain model would take as long (STEP_COST): what this server's speed is measured in."""
    shape = architecture(config)
    work = config.train_size * config.epochs * TRAINING_PASSES * architecture_flops(kind, shape)
    if kind == "cnn":
        for choice, factor in STEP_COST.items():
            if choice in shape:
                work *= factor
    return work


def architecture(config: TrainConfig) -> tuple:
    """The fields that shape the models (hidden units, channels, padding, head, pooling)."""
    return tuple(
        (f.name, getattr(config, f.name)) for f in dataclasses.fields(config) if f.name.startswith(("mlp_", "cnn_"))
    )


@functools.lru_cache(maxsize=256)
def architecture_flops(kind: str, fields: tuple) -> int:
    # seeded: building a model draws its initial weights, and this leaves torch's global RNG as it was
    return flops_per_image(build_model(kind, TrainConfig(**dict(fields)), seed=0))


def training_remaining(estimate: float, held_seconds: float, fraction: float) -> float:
    """Seconds left of a training, from its estimate and, once it reports progress, from its own pace.

    Before the first report: the estimate less the time spent. After: of the two guesses for what is
    left, (1 - f) × estimate and held × (1 - f) / f, each weighted by how much is known, 1 - f and f.
    """
    if fraction <= 0:
        return max(estimate - held_seconds, 0.0)
    fraction = min(fraction, 1.0)
    return (1 - fraction) * ((1 - fraction) * estimate + held_seconds)


def pace_remaining(held_seconds: float, fraction: float | None) -> float:
    """Seconds left of a computation that reports the fraction done: at the pace it has kept so far."""
    if not fraction or fraction <= 0:
        return UNMEASURED_WORK_SECONDS
    return held_seconds * (1 - min(fraction, 1.0)) / fraction
