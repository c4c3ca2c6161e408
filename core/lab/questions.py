"""The equivariance lab's questions, asked of the trained models that every session shares."""

import dataclasses
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.lab.border import BorderRoom, empty_border
from core.lab.config import TrainConfig
from core.lab.confusion import confusion_matrix
from core.lab.data import DataError, Dataset
from core.lab.equivariance import compare_layers, mlp_hidden_comparison
from core.lab.evaluation import (
    accuracy_grid,
    accuracy_of,
    class_probabilities,
    shift_consistency,
    shift_sweep,
)
from core.lab.plan import TrainingPlan, plan_trainings
from core.lab.progress import MODEL_NAMES, Progress, follow, training_progress
from core.lab.shift import one_step_away
from core.lab.weights import weights_file
from core.serving.budget import adaptive_budget_bytes
from core.serving.cpu import cpu_turn
from core.serving.model_cache import DatasetStore, Job, ModelCache
from core.serving.stored import load_all

MAX_SHIFT = 8
SWEEP_SHIFTS = 4 * MAX_SHIFT + 1  # dx and dy from -MAX_SHIFT to MAX_SHIFT, the origin counted once
GRID_IMAGES = 1_000  # the (dx, dy) heat map uses the first 1,000 test images: 289 shifts × 10,000 would take minutes
CONSISTENCY_SHIFT = 4
DEFAULT_SHIFT = (2, 0)  # (dx, dy) when the lab opens: the reference exercise's shift


def cache_dir() -> Path:
    """Where downloaded datasets are kept (CONVLAB_CACHE, else ~/.cache/convlab)."""
    return Path(os.environ.get("CONVLAB_CACHE", Path.home() / ".cache" / "convlab"))


def cache_budget_bytes() -> int:
    """Memory for trained models and their results: CONVLAB_CACHE_BUDGET_MB, else what this app's memory leaves."""
    return adaptive_budget_bytes()


@dataclass(frozen=True)
class TableRow:
    model: str
    original: float
    shifted: float
    consistency: float

    @property
    def change(self) -> float:
        return self.shifted - self.original


