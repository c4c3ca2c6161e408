"""One queue for the CPU: torch work takes turns, and the turn goes to the work that most deserves it.

Interactive work on one image (a page redraw) goes first; then the work with the fewest estimated
seconds left (shortest-remaining-first), less half a second for every second it has waited, so a
long job is never starved. A long job gives way between batches only when better-placed work waits.

The queue lends cores, not the whole CPU. Work that shares (a training) runs on every core while it is
alone and on one core beside other work while anything waits: two trainings of the lab's small models
side by side, one torch thread each, do a third more per second than one after the other on two
threads (bench/run.py's comparison figures). A page redraw takes one core; other work, all of them.
"""

import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

# Each second of waiting takes half a second off a job's remaining time: half, not all, so that of
# two equal jobs the one running keeps the CPU (its remaining time falls twice as fast), yet a long
# job waits at most about twice its own remaining time for shorter ones.
AGING = 0.5


def cpu_count() -> int:
    """Cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads(threads: int | None = None) -> None:
    """Give torch `threads` threads (default one per core); only the CPU's holders should call it.

    The count is the process's, not the thread's (OpenMP's setting outside a parallel region is global):
    the queue gives several holders one core each, so they all ask for one thread.
    """
    threads = threads or cpu_count()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@dataclass(eq=False)
class Claim:
    """One piece of work's place in the CPU queue: how urgent it is, and how long it has waited and held the CPU."""

    remaining: Callable[[float], float] = lambda held_seconds: 0.0  # estimated seconds left, given the seconds held
    interactive: bool = False  # work on one image for a page being drawn: before everything else
    ahead: bool = False  # work done before anyone asks for it (the next slider step's numbers): after everything else
    threads: int | None = None  # torch threads while holding the CPU; None = one per core
    shares: bool = False  # all cores while alone, one core beside other work (a training, between its batches)
    cores: int = 0  # cores it holds now, and so its torch threads
    waited: float = 0.0  # seconds spent waiting for the CPU, over this work's whole life
    held: float = 0.0  # seconds spent holding it, up to its last turn
    _asked_at: float = 0.0
    _granted_at: float | None = None
    _granted: threading.Event = field(default_factory=threading.Event, repr=False)

    def held_seconds(self) -> float:
        """CPU seconds so far, the turn under way included: this work's own time, whoever else took turns."""
        if self._granted_at is None:
            return self.held
        return self.held + time.monotonic() - self._granted_at

    def remaining_seconds(self) -> float:
        return self.remaining(self.held_seconds())


class CpuQueue:
    """The cores, lent to the best-placed waiting claims while they fit; given back, they go to the next best."""

    def __init__(self, aging: float = AGING, cores: int | None = None):
        self._aging = aging
        self._cores = cores or cpu_count()
        self._lock = threading.Lock()
        self._waiting: list[Claim] = []
        self._holders: list[Claim] = []

    def acquire(self, claim: Claim) -> None:
        with self._lock:
            claim._asked_at = time.monotonic()
            claim._granted.clear()
            self._waiting.append(claim)
            self._grant_what_fits()
        claim._granted.wait()
        configure_threads(claim.cores)  # set only once holding: the thread count is the holder's to choose

    def release(self, claim: Claim) -> None:
        with self._lock:
            claim.held += time.monotonic() - claim._granted_at
            claim._granted_at, claim.cores = None, 0
            self._holders.remove(claim)
            self._grant_what_fits()

    def give_way(self, claim: Claim) -> None:
        """Between batches, from the holder's own thread: work that shares keeps one core and lends the others
        while anything waits, and takes the free ones back while nothing does; then, if better-placed work still
        waits, the holder lets it go first and carries on after."""
        with self._lock:
            if claim not in self._holders:
                return
            best = min(self._waiting, key=self._rank, default=None)
            if claim.shares and best is not None and claim.cores > 1 and self._needs(best) == 1:
                claim.cores = 1  # the best-placed waiting work fits on the core this lends it
                self._grant_what_fits()
            elif claim.shares and not self._waiting and self._holders == [claim]:
                claim.cores = self._cores
            better_waits = any(self._rank(other) < self._rank(claim) for other in self._waiting)
        if better_waits:
            self.release(claim)
            self.acquire(claim)
        else:
            configure_threads(claim.cores)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _free(self) -> int:
        return self._cores - sum(holder.cores for holder in self._holders)

    def _needs(self, claim: Claim) -> int:
        """Cores a claim needs to start: one for a page redraw or work that shares, else its threads' worth."""
        if claim.interactive or claim.shares:
            return 1
        return min(claim.threads or self._cores, self._cores)

    def _grant_what_fits(self) -> None:
        """The best-placed waiting claims, in order, while the next one fits: nobody is overtaken for being big."""
        while self._waiting:
            best = min(self._waiting, key=self._rank)
            if self._needs(best) > self._free():
                return
            self._waiting.remove(best)
            # torch's thread count is one for the whole process: work that shares has every core only alone.
            alone = not self._waiting and not self._holders
            cores = self._cores if best.shares and alone else self._needs(best)
            self._grant(best, cores)

    def _grant(self, claim: Claim, cores: int) -> None:
        now = time.monotonic()
        claim.waited += now - claim._asked_at
        claim._granted_at, claim.cores = now, cores
        self._holders.append(claim)
        claim._granted.set()

    def _rank(self, claim: Claim) -> tuple[int, float]:
        """Lower goes first: interactive work, then the fewest seconds left less the aging credit, then work ahead."""
        waited = claim.waited
        if claim not in self._holders:
            waited += time.monotonic() - claim._asked_at
        tier = 0 if claim.interactive else 2 if claim.ahead else 1
        return (tier, claim.remaining_seconds() - self._aging * waited)


CPU = CpuQueue()


@contextmanager
def cpu_turn(threads: int | None = None, claim: Claim | None = None):
    """Hold the CPU for a piece of torch work; yields the claim, for yield_cpu between its batches.

    threads=1 marks interactive work on a single image: it goes first, and one thread suits it
    (waking a second costs more than the work, and much more when another process has the other
    core). Work given as a claim takes its place by its estimated remaining seconds.
    """
    claim = claim or Claim(interactive=threads == 1, threads=threads)
    CPU.acquire(claim)
    try:
        yield claim
    finally:
        CPU.release(claim)


def yield_cpu(claim: Claim) -> None:
    """Called between batches of long work holding the CPU: better-placed work waiting goes first, then it carries on."""
    CPU.give_way(claim)
