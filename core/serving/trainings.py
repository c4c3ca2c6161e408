"""Trainings shared by every session: one per configuration, the others wait for it, shorter ones first.

A training takes the CPU a batch at a time (core.serving.cpu), so a short one asked for during a long
one overtakes it between batches. A training nobody has looked at for ABANDON_AFTER_SECONDS is
cancelled, and a cancelled or failed training never leaves a model behind.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core.lab.config import TrainConfig
from core.lab.data import DataError
from core.lab.training import TrainingInterrupted, train_model
from core.serving.cpu import Claim, cpu_turn, yield_cpu
from core.serving.jobs import Job, model_key
from core.serving.speed import Speed, training_remaining
from core.serving.workers import STOPPING, Workers

log = logging.getLogger("convlab")

ABANDON_AFTER_SECONDS = 8.0
# Trainings in progress at once, a bound that is rarely reached: a new training gets a thread of its
# own only to overtake the ones under way (it is shorter than each); otherwise it waits for a thread.
MAX_TRAININGS_AT_ONCE = 8
NOT_STARTED = "Nobody was waiting for this training any more, so it did not start."
STOPPED = "The training stopped half-way because everyone waiting for it left or changed a setting."
FINISHED = "training finished: %s %s in %.1f s of training, %.1f s after it was asked for"
CANCELLED = "training cancelled: %s %s at %.0f%%, nobody had looked at it for %.1f s"


class Trainings:
    """Get-or-train: one job per model configuration; the shortest goes first, overtaking longer ones between batches."""

    def __init__(
        self,
        datasets,
        train: Callable = train_model,
        speed: Speed | None = None,
        abandon_after: float = ABANDON_AFTER_SECONDS,
        at_once: int = MAX_TRAININGS_AT_ONCE,
        on_done: Callable[[Job], None] = lambda job: None,
    ):
        self._datasets, self._train, self._on_done = datasets, train, on_done
        self._speed = speed or Speed()
        self._abandon_after = abandon_after
        self._lock = threading.Lock()
        self._jobs: OrderedDict[tuple, Job] = OrderedDict()  # least recently used first
        self._workers = Workers(at_once, "convlab-training")
        self.counts = {
            "trainings_started": 0,
            "trainings_done": 0,
            "cancelled": 0,
            "failed": 0,
            "evicted": 0,
            "adopted": 0,
        }

    def request(self, kind: str, config: TrainConfig) -> Job:
        """The job for this model: finished, under way, or newly queued. Never trains the same model twice at once."""
        estimate = self.estimate_seconds(kind, config)
        with self._lock:
            job = self._find(kind, config)
            if job is None:
                job = Job(kind, config, model_key(kind, config), estimated_seconds=estimate)
                self._jobs[job.key] = job
                self.counts["trainings_started"] += 1
                log.info("training started: %s %s", kind, config)
                under_way = [other.remaining_seconds for other in self._jobs.values() if other.state == "running"]
                overtakes = all(estimate < remaining for remaining in under_way)
                self._workers.submit(lambda: self._run(job), key=estimate, new_thread=overtakes)
            return job

    def adopt(self, kind: str, config: TrainConfig, result) -> Job:
        """A model trained elsewhere (a stored file), served from now on as if this server had trained it."""
        with self._lock:
            job = Job(kind, config, model_key(kind, config), state="done", fraction=1.0, result=result)
            self._jobs[job.key] = job
            self.counts["adopted"] += 1
            return job

    def find(self, kind: str, config: TrainConfig) -> Job | None:
        """The job for this model if it is done or under way; never starts a training."""
        with self._lock:
            return self._find(kind, config)

    def estimate_seconds(self, kind: str, config: TrainConfig) -> float:
        """Seconds to train this model alone on this server (0 for settings that cannot train: they fail at once)."""
        try:
            return self._speed.training_seconds(kind, config.validated())
        except ValueError:
            return 0.0

    def jobs(self) -> list[Job]:
        """Every model done or under way, least recently used first."""
        with self._lock:
            return list(self._jobs.values())

    def evict(self, job: Job) -> None:
        """Forget a finished model (a session still holding the job may go on using it)."""
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
                self.counts["evicted"] += 1

    def _find(self, kind: str, config: TrainConfig) -> Job | None:
        job = self._jobs.get(model_key(kind, config))
        if job is None:
            return None
        self._jobs.move_to_end(job.key)
        job.seen()
        return job

    def _abandoned(self, job: Job) -> bool:
        return STOPPING.is_set() or time.monotonic() - job.last_seen > self._abandon_after

    def _run(self, job: Job) -> None:
        if self._abandoned(job):
            return self._finish(job, "cancelled", NOT_STARTED)
        claim = Claim(remaining=lambda held: training_remaining(job.estimated_seconds, held, job.fraction), shares=True)
        job.cpu, job.state = claim, "running"

        def should_stop() -> bool:
            yield_cpu(claim)  # between batches, shorter work of other sessions goes first
            return self._abandoned(job)

        def progress(fraction: float, loss: float) -> None:
            job.fraction, job.loss = fraction, loss

        try:
            dataset = self._datasets.get(job.config.dataset)
            with cpu_turn(claim=claim):
                result = self._train(job.kind, job.config, dataset, progress=progress, should_stop=should_stop)
        except TrainingInterrupted:
            # In the log, so that a restarted training can be told from one trained twice.
            log.info(CANCELLED, job.kind, job.config, 100 * job.fraction, time.monotonic() - job.last_seen)
            self._finish(job, "cancelled", STOPPED)
        except DataError as error:
            self._finish(job, "failed", str(error))
        except Exception as error:  # a bug or an exhausted machine must not kill the thread
            self._finish(job, "failed", f"Training failed: {type(error).__name__}: {error}")
        else:
            job.result, job.fraction = result, 1.0
            # The loop's own seconds: without the time it let others have the CPU, and without setting up
            # (the first optimiser in a process imports torch._dynamo, about a second).
            self._speed.measured(job.kind, job.config, result.seconds)
            # Logged before the job reads as done: whoever waits for it then finds the line in the log.
            log.info(FINISHED, job.kind, job.config, result.seconds, time.monotonic() - job.asked_at)
            self._finish(job, "done", "")
            self._on_done(job)

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
