"""Trained models shared by every session: the trainings, what is computed from them and the memory budget, wired together."""

import threading
import time
from collections.abc import Callable
from typing import Any

from core.lab.config import TrainConfig
from core.lab.training import train_model
from core.serving.budget import DEFAULT_BUDGET_BYTES, MemoryBudget, release_freed_memory, size_in_bytes
from core.serving.datasets import DatasetStore
from core.serving.jobs import Job, model_key
from core.serving.results import Results
from core.serving.speed import Speed
from core.serving.trainings import ABANDON_AFTER_SECONDS, Trainings
from core.serving.work import Work

__all__ = ["DatasetStore", "Job", "ModelCache", "Work", "model_key"]

# Freed memory goes back to the system only after a training or a computation that took this many CPU seconds
# (a sweep, a grid, the comparison's measurements take several). Given back, its pages are taken fresh again by the
# next pass over the test set (up to 2× slower, see keep_freed_memory): a cost lost in seconds of work, but not in
# a slider step's single pass (about a tenth of a second), after which the next step would pay it every time.
RELEASE_AFTER_SECONDS = 1.0


class ModelCache:
    """Get-or-train and get-or-compute for one server's sessions, within a memory budget."""

    def __init__(
        self,
        datasets: DatasetStore,
        train: Callable = train_model,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        abandon_after: float = ABANDON_AFTER_SECONDS,
        speed: Speed | None = None,
    ):
        self._budget = MemoryBudget(budget_bytes)
        self._trainings = Trainings(datasets, train, speed, abandon_after, on_done=lambda job: self._after_training())
        self._results = Results(on_stored=self._keep_within_budget)
        self._evicting = threading.Lock()
        self.counts = self._trainings.counts

    # -- trainings -----------------------------------------------------------------------------------------

    def request(self, kind: str, config: TrainConfig) -> Job:
        """The job for this model: finished, under way, or newly queued. Never trains the same model twice at once."""
        return self._trainings.request(kind, config)

    def adopt(self, kind: str, config: TrainConfig, result, derived: dict | None = None) -> Job:
        """A model trained elsewhere (a stored file) and its measurements, served as if trained here."""
        job = self._trainings.adopt(kind, config, result)
        self._results.store(job, derived or {})
        self._after_training()
        return job

    def find(self, kind: str, config: TrainConfig) -> Job | None:
        """The job for this model if it is done or under way; never starts a training."""
        return self._trainings.find(kind, config)

    def jobs(self) -> list[Job]:
        return self._trainings.jobs()

    def estimate_seconds(self, kind: str, config: TrainConfig) -> float:
        """Seconds this training takes alone on this server: 0 if it is trained, what is left if it is under way."""
        job = self._trainings.find(kind, config)
        if job is not None:
            return job.remaining_seconds
        return self._trainings.estimate_seconds(kind, config)

    def ahead(self) -> list[Work]:
        """The trainings and computations queued or under way right now, the fewest seconds left first."""
        trainings = [Work.training(job) for job in self._trainings.jobs() if not job.finished]
        computations = [Work.computation(*under_way) for under_way in self._results.under_way()]
        return sorted(trainings + computations, key=lambda work: work.remaining_seconds)

    # -- what is computed from a finished model ------------------------------------------------------------

    def derived(self, job: Job, name: Any, compute: Callable[[Any], Any], uses_cpu: bool = True) -> Any:
        return self._results.derived(job, name, _release_after_if_long(compute), uses_cpu)

    def prepare(self, job: Job, name: Any, compute: Callable[[Any], Any], ahead: bool = False) -> None:
        self._results.prepare(job, name, _release_after_if_long(compute), ahead)

    def peek(self, job: Job, name: Any) -> Any:
        return self._results.peek(job, name)

    def progress(self, job: Job, name: Any) -> float | None:
        return self._results.progress(job, name)

    def stepper(self, job: Job, name: Any) -> Callable[[float], None]:
        return self._results.stepper(job, name)

    # -- memory ----------------------------------------------------------------------------------------------

    @property
    def budget_bytes(self) -> int:
        return self._budget.limit_bytes

    @budget_bytes.setter
    def budget_bytes(self, value: int) -> None:
        self._budget.limit_bytes = value

    def memory_bytes(self) -> int:
        """What the remembered models and their computed values take."""
        return sum(self._bytes_of(job) for job in self._trainings.jobs() if job.state == "done")

    def _bytes_of(self, job: Job) -> int:
        return size_in_bytes(job.result) + self._results.bytes_of(job)

    def _keep_within_budget(self) -> None:
        with self._evicting:  # one round at a time, so two rounds never drop the same models twice
            done = [job for job in self._trainings.jobs() if job.state == "done"]
            evicted = self._budget.to_evict([(job, self._bytes_of(job)) for job in done])
            for job in evicted:
                self._trainings.evict(job)
        if evicted:
            self._budget.log_evicted([f"{job.kind} {job.config}" for job in evicted], self.memory_bytes())

    def _after_training(self) -> None:
        self._keep_within_budget()
        release_freed_memory()  # what the training used goes back to the system


def _release_after_if_long(compute: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """compute, then what it used goes back to the system if its thread spent RELEASE_AFTER_SECONDS on it (CPU
    time: the seconds it gave way to other work between batches do not make a slider step long)."""

    def run(model: Any) -> Any:
        start = time.thread_time()
        value = compute(model)
        if time.thread_time() - start >= RELEASE_AFTER_SECONDS:
            release_freed_memory()
        return value

    return run
