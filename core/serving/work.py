"""What is queued or under way on this server, in plain words, with how long each piece has left."""

from dataclasses import dataclass, field
from typing import Any

from core.serving.jobs import Job


@dataclass(frozen=True)
class Work:
    """One training or computation ahead: e.g. 'training the CNN on 60,000 images × 3 epochs', 40 s left."""

    kind: str  # "training" | "computation"
    description: str
    remaining_seconds: float
    job: Job | None = field(default=None, compare=False, repr=False)  # the training it is, or is computed from

    @classmethod
    def training(cls, job: Job) -> "Work":
        return cls("training", f"training {model_in_words(job)}", job.remaining_seconds, job)

    @classmethod
    def computation(cls, job: Job, name: Any, remaining_seconds: float) -> "Work":
        return cls("computation", f"{name_in_words(name)} for {model_in_words(job)}", remaining_seconds, job)


def model_in_words(job: Job) -> str:
    """'the CNN on 60,000 images × 3 epochs'"""
    epochs = job.config.epochs
    return f"the {job.kind.upper()} on {job.config.train_size:,} images × {epochs} epoch{'s' if epochs > 1 else ''}"


def name_in_words(name: Any) -> str:
    """A computed value's name for people: ("sweep", "zero") → 'sweep (zero)'."""
    if isinstance(name, tuple) and len(name) > 1:
        return f"{name[0]} ({', '.join(map(str, name[1:]))})"
    return str(name[0]) if isinstance(name, tuple) and name else str(name)
