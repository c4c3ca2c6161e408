"""Trained models shared by every session: one training per configuration, the others wait for it.

A training runs in one background worker, so a student who clicks away does not stop it half-way
for the others; a training nobody has asked about for a few seconds is cancelled instead, and a
cancelled or failed training never leaves a model in the cache. Finished models, and what is
computed from them (sweeps, grids), stay within a memory budget, least recently used out first.
"""

import contextlib
import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from core.lab.data import DataError, Dataset, load_dataset
from core.lab.models import TrainConfig
from core.lab.training import TrainingInterrupted, train_model
from core.serving.cpu import CPU, cpu_turn, yield_cpu
from core.serving.timing import timed

log = logging.getLogger("convlab")

DEFAULT_BUDGET_BYTES = 256 * 2**20
ABANDON_AFTER_SECONDS = 8.0

# Which TrainConfig fields each model ignores: changing them must not retrain it.
IGNORED_FIELDS = {"mlp": "cnn_", "cnn": "mlp_"}


def model_key(kind: str, config: TrainConfig) -> tuple:
    """The configuration as far as this kind of model is concerned (hashable)."""
    defaults = TrainConfig()
    ignored = {
        f.name: getattr(defaults, f.name) for f in dataclasses.fields(config) if f.name.startswith(IGNORED_FIELDS[kind])
    }
    return (kind, dataclasses.astuple(dataclasses.replace(config, **ignored)))


