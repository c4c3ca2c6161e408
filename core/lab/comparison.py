"""Compare the fixes: every variant trained with one budget through the shared cache, and measured side by side."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from core.lab.compare import (
    COMPARE_IMAGES,
    ONE_PIXEL_MOVES,
    VARIANTS,
    Variant,
    last_map_error,
    mean_and_spread,
    top1_change,
)
from core.lab.config import TrainConfig
from core.lab.data import Dataset
from core.lab.evaluation import Step, accuracy, part_of, predict_logits
from core.lab.plan import TrainingPlan, plan_trainings
from core.lab.progress import Progress, follow
from core.lab.shift import one_step_away, random_shift_amounts, shift_each
from core.serving.model_cache import Job, ModelCache

SEED_COUNTS = (1, 3, 5)
SWEEP_SHIFTS = tuple(range(9))  # the chart: the images moved right by 0 to 8 pixels
CONSISTENCY_SHIFT = 4  # Zhang's two random shifts, each up to 4 pixels along each axis
MAP_IMAGES = 500  # the last feature maps' equivariance error: the first 500 of the compared images
FILLS = ("zero", "circular")


def other_fill(mode: str) -> str:
    return FILLS[1] if mode == FILLS[0] else FILLS[0]


@dataclass(frozen=True)
class Member:
    """One trained model of the comparison: a variant with one seed."""

    variant: Variant
    seed: int
    config: TrainConfig

    @property
    def kind(self) -> str:
        return self.variant.kind


def members(train_size: int, epochs: int, seeds: int, first_seed: int = 0) -> list[Member]:
    """Every variant once per seed, all with the same budget: training images, epochs, seeds."""
    base = dataclasses.replace(TrainConfig(), train_size=train_size, epochs=epochs)
    chosen = []
    for variant in VARIANTS:
        for index in range(seeds):
            seed = (first_seed + index) % 10_000
            chosen.append(Member(variant, seed, variant.config(dataclasses.replace(base, seed=seed))))
    return chosen


@dataclass(frozen=True)
class Steady:
    """Zhang's consistency for one model and one fill, on the compared test images, with what explains it."""

    consistency: float  # the same class under two random shifts
    first_accuracy: float  # accuracy on the first randomly shifted copies
    second_accuracy: float  # and on the second
    pairs: int
    pairs_losing_ink: int  # pairs where a copy lost ink over the edge (never under wrap)
    disagreements_keeping_ink: int  # pairs given two classes although neither copy lost ink


@dataclass(frozen=True)
class OnePixel:
    """One model, one fill: accuracy on the unshifted images and Azulay & Weiss's two numbers."""

    original: float
    top1_change: float  # the top-1 class changes under a 1-pixel shift
    mean_top_change: float  # the mean absolute change of the top class's probability


def measure_consistency(model, images: torch.Tensor, labels: torch.Tensor, mode: str, step: Step | None = None):
    generator = torch.Generator().manual_seed(0)
    copies, lost = [], []
    for _ in range(2):
        dx, dy = random_shift_amounts(len(images), CONSISTENCY_SHIFT, generator)
        moved = shift_each(images, dx, dy, mode=mode)
        copies.append(moved)
        lost.append(moved.sum(dim=(1, 2), dtype=torch.int64) != images.sum(dim=(1, 2), dtype=torch.int64))
    first = predict_logits(model, copies[0], step=part_of(step, 0, 2)).argmax(dim=1)
    second = predict_logits(model, copies[1], step=part_of(step, 1, 2)).argmax(dim=1)
    agree = first == second
    losing = lost[0] | lost[1]
    return Steady(
        consistency=agree.float().mean().item(),
        first_accuracy=(first == labels).float().mean().item(),
        second_accuracy=(second == labels).float().mean().item(),
        pairs=len(images),
        pairs_losing_ink=int(losing.sum()),
        disagreements_keeping_ink=int((~agree & ~losing).sum()),
    )


def measure_one_pixel(model, images: torch.Tensor, labels: torch.Tensor, mode: str, step: Step | None = None):
    logits = predict_logits(model, images, step=part_of(step, 0, 1 + len(ONE_PIXEL_MOVES)))
    original = (logits.argmax(dim=1) == labels).float().mean().item()  # as accuracy() counts, from the same pass
    change = top1_change(model, images, mode, step=step, original_logits=logits)
    return OnePixel(original, change.probability, change.mean_top_change)


