"""What is computed from each trained model (sweeps, grids, the weights file): once per model, on request or ahead of time."""

import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.serving.budget import size_in_bytes
from core.serving.cpu import Claim, cpu_turn, yield_cpu
from core.serving.jobs import Job
from core.serving.speed import pace_remaining
from core.serving.timing import timed
from core.serving.workers import STOPPING, Workers, WorkStopped


@dataclass
class Shelf:
    """One model's computed values, and the computations under way for it."""

    values: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)  # name → fraction done, while it is queued or computed
    claims: dict = field(default_factory=dict)  # name → its place in the CPU queue, while it is computed
    compute_locks: dict = field(default_factory=dict)  # name → held by the one session computing it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Results:
    """Remembers what is computed from each finished model, as long as anyone can still ask for it."""

    def __init__(self, on_stored: Callable[[], None] = lambda: None):
        self._on_stored = on_stored
        self._lock = threading.Lock()
        self._shelves: weakref.WeakKeyDictionary[Job, Shelf] = weakref.WeakKeyDictionary()
        # Two at a time, in the order asked for: the CPU queue gives each a core beside other work (or both
        # cores alone), and shorter work overtakes them between batches anyway.
        self._preparer = Workers(2, "convlab-derived")
        # Guesses at what comes next (the next slider step) in a thread of their own, the newest guess first: they
        # never hold up what was asked for, and a learner who moved on makes the older guesses wait.
        self._guesser = Workers(1, "convlab-ahead")

    def derived(
        self, job: Job, name: Any, compute: Callable[[Any], Any], uses_cpu: bool = True, ahead: bool = False
    ) -> Any:
        """Something computed from a finished model (a sweep, a grid), once per model and name.

        uses_cpu=False is for quick work that is not torch arithmetic (serialising the weights):
        it need not queue behind a sweep for the CPU.
        """
        job.seen()
        shelf = self._shelf(job)
        with shelf.lock:
            if name in shelf.values:
                return shelf.values[name]
            compute_lock = shelf.compute_locks.setdefault(name, threading.Lock())
            guess = shelf.claims.get(name)
            if not ahead and guess is not None:
                guess.ahead = False  # a guess under way is now asked for: it takes its place among the rest
        with compute_lock:  # two sessions asking at once: one computes, the other waits for it
            with shelf.lock:
                if name in shelf.values:
                    return shelf.values[name]
            value = self._compute(job, shelf, name, compute, uses_cpu, ahead)
            with shelf.lock:
                shelf.values[name] = value
        self._on_stored()
        return value

    def prepare(self, job: Job, name: Any, compute: Callable[[Any], Any], ahead: bool = False) -> None:
        """Start computing `derived(job, name, compute)` in the background, unless it is done or under way.

        ahead=True is for a guess at what will be asked next (the next slider step): it takes the CPU only when
        nothing else waits for it."""
        shelf = self._shelf(job)
        with shelf.lock:
            if name in shelf.values or name in shelf.progress:
                return
            shelf.progress[name] = 0.0
        task = lambda: self._prepare(job, shelf, name, compute, ahead)  # noqa: E731
        if ahead:
            self._guesser.submit(task, key=-time.monotonic())
        else:
            self._preparer.submit(task)

    def store(self, job: Job, values: dict) -> None:
        """Values computed elsewhere (a stored file's measurements), kept as if computed here; the caller keeps the
        budget (checking it after each of a stored model's hundred values took a second at start-up)."""
        shelf = self._shelf(job)
        with shelf.lock:
            shelf.values.update(values)

    def peek(self, job: Job, name: Any) -> Any:
        """A derived value if it is ready, else None (never computes)."""
        shelf = self._shelf(job)
        with shelf.lock:
            return shelf.values.get(name)

    def progress(self, job: Job, name: Any) -> float | None:
        """How far a derived value under way is (0 to 1), or None when it is not being computed."""
        shelf = self._shelf(job)
        with shelf.lock:
            return shelf.progress.get(name)

    def stepper(self, job: Job, name: Any) -> Callable[[float], None]:
        """The step callback for a long derived computation: records how far it is, and between
        batches lets better-placed work waiting for the CPU go first, so a sweep never holds up a slider."""
        shelf = self._shelf(job)

        def step(fraction: float) -> None:
            if STOPPING.is_set():
                raise WorkStopped(f"{name} stopped: the server is shutting down")
            with shelf.lock:
                shelf.progress[name] = fraction
                claim = shelf.claims.get(name)
            if claim is not None:
                yield_cpu(claim)

        return step

    def bytes_of(self, job: Job) -> int:
        """Memory held by a model's computed values (read under the model's lock: they may be added meanwhile)."""
        with self._lock:
            shelf = self._shelves.get(job)
        if shelf is None:
            return 0
        with shelf.lock:
            return sum(size_in_bytes(value) for value in shelf.values.values())

    def under_way(self) -> list[tuple[Job, Any, float]]:
        """(model, name, estimated seconds left) of each computation queued or running."""
        with self._lock:
            shelves = list(self._shelves.items())
        work = []
        for job, shelf in shelves:
            with shelf.lock:
                names = dict.fromkeys([*shelf.progress, *shelf.claims])
                claims = dict(shelf.claims)
            for name in names:
                claim = claims.get(name)
                work.append((job, name, claim.remaining_seconds() if claim else pace_remaining(0.0, None)))
        return work

    def _shelf(self, job: Job) -> Shelf:
        with self._lock:
            shelf = self._shelves.get(job)
            if shelf is None:
                shelf = self._shelves[job] = Shelf()
            return shelf

    def _compute(
        self, job: Job, shelf: Shelf, name: Any, compute: Callable[[Any], Any], uses_cpu: bool, ahead: bool
    ) -> Any:
        claim = Claim(remaining=lambda held: pace_remaining(held, shelf.progress.get(name)), shares=True, ahead=ahead)
        with shelf.lock:
            shelf.claims[name] = claim
        try:
            with (
                timed(f"derived {name} of the {job.kind}"),
                cpu_turn(claim=claim) if uses_cpu else contextlib.nullcontext(),
            ):
                return compute(job.result.model)
        finally:
            with shelf.lock:
                shelf.claims.pop(name, None)
                shelf.progress.pop(name, None)

    def _prepare(self, job: Job, shelf: Shelf, name: Any, compute: Callable[[Any], Any], ahead: bool) -> None:
        try:
            self.derived(job, name, compute, ahead=ahead)
        except Exception:  # the page computes it again in the foreground and shows the message
            pass
        finally:
            with shelf.lock:
                shelf.progress.pop(name, None)