class Lab:
    """Trains through the shared cache and remembers every evaluation per model."""

    def __init__(self, cache: ModelCache, datasets: DatasetStore):
        self.cache = cache
        self.datasets = datasets
        self._border_rooms: dict[str, BorderRoom] = {}  # dataset name → its test images' empty border

    def dataset(self, name: str) -> tuple[Dataset, str | None]:
        """The dataset asked for, or MNIST with a sentence saying why (offline, a failed download, a bad file)."""
        try:
            return self.datasets.get(name), None
        except DataError as error:
            if name == "MNIST":
                raise
            return self.datasets.get("MNIST"), f"{error} The lab goes on with the bundled MNIST."

    def plan(self, config: TrainConfig) -> TrainingPlan:
        """What training these settings would take here, before anything starts."""
        return plan_trainings(self.cache, [(name, kind, config) for kind, name in MODEL_NAMES.items()])

    def train(self, config: TrainConfig) -> dict[str, Job]:
        """Both models for these settings: cached, under way, or started now."""
        return {kind: self.cache.request(kind, config) for kind in MODEL_NAMES}

    def training_updates(self, jobs: dict[str, Job]) -> Iterator[Progress]:
        """Progress of these trainings until all have finished; following them keeps them wanted."""

        def snapshot() -> Progress | None:
            for job in jobs.values():
                job.seen()
            return training_progress(jobs)

        return follow(snapshot)

    def sweep_updates(self, jobs: dict[str, Job], dataset: Dataset, mode: str) -> Iterator[Progress]:
        """Progress of both models' sweeps (measured in the background) until both are ready."""
        text = f"Measuring accuracy at {SWEEP_SHIFTS} shifts on the {len(dataset.x_test):,} test images…"

        def snapshot() -> Progress | None:
            missing = [job for job in jobs.values() if self.ready_sweep(job, mode) is None]
            if not missing:
                return None
            for job in missing:
                job.seen()
                if self.sweep_progress(job, mode) is None:  # nobody is measuring it: measure it here (errors show)
                    self.sweep(job, dataset, mode)
            done = sum(self.sweep_progress(job, mode) or 0.0 for job in missing) + len(jobs) - len(missing)
            return Progress(done / len(jobs), f"{text} {done / len(jobs):.0%}")

        return follow(snapshot, every=0.25)

    def sweeps(self, jobs: dict[str, Job], mode: str) -> dict:
        """Both models' finished sweeps, by model name."""
        return {MODEL_NAMES[kind]: self.ready_sweep(job, mode) for kind, job in jobs.items()}

    def plain_mlp_accuracy(self, config: TrainConfig, dataset: Dataset, dx: int, dy: int, mode: str) -> float | None:
        """The same MLP trained without augmentation, at this shift, if that model is already trained (never trains it)."""
        plain = self.cache.find("mlp", dataclasses.replace(config, augment_shift=0))
        if plain is None or plain.state != "done":
            return None
        return self.accuracy(plain, dataset, dx, dy, mode)

    # -- evaluations, each computed once per model --------------------------------------------------------

    def sweep(self, job: Job, dataset: Dataset, mode: str):
        return self.cache.derived(job, ("sweep", mode), self._sweep_of(job, dataset, mode))

    def prepare_sweep(self, job: Job, dataset: Dataset, mode: str) -> None:
        self.cache.prepare(job, ("sweep", mode), self._sweep_of(job, dataset, mode))

    def ready_sweep(self, job: Job, mode: str):
        return self.cache.peek(job, ("sweep", mode))

    def sweep_progress(self, job: Job, mode: str) -> float | None:
        """How far the sweep is, while it is being measured (None when it is not under way)."""
        return self.cache.progress(job, ("sweep", mode))

    def _sweep_of(self, job: Job, dataset: Dataset, mode: str):
        step = self.cache.stepper(job, ("sweep", mode))
        return lambda model: shift_sweep(model, dataset.x_test, dataset.y_test, MAX_SHIFT, mode, step=step)

    def accuracy(self, job: Job, dataset: Dataset, dx: int, dy: int, mode: str) -> float:
        """Accuracy on the whole test set shifted by (dx, dy): read off a finished sweep when the shift is on an axis, else
        the confusion matrix's diagonal."""
        dx, dy, mode = _settled(dx, dy, mode)
        sweep = self.ready_sweep(job, mode)
        if sweep is not None and (dx == 0 or dy == 0) and max(abs(dx), abs(dy)) <= MAX_SHIFT:
            return float(sweep.horizontal[dx + MAX_SHIFT] if dy == 0 else sweep.vertical[dy + MAX_SHIFT])
        # Otherwise from the confusion matrix the page shows below the table: one pass over the test set for both.
        return accuracy_of(self.confusion(job, dataset, dx, dy, mode))

    def consistency(self, job: Job, dataset: Dataset, mode: str) -> float:
        """Shift consistency with the same fill as the shifted column beside it."""
        name = ("consistency", CONSISTENCY_SHIFT, mode)
        step = self.cache.stepper(job, name)
        return self.cache.derived(
            job, name, lambda model: shift_consistency(model, dataset.x_test, CONSISTENCY_SHIFT, mode=mode, step=step)
        )

    def stored_confusions(self, jobs: dict[str, Job], mode: str) -> dict[str, np.ndarray] | None:
        """Each model's confusion matrices at every (dx, dy) on the whole test set, by kind, where every model has
        them stored (the defaults): the heat maps then read them and agree with the table. Else None."""
        grids = {kind: self.cache.peek(job, ("confusion grid", mode)) for kind, job in jobs.items()}
        return grids if all(grid is not None for grid in grids.values()) else None

    def grid(self, job: Job, dataset: Dataset, mode: str, counts: np.ndarray | None = None) -> np.ndarray:
        """Accuracy at every (dx, dy), rows dy and columns dx: read off `counts` (stored_confusions) when given, else
        measured once per model on the first GRID_IMAGES test images."""
        if counts is not None:
            return np.array([[accuracy_of(cell) for cell in row] for row in counts])
        x, labels = dataset.x_test[:GRID_IMAGES], dataset.y_test[:GRID_IMAGES]
        step = self.cache.stepper(job, ("grid", mode))
        return self.cache.derived(
            job, ("grid", mode), lambda model: accuracy_grid(model, x, labels, MAX_SHIFT, mode, step=step)
        )

    def confusion(self, job: Job, dataset: Dataset, dx: int, dy: int, mode: str) -> np.ndarray:
        """Counts (10, 10) of true class against predicted class on the whole test set shifted by (dx, dy)."""
        dx, dy, mode = _settled(dx, dy, mode)
        counts = self._confusion_read(job, dx, dy, mode)
        if counts is not None:
            return counts
        return self.cache.derived(job, *self._confusion_at(job, dataset, dx, dy, mode))

    def prepare_around(self, jobs: dict[str, Job], dataset: Dataset, dx: int, dy: int, mode: str) -> None:
        """Count the confusions one slider step away in the background, so the next step finds them ready."""
        for near_dx, near_dy in one_step_away(int(dx), int(dy), MAX_SHIFT):
            near_dx, near_dy, near_mode = _settled(near_dx, near_dy, mode)
            if near_dx == 0 or near_dy == 0:
                continue  # along an axis the sweep counts them
            for job in jobs.values():
                if self._confusion_read(job, near_dx, near_dy, near_mode) is None:
                    self.cache.prepare(job, *self._confusion_at(job, dataset, near_dx, near_dy, near_mode), ahead=True)

    def _confusion_read(self, job: Job, dx: int, dy: int, mode: str) -> np.ndarray | None:
        """The counts at (dx, dy) if they need no pass of their own: from the sweep along an axis, from a stored grid."""
        inside = max(abs(dx), abs(dy)) <= MAX_SHIFT
        sweep = self.ready_sweep(job, mode)
        if inside and (dx == 0 or dy == 0) and sweep is not None and sweep.horizontal_counts is not None:
            return sweep.horizontal_counts[dx + MAX_SHIFT] if dy == 0 else sweep.vertical_counts[dy + MAX_SHIFT]
        grid = self.cache.peek(job, ("confusion grid", mode))  # the stored defaults have every (dx, dy)
        if inside and grid is not None:
            return grid[dy + MAX_SHIFT, dx + MAX_SHIFT]
        return self.cache.peek(job, ("confusion", dx, dy, mode))

    def _confusion_at(self, job: Job, dataset: Dataset, dx: int, dy: int, mode: str):
        step = self.cache.stepper(job, ("confusion", dx, dy, mode))
        return ("confusion", dx, dy, mode), lambda model: confusion_matrix(
            model, dataset.x_test, dataset.y_test, dx, dy, mode, step=step
        )

    def border_room(self, dataset: Dataset) -> BorderRoom:
        """The test images' empty border, measured once per dataset (it takes a few hundredths of a second)."""
        if dataset.name not in self._border_rooms:
            self._border_rooms[dataset.name] = empty_border(dataset.x_test)
        return self._border_rooms[dataset.name]

    def weights_file(self, job: Job, config: TrainConfig) -> bytes:
        """The trained weights as a .pt file (a state dict, loadable with weights_only=True)."""
        return self.cache.derived(
            job, "weights file", lambda model: weights_file(job.kind, config, model), uses_cpu=False
        )

    def table(self, jobs: dict[str, Job], dataset: Dataset, dx: int, dy: int, mode: str) -> list[TableRow]:
        """The reference table: each model on the original and on the shifted test images."""
        return [
            TableRow(
                MODEL_NAMES[kind],
                self.accuracy(job, dataset, 0, 0, "zero"),
                self.accuracy(job, dataset, dx, dy, mode),
                self.consistency(job, dataset, mode),
            )
            for kind, job in jobs.items()
        ]

    # -- one image ----------------------------------------------------------------------------------------

    def layers(self, cnn: Job, image: torch.Tensor, dx: int, dy: int, mode: str):
        cnn.seen()
        with cpu_turn(threads=1):
            return compare_layers(cnn.result.model, image, dx, dy, mode)

    def hidden(self, mlp: Job, image: torch.Tensor, dx: int, dy: int, mode: str):
        mlp.seen()
        with cpu_turn(threads=1):
            return mlp_hidden_comparison(mlp.result.model, image, dx, dy, mode)

    def probabilities(
        self, jobs: dict[str, Job], image: torch.Tensor, dx: int, dy: int, mode: str
    ) -> dict[str, np.ndarray]:
        with cpu_turn(threads=1):
            return {
                MODEL_NAMES[kind]: class_probabilities(job.result.model, image, dx, dy, mode)
                for kind, job in jobs.items()
            }


def _settled(dx, dy, mode: str) -> tuple[int, int, str]:
    """(dx, dy) as integers, and the fill that matters there (none when nothing moves: zero, by convention)."""
    dx, dy = int(dx), int(dy)
    return dx, dy, "zero" if dx == dy == 0 else mode


def random_test_index(dataset: Dataset, digit: int, rng: random.Random) -> int:
    """A random test image of the given class."""
    indices = torch.nonzero(dataset.y_test == digit).flatten().tolist()
    return rng.choice(indices)


_shared: Lab | None = None
_shared_lock = threading.Lock()


def shared_lab() -> Lab:
    """One lab per server process: every session shares its trainings and evaluations."""
    global _shared
    with _shared_lock:
        if _shared is None:
            datasets = DatasetStore(cache_dir())
            cache = ModelCache(datasets, budget_bytes=cache_budget_bytes())
            if os.environ.get("CONVLAB_STORED", "1") != "0":  # 0: train even the stored defaults (benchmarks)
                for stored in load_all():
                    cache.adopt(stored.kind, stored.config, stored.result, stored.derived)
            _shared = Lab(cache, datasets)
        return _shared