def measure_sweep(model, images, labels, mode: str, step: Step | None = None) -> tuple[float, ...]:
    """Accuracy with the images moved right by each of SWEEP_SHIFTS pixels but the first (0: the unshifted images)."""
    moves = SWEEP_SHIFTS[1:]
    return tuple(
        accuracy(model, images, labels, dx, 0, mode, step=part_of(step, index, len(moves)))
        for index, dx in enumerate(moves)
    )


@dataclass(frozen=True)
class Stat:
    mean: float
    spread: float  # the sample standard deviation over the seeds (0 for one seed)
    values: tuple[float, ...]


def stat(values) -> Stat:
    values = tuple(float(value) for value in values)
    mean, spread = mean_and_spread(values)
    return Stat(mean, spread, values)


@dataclass(frozen=True)
class VariantRow:
    """One variant's measurements over its seeds."""

    variant: Variant
    original: Stat
    shifted: dict  # fill → Stat of accuracy at the current shift
    consistency: dict  # fill → Stat
    top1_change: Stat  # under the current fill
    mean_top_change: Stat
    map_error: Stat | None  # under the current fill; None for an MLP
    sweep: tuple[Stat, ...]  # accuracy at each of SWEEP_SHIFTS, current fill
    steady: dict  # fill → the Steady (consistency) of each seed


