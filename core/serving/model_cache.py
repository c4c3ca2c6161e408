"""Trained models shared by every session: the trainings, what is computed from them and the memory budget, wired together."""

import threading
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
        self._trainings = Trainings(
            datasets, train, speed, abandon_after, on_done=lambda job: self._keep_within_budget()
        )
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
        self._keep_within_budget()
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
        return self._results.derived(job, name, compute, uses_cpu)

    def prepare(self, job: Job, name: Any, compute: Callable[[Any], Any], ahead: bool = False) -> None:
        self._results.prepare(job, name, compute, ahead)

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
                # The size right after this round, so inside it: read outside, it also counted values other threads
                # stored meanwhile, which their own rounds then keep within the budget (the load test saw 8.7 MB of 8).
                self._budget.log_evicted([f"{job.kind} {job.config}" for job in evicted], self.memory_bytes())
        # What the finished training or measurement used goes back to the system, after small values too: giving it
        # back only after long computations raised a typical session's peak from 657 to 723 MB (bench/memory.py,
        # CPU-only torch; the comparison's many short measurements), past the 700 MB a small container has.
        release_freed_memory()
