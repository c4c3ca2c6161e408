"""How well a model classifies shifted test images (accuracy, sweeps, grids, consistency), and how soon it learns to."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.lab.config import TrainConfig
from core.lab.data import Dataset, to_float
from core.lab.models import NUM_CLASSES
from core.lab.shift import random_shift_amounts, shift_each, shift_images
from core.lab.training import TrainingInterrupted, keep_freed_memory, train_model

# The CNN's largest activations for 512 images (512×16×28×28 floats, 26 MB) stay under the
# 32 MB that keep_freed_memory lets glibc reuse; on the 2-core reference machine batches
# of 512 ran 15% faster than batches of 1,000 and 8% faster than batches of 256.
EVAL_BATCH_SIZE = 512


# Called between batches of a long evaluation with the fraction done: to show progress, and to let
# other sessions' short work take the CPU in between (see core.serving.cpu.yield_cpu).
Step = Callable[[float], None]


def predict_logits(
    model: nn.Module, images: torch.Tensor, batch_size: int = EVAL_BATCH_SIZE, step: Step | None = None
) -> torch.Tensor:
    """Class scores (N, 10) for uint8 images (N, 28, 28), converted to float one batch at a time."""
    if images.dim() == 2:
        images = images.unsqueeze(0)
    keep_freed_memory()  # without it, large batches run up to 2× slower on fresh memory pages
    batches = images.split(batch_size)
    logits = []
    with torch.inference_mode():
        for done, batch in enumerate(batches, start=1):
            logits.append(model(to_float(batch)))
            if step is not None:
                step(done / len(batches))
    return torch.cat(logits)


def part_of(step: Step | None, index: int, parts: int) -> Step | None:
    """The step callback of part `index` of `parts` equal parts of a longer job."""
    if step is None:
        return None
    return lambda fraction: step((index + fraction) / parts)


def accuracy(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    dx: int = 0,
    dy: int = 0,
    mode: str = "zero",
    step: Step | None = None,
) -> float:
    """Fraction of images classified correctly after moving each by (dx, dy): their confusion matrix's diagonal."""
    return accuracy_of(confusion_counts(model, images, labels, dx, dy, mode, step=step))


