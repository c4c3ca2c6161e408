"""How far the lab's background work is, in the words a progress bar shows; one loop that follows it."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.lab.plan import duration

MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN"}


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0 to 1
    text: str


def training_progress(jobs: dict) -> Progress | None:
    """The trainings still under way, as one bar; None once every job has finished."""
    running = [job for job in jobs.values() if not job.finished]
    if not running:
        return None
    names = " and ".join(MODEL_NAMES[job.kind] for job in running)
    fraction = sum(job.fraction for job in jobs.values()) / len(jobs)
    text = f"Training the {names}… {fraction:.0%}"
    left = max(job.remaining_seconds for job in running)
    if left > 0:
        text += f", about {duration(left)} left"
    losses = [f"{MODEL_NAMES[job.kind]} loss {job.loss:.3f}" for job in running if job.loss is not None]
    return Progress(fraction, text + (f" · {', '.join(losses)}" if losses else ""))


def follow(snapshot: Callable[[], Progress | None], every: float = 0.1) -> Iterator[Progress]:
    """Yield snapshot() until it returns None (the work is done), waiting `every` seconds in between."""
    while (progress := snapshot()) is not None:
        yield progress
        time.sleep(every)
