"""A model's training as every session waiting for it sees it, and which settings make it the same model."""

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from core.lab.config import TrainConfig
from core.serving.cpu import Claim

# Which TrainConfig fields each model ignores: changing them must not retrain it.
IGNORED_FIELDS = {"mlp": "cnn_", "cnn": "mlp_"}


def model_key(kind: str, config: TrainConfig) -> tuple:
    """The configuration as far as this kind of model is concerned (hashable)."""
    defaults = TrainConfig()
    ignored = {
        f.name: getattr(defaults, f.name) for f in dataclasses.fields(config) if f.name.startswith(IGNORED_FIELDS[kind])
    }
    return (kind, dataclasses.astuple(dataclasses.replace(config, **ignored)))


@dataclass(eq=False)
class Job:
    """One model's training, as every session waiting for it sees it."""

    kind: str
    config: TrainConfig
    key: tuple
    state: str = "queued"  # queued → running → done | failed | cancelled
    fraction: float = 0.0
    loss: float | None = None
    message: str = ""
    result: Any = None  # a TrainResult, only once training finished
    estimated_seconds: float = 0.0  # alone on this server, as estimated when it was asked for
    asked_at: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    cpu: Claim | None = field(default=None, repr=False)  # its place in the CPU queue, once it runs

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @property
    def remaining_seconds(self) -> float:
        """Estimated CPU seconds of training left (0 once finished)."""
        if self.finished:
            return 0.0
        return self.cpu.remaining_seconds() if self.cpu else self.estimated_seconds

    def seen(self) -> None:
        """A session is still waiting for (or using) this model."""
        self.last_seen = time.monotonic()