def confusion_counts(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    dx: int = 0,
    dy: int = 0,
    mode: str = "zero",
    step: Step | None = None,
) -> np.ndarray:
    """Counts (10, 10) of the images moved by (dx, dy): row = true class, column = predicted class."""
    predicted = predict_logits(model, shift_images(images, dx, dy, mode), step=step).argmax(dim=1)
    cells = labels.to(torch.int64) * NUM_CLASSES + predicted
    return np.bincount(cells.numpy(), minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def accuracy_of(counts: np.ndarray) -> float:
    """The share of a confusion matrix's images on its diagonal, divided in float32: bit for bit the float32 mean of
    the right answers (1s and 0s, whose float32 sum is exact below 2**24 images)."""
    return (torch.tensor(float(np.trace(counts)), dtype=torch.float32) / int(counts.sum())).item()


@dataclass
class ShiftSweep:
    """Accuracy at each shift s, moving the images horizontally (dx=s, dy=0) and vertically (dx=0, dy=s), and the
    confusion matrices it was read from (indexed like the shifts; None for a sweep made without them)."""

    shifts: np.ndarray
    horizontal: np.ndarray
    vertical: np.ndarray
    mode: str
    horizontal_counts: np.ndarray | None = None  # (shifts, 10, 10)
    vertical_counts: np.ndarray | None = None


def shift_sweep(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    max_shift: int = 8,
    mode: str = "zero",
    step: Step | None = None,
) -> ShiftSweep:
    """Accuracy for shifts -max_shift..max_shift along each axis, with the confusion matrix at each (so the lab's
    matrices along an axis cost no pass of their own); the unshifted images are evaluated once."""
    shifts = np.arange(-max_shift, max_shift + 1)
    moves = [(0, 0)] + [(int(s), 0) for s in shifts if s] + [(0, int(s)) for s in shifts if s]
    measured = {
        move: confusion_counts(model, images, labels, *move, mode, step=part_of(step, index, len(moves)))
        for index, move in enumerate(moves)
    }
    horizontal = np.array([measured[(int(s), 0)] for s in shifts])
    vertical = np.array([measured[(0, int(s))] for s in shifts])
    return ShiftSweep(
        shifts,
        np.array([accuracy_of(counts) for counts in horizontal]),
        np.array([accuracy_of(counts) for counts in vertical]),
        mode,
        horizontal,
        vertical,
    )


def accuracy_grid(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    max_shift: int,
    mode: str = "zero",
    step: Step | None = None,
) -> np.ndarray:
    """Accuracy for every (dx, dy) in [-max_shift, max_shift]², indexed [dy + max_shift, dx + max_shift]."""
    counts = confusion_grid(model, images, labels, max_shift, mode, step)
    return np.array([[accuracy_of(cell) for cell in row] for row in counts])


def confusion_grid(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    max_shift: int,
    mode: str = "zero",
    step: Step | None = None,
) -> np.ndarray:
    """The confusion matrix at every (dx, dy) in [-max_shift, max_shift]², indexed [dy + max_shift, dx + max_shift]."""
    shifts = range(-max_shift, max_shift + 1)
    moves = [(dx, dy) for dy in shifts for dx in shifts]
    counts = [
        confusion_counts(model, images, labels, dx, dy, mode, step=part_of(step, index, len(moves)))
        for index, (dx, dy) in enumerate(moves)
    ]
    return np.array(counts, dtype=np.int32).reshape(len(shifts), len(shifts), NUM_CLASSES, NUM_CLASSES)


def shift_consistency(
    model: nn.Module,
    images: torch.Tensor,
    max_shift: int = 4,
    seed: int = 0,
    mode: str = "zero",
    step: Step | None = None,
) -> float:
    """Fraction of images given the same class under two independent random shifts in [-max_shift, max_shift]² (Zhang 2019).

    The default of 4 pixels keeps MNIST's centred 20×20 digits inside the frame.
    """
    generator = torch.Generator().manual_seed(seed)
    first = shift_each(images, *random_shift_amounts(len(images), max_shift, generator), mode=mode)
    second = shift_each(images, *random_shift_amounts(len(images), max_shift, generator), mode=mode)
    first_classes = predict_logits(model, first, step=part_of(step, 0, 2)).argmax(dim=1)
    second_classes = predict_logits(model, second, step=part_of(step, 1, 2)).argmax(dim=1)
    return (first_classes == second_classes).float().mean().item()


def class_probabilities(
    model: nn.Module, image: torch.Tensor, dx: int = 0, dy: int = 0, mode: str = "zero"
) -> np.ndarray:
    """Softmax probabilities (10,) for one uint8 image (28, 28) moved by (dx, dy)."""
    logits = predict_logits(model, shift_images(image, dx, dy, mode).unsqueeze(0))
    return torch.softmax(logits[0], dim=0).numpy()


def time_to_accuracy(
    kind: str, config: TrainConfig, dataset: Dataset, target: float, eval_every_batches: int = 5
) -> float | None:
    """Training seconds until accuracy on the whole test set first reaches target (None if never).

    The clock stops while the model is being evaluated, so only training is timed.
    """
    start = time.perf_counter()
    paused = 0.0
    reached_after: float | None = None

    def evaluate(step: int, model: nn.Module) -> None:
        nonlocal paused, reached_after
        if step % eval_every_batches:
            return
        pause_start = time.perf_counter()
        if accuracy(model, dataset.x_test, dataset.y_test) >= target:
            reached_after = pause_start - start - paused
        paused += time.perf_counter() - pause_start

    try:
        train_model(kind, config, dataset, should_stop=lambda: reached_after is not None, on_batch=evaluate)
    except TrainingInterrupted:
        pass
    return reached_after
