"""Trains an MLP or CNN on in-memory uint8 images: torch's Adam with a one-cycle learning rate, no DataLoader."""

from __future__ import annotations

import ctypes
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from core.lab.config import TrainConfig
from core.lab.data import Dataset, to_float
from core.lab.models import build_model
from core.lab.shift import random_shifts

# One-cycle schedule: a short cosine warm-up from peak / 5 to the peak, then a cosine
# decay to nearly zero; with it the default CNN passes 0.96 after about 4,300 images.
WARMUP_FRACTION = 0.1
WARMUP_START_DIVISOR = 5.0
FINAL_DIVISOR = 1e4
# A shorter gradient memory than Adam's usual 0.9 suits runs of a few hundred steps:
# the CNN passes 0.96 after ~13% fewer images and the MLP ends ~0.3 points higher.
ADAM_BETAS = (0.8, 0.999)
SHORTEST_CYCLE_STEPS = 11
PROGRESS_EVERY_BATCHES = 10


class TrainingInterrupted(Exception):
    """Training was stopped on request before it finished; no model is returned."""


@dataclass
class TrainResult:
    """A trained model (eval mode, CPU) with how it was made, how long it took and its loss curve."""

    model: nn.Module
    kind: str
    config: TrainConfig
    seconds: float  # the training loop's, without building the model and optimiser or the time should_stop took
    losses: list[float] = field(default_factory=list)  # one per optimiser step
    loaded_from: str | None = None  # a stored file's path when this model was loaded, not trained, by this server


def train_model(
    kind: str,
    config: TrainConfig,
    dataset: Dataset,
    progress: Callable[[float, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[int, nn.Module], None] | None = None,
) -> TrainResult:
    """Train a fresh model on the first config.train_size training images; the same seed gives the same model.

    progress(fraction_done, recent_loss) is called every few batches, should_stop() before
    every batch (True raises TrainingInterrupted), on_batch(step, model) after every step.
    """
    config = config.validated()
    if dataset.name != config.dataset:
        raise ValueError(f"The config asks for {config.dataset} but the dataset given is {dataset.name}.")
    keep_freed_memory()
    model = seeded_model(kind, config).train()
    generator = torch.Generator().manual_seed(config.seed)
    images = dataset.x_train[: config.train_size]
    labels = dataset.y_train[: config.train_size]
    total_steps = math.ceil(len(images) / config.batch_size) * config.epochs
    optimizer, schedule = adam_one_cycle(model, total_steps, config.learning_rate)
    losses: list[float] = []
    start, paused = time.perf_counter(), 0.0
    for _ in range(config.epochs):
        for batch in torch.randperm(len(images), generator=generator).split(config.batch_size):
            if should_stop is not None:
                asked = time.perf_counter()
                stop = should_stop()
                paused += time.perf_counter() - asked  # time spent letting others use the CPU is not training
                if stop:
                    raise TrainingInterrupted(f"Training the {kind.upper()} was stopped at step {len(losses)}.")
            batch_images = images[batch]
            if config.augment_shift > 0:
                batch_images = random_shifts(batch_images, config.augment_shift, generator)
            loss = F.cross_entropy(model(to_float(batch_images)), labels[batch])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            schedule.step()
            losses.append(loss.item())
            step = len(losses)
            if progress is not None and (step % PROGRESS_EVERY_BATCHES == 0 or step == total_steps):
                recent = losses[-PROGRESS_EVERY_BATCHES:]
                progress(step / total_steps, sum(recent) / len(recent))
            if on_batch is not None:
                on_batch(step, model)
    seconds = time.perf_counter() - start - paused
    return TrainResult(model=model.eval(), kind=kind, config=config, seconds=seconds, losses=losses)


def seeded_model(kind: str, config: TrainConfig) -> nn.Module:
    """Initialise from config.seed without disturbing anyone else's use of torch's global RNG."""
    return build_model(kind, config, seed=config.seed)


def adam_one_cycle(
    model: nn.Module, total_steps: int, peak: float
) -> tuple[torch.optim.Adam, torch.optim.lr_scheduler.OneCycleLR]:
    """torch's Adam, and OneCycleLR taking its learning rate from peak / 5 up to the peak and down to nearly zero.

    The first optimiser in a process imports torch._dynamo, about a second once (bench/run.py prints it).
    """
    # fused: one kernel per parameter instead of a dozen element-wise operations; 250 steps of the
    # default CNN take 26 ms instead of 64 ms (and 34 ms with the hand-written Adam this replaced).
    optimizer = torch.optim.Adam(model.parameters(), lr=peak, betas=ADAM_BETAS, fused=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=peak,
        # OneCycleLR divides by zero for 10 steps and gives 1 step no learning rate at all: runs
        # that short (only huge batches make them) follow the first steps of an 11-step cycle.
        total_steps=max(total_steps, SHORTEST_CYCLE_STEPS),
        pct_start=WARMUP_FRACTION,
        anneal_strategy="cos",
        div_factor=WARMUP_START_DIVISOR,
        final_div_factor=FINAL_DIVISOR,
        three_phase=False,
        cycle_momentum=False,  # keep ADAM_BETAS: cycling would move beta1 between 0.85 and 0.95
    )
    return optimizer, schedule


@functools.cache
def keep_freed_memory() -> None:
    """Ask glibc to keep freed blocks of up to 32 MB for reuse (once per process; nothing where there is no glibc).

    Every training step allocates and frees the same megabyte-sized activations. By default
    glibc returns them to the system and takes fresh pages next step: in a fresh process the
    default models then took 1.89 s instead of 1.45 s, with 394,000 page faults instead of
    4,600 (2 cores; bench/run.py measures both in every run).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mmap_threshold, trim_threshold = -3, -1  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD in malloc.h
        libc.mallopt(mmap_threshold, 32 << 20)
        libc.mallopt(trim_threshold, 1 << 30)
    except (OSError, AttributeError):
        pass