class Comparison:
    """The comparison's trainings and measurements, shared by every session through the lab's model cache."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self.images = COMPARE_IMAGES  # read when made, so that a test can measure on fewer

    def plan(self, chosen: list[Member]) -> TrainingPlan:
        """What training these members would take here: only those nobody has started yet."""
        return plan_trainings(self.cache, [(member.variant.name, member.kind, member.config) for member in chosen])

    def train(self, chosen: list[Member]) -> dict[Member, Job]:
        return {member: self.cache.request(member.kind, member.config) for member in chosen}

    def training_updates(
        self, jobs: dict[Member, Job], dataset: Dataset | None = None, mode: str = "zero"
    ) -> Iterator[Progress]:
        """One bar for every training of the comparison, until all have finished. Given the dataset, each model's
        measurements under `mode` start as soon as it is trained, on a core the trainings leave free."""

        measuring: set[Job] = set()

        def snapshot() -> Progress | None:
            for job in jobs.values():
                job.seen()
                if dataset is not None and job.state == "done" and job not in measuring:
                    measuring.add(job)
                    for name, compute in self._needed(job, dataset, mode):
                        self.cache.prepare(job, name, compute)
            running = [job for job in jobs.values() if not job.finished]
            if not running:
                return None
            fraction = sum(job.fraction for job in jobs.values()) / len(jobs)
            done = len(jobs) - len(running)
            return Progress(fraction, f"Training {len(jobs)} models ({done} done)… {fraction:.0%}")

        return follow(snapshot, every=0.2)

    # -- measurements, each once per model ---------------------------------------------------------------

    def _images(self, dataset: Dataset):
        return dataset.x_test[: self.images], dataset.y_test[: self.images]

    def _measure(self, job: Job, dataset: Dataset, what: str, mode: str):
        """(name, compute) of one measurement of one model: "consistency", "one pixel" or "sweep", under a fill."""
        name = (f"compare {what}", mode, self.images)
        step = self.cache.stepper(job, name)
        images, labels = self._images(dataset)
        measure = {"consistency": measure_consistency, "one pixel": measure_one_pixel, "sweep": measure_sweep}[what]
        return name, lambda model: measure(model, images, labels, mode, step=step)

    def _needed(self, job: Job, dataset: Dataset, mode: str) -> list:
        """What the tables and chart need from one model, the current fill's first."""
        return [
            self._measure(job, dataset, "one pixel", mode),
            self._measure(job, dataset, "consistency", mode),
            self._measure(job, dataset, "sweep", mode),
            self._measure(job, dataset, "consistency", other_fill(mode)),
        ]

    def measure_updates(self, jobs: dict[Member, Job], dataset: Dataset, mode: str) -> Iterator[Progress]:
        """Measure every model in the background (the other fill's sweep after the rest); one bar until the table and
        chart have what they need."""
        for job in jobs.values():
            for name, compute in self._needed(job, dataset, mode):
                self.cache.prepare(job, name, compute)
        for job in jobs.values():  # then the other fill's sweep, for its accuracy column at shifts on the chart
            self.cache.prepare(job, *self._measure(job, dataset, "sweep", other_fill(mode)))
        # a phase of its own after the training bar: it may start part-way, as models were measured once trained
        text = f"All {len(jobs)} models trained; measuring them on {self.images:,} test images…"

        def snapshot() -> Progress | None:
            parts = [
                (job, name, compute) for job in jobs.values() for name, compute in self._needed(job, dataset, mode)
            ]
            missing = [(job, name, compute) for job, name, compute in parts if self.cache.peek(job, name) is None]
            if not missing:
                return None
            for job, name, compute in missing:
                job.seen()
                if self.cache.progress(job, name) is None:  # nobody is measuring it: measure it here (errors show)
                    self.cache.derived(job, name, compute)
            done = len(parts) - len(missing) + sum(self.cache.progress(job, name) or 0.0 for job, name, _ in missing)
            return Progress(done / len(parts), f"{text} {done / len(parts):.0%}")

        return follow(snapshot, every=0.25)

    def shifted_accuracy(self, job: Job, dataset: Dataset, dx: int, dy: int, fill: str) -> float:
        """Accuracy at (dx, dy): read off the chart's sweep where it covers the shift, else measured once."""
        sweep = self.cache.peek(job, ("compare sweep", fill, self.images))
        if sweep is not None and dy == 0 and dx in SWEEP_SHIFTS[1:]:
            return sweep[SWEEP_SHIFTS.index(dx) - 1]
        if dx == dy == 0:
            return self.cache.derived(job, *self._measure(job, dataset, "one pixel", "zero")).original
        return self.cache.derived(job, *self._accuracy_at(dataset, dx, dy, fill))

    def _accuracy_at(self, dataset: Dataset, dx: int, dy: int, fill: str):
        images, labels = self._images(dataset)
        name = ("compare accuracy", dx, dy, fill, self.images)
        return name, lambda model: accuracy(model, images, labels, dx, dy, fill)

    def map_error(self, job: Job, dataset: Dataset, dx: int, dy: int, fill: str) -> float:
        """The last feature maps' equivariance error at (dx, dy), on the first MAP_IMAGES compared images."""
        return self.cache.derived(job, *self._map_error_at(dataset, dx, dy, fill))

    def _map_error_at(self, dataset: Dataset, dx: int, dy: int, fill: str):
        images = self._images(dataset)[0][:MAP_IMAGES]
        name = ("compare map error", dx, dy, fill, self.images)
        return name, lambda model: last_map_error(model, images, dx, dy, fill)

    def prepare_around(self, jobs: dict[Member, Job], dataset: Dataset, dx: int, dy: int, mode: str) -> None:
        """Measure the shifts one slider step away in the background, so the next step finds its numbers ready."""
        for near_dx, near_dy in one_step_away(dx, dy):
            for member, job in jobs.items():
                for fill in FILLS:
                    if not (near_dy == 0 and near_dx in SWEEP_SHIFTS):  # else read off a sweep
                        self.cache.prepare(job, *self._accuracy_at(dataset, near_dx, near_dy, fill), ahead=True)
                if member.kind == "cnn":
                    self.cache.prepare(job, *self._map_error_at(dataset, near_dx, near_dy, mode), ahead=True)

    def _measured(self, jobs: dict, dataset: Dataset, what: str, fill: str) -> list:
        """One measurement of each of these models (computed here unless it is ready)."""
        return [self.cache.derived(job, *self._measure(job, dataset, what, fill)) for job in jobs.values()]

    def rows(self, jobs: dict[Member, Job], dataset: Dataset, dx: int, dy: int, mode: str) -> list[VariantRow]:
        """Every variant's row, once its measurements are in (after measure_updates)."""
        rows = []
        for variant in VARIANTS:
            mine = {member: job for member, job in jobs.items() if member.variant == variant}
            if not mine:
                continue
            steady = {fill: self._measured(mine, dataset, "consistency", fill) for fill in FILLS}
            pixel = self._measured(mine, dataset, "one pixel", mode)
            sweeps = self._measured(mine, dataset, "sweep", mode)
            rows.append(
                VariantRow(
                    variant=variant,
                    original=stat(p.original for p in pixel),
                    shifted={
                        fill: stat(self.shifted_accuracy(job, dataset, dx, dy, fill) for job in mine.values())
                        for fill in FILLS
                    },
                    consistency={fill: stat(s.consistency for s in steady[fill]) for fill in FILLS},
                    top1_change=stat(p.top1_change for p in pixel),
                    mean_top_change=stat(p.mean_top_change for p in pixel),
                    map_error=stat(self.map_error(job, dataset, dx, dy, mode) for job in mine.values())
                    if variant.kind == "cnn"
                    else None,
                    sweep=tuple(stat(values) for values in (tuple(p.original for p in pixel), *zip(*sweeps))),
                    steady=steady,
                )
            )
        return rows