def size_in_bytes(value: Any) -> int:
    """Roughly what a cached value holds in memory: tensors, arrays, and what contains them."""
    if isinstance(value, torch.nn.Module):
        return sum(t.numel() * t.element_size() for t in list(value.parameters()) + list(value.buffers()))
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(size_in_bytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(size_in_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(size_in_bytes(v) for v in value)
    return 64


@dataclass
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
    last_seen: float = field(default_factory=time.monotonic)
    derived: dict = field(default_factory=dict)
    derived_locks: dict = field(default_factory=dict)
    derived_progress: dict = field(default_factory=dict)  # name → fraction done, while it is computed
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def seen(self) -> None:
        """A session is still waiting for (or using) this model."""
        self.last_seen = time.monotonic()


class DatasetStore:
    """Each dataset loaded once per process; a failure is remembered briefly so a class does not hammer a download."""

    def __init__(self, cache_dir, loader: Callable = load_dataset, retry_after: float = 60.0):
        self._cache_dir = cache_dir
        self._loader = loader
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._datasets: dict[str, Dataset] = {}
        self._failures: dict[str, tuple[float, str]] = {}

    def get(self, name: str) -> Dataset:
        with self._lock:
            if name in self._datasets:
                return self._datasets[name]
            failed = self._failures.get(name)
            if failed and time.monotonic() - failed[0] < self._retry_after:
                raise DataError(failed[1])
            try:
                dataset = self._loader(name, self._cache_dir)
            except DataError as error:
                self._failures[name] = (time.monotonic(), str(error))
                raise
            self._datasets[name] = dataset
            return dataset


class ModelCache:
    """Get-or-train, shared by all sessions of one server."""

    def __init__(
        self,
        datasets: DatasetStore,
        train: Callable = train_model,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        abandon_after: float = ABANDON_AFTER_SECONDS,
    ):
        self._datasets = datasets
        self._train = train
        self.budget_bytes = budget_bytes
        self._abandon_after = abandon_after
        self._lock = threading.Lock()
        self._jobs: OrderedDict[tuple, Job] = OrderedDict()  # least recently used first
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convlab-training")
        self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convlab-derived")
        self.counts = {"trainings_started": 0, "trainings_done": 0, "cancelled": 0, "failed": 0, "evicted": 0}

    def request(self, kind: str, config: TrainConfig) -> Job:
        """The job for this model: finished, under way, or newly queued. Never trains the same model twice at once."""
        key = model_key(kind, config)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state in ("failed", "cancelled"):
                del self._jobs[key]
                job = None
            if job is None:
                job = Job(kind, config, key)
                self._jobs[key] = job
                self.counts["trainings_started"] += 1
                log.info("training started: %s %s", kind, config)
                self._worker.submit(self._run, job)
            self._jobs.move_to_end(key)
            job.seen()
            return job

    def _run(self, job: Job) -> None:
        def should_stop() -> bool:
            yield_cpu()  # between batches, sessions waiting for an evaluation go first
            return time.monotonic() - job.last_seen > self._abandon_after

        def progress(fraction: float, loss: float) -> None:
            job.fraction, job.loss = fraction, loss

        if time.monotonic() - job.last_seen > self._abandon_after:
            return self._finish(job, "cancelled", "Nobody was waiting for this training any more, so it did not start.")
        job.state = "running"
        try:
            dataset = self._datasets.get(job.config.dataset)
            with cpu_turn():
                result = self._train(job.kind, job.config, dataset, progress=progress, should_stop=should_stop)
        except TrainingInterrupted:
            self._finish(job, "cancelled", "The training stopped half-way because everyone waiting for it left or changed a setting.")
        except DataError as error:
            self._finish(job, "failed", str(error))
        except Exception as error:  # a bug or an exhausted machine must not kill the worker
            self._finish(job, "failed", f"Training failed: {type(error).__name__}: {error}")
        else:
            job.result = result
            job.fraction = 1.0
            self._finish(job, "done", "")
            self._evict()

    def _finish(self, job: Job, state: str, message: str) -> None:
        with self._lock:
            job.state, job.message = state, message
            if state != "done":
                job.result = None  # never a half-trained model
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
                self.counts["cancelled" if state == "cancelled" else "failed"] += 1
            else:
                self.counts["trainings_done"] += 1

    def derived(self, job: Job, name: Any, compute: Callable[[Any], Any], uses_cpu: bool = True) -> Any:
        """Something computed from a finished model (a sweep, a grid), once per model and name.

        uses_cpu=False is for quick work that is not torch arithmetic (serialising the weights):
        it need not queue behind a sweep for the CPU.
        """
        job.seen()
        with job.lock:
            if name in job.derived:
                return job.derived[name]
            compute_lock = job.derived_locks.setdefault(name, threading.Lock())
        with compute_lock:  # two sessions asking at once: one computes, the other waits for it
            if name not in job.derived:
                try:
                    with timed(f"derived {name} of the {job.kind}"), cpu_turn() if uses_cpu else contextlib.nullcontext():
                        value = compute(job.result.model)
                finally:
                    job.derived_progress.pop(name, None)
                with job.lock:
                    job.derived[name] = value
        self._evict()
        return job.derived[name]

    def stepper(self, job: Job, name: Any) -> Callable[[float], None]:
        """The step callback for a long derived computation: records how far it is, and between
        batches lets sessions waiting for the CPU go first, so a sweep never holds up a slider."""

        def step(fraction: float) -> None:
            job.derived_progress[name] = fraction
            yield_cpu()

        return step

    def progress(self, job: Job, name: Any) -> float | None:
        """How far a derived value under way is (0 to 1), or None when it is not being computed."""
        return job.derived_progress.get(name)

    def prepare(self, job: Job, name: Any, compute: Callable[[Any], Any]) -> None:
        """Start computing `derived(job, name, compute)` in the background, unless it is done or under way."""
        with job.lock:
            if name in job.derived or name in job.derived_progress:
                return
            job.derived_progress[name] = 0.0
        self._preparer.submit(self._prepare, job, name, compute)

    def _prepare(self, job: Job, name: Any, compute: Callable[[Any], Any]) -> None:
        try:
            self.derived(job, name, compute)
        except Exception:  # the page computes it again in the foreground and shows the message
            pass
        finally:
            job.derived_progress.pop(name, None)

    def peek(self, job: Job, name: Any) -> Any:
        """A derived value if it is ready, else None (never computes)."""
        return job.derived.get(name)

    def memory_bytes(self) -> int:
        with self._lock:
            jobs = list(self._jobs.values())
        return sum(size_in_bytes(job.result) + size_in_bytes(job.derived) for job in jobs if job.state == "done")

    def _evict(self) -> None:
        """Drop least recently used finished models until the cache fits its budget; one log line per model dropped,
        with the cache's size once the round is over (what the budget promises)."""
        evicted = []
        while self.memory_bytes() > self.budget_bytes:
            with self._lock:
                done = [key for key, job in self._jobs.items() if job.state == "done"]
                if len(done) <= 1:
                    break  # the model in use stays, whatever its size
                evicted.append(self._jobs.pop(done[0]))
                self.counts["evicted"] += 1
        for job in evicted:
            log.info(
                "evicted from the cache: %s %s (cache now %.1f MB of %.1f MB)",
                job.kind, job.config, self.memory_bytes() / 2**20, self.budget_bytes / 2**20,
            )

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cpu_waiting(self) -> int:
        return CPU.waiting
