"""One queue for the CPU: every heavy torch call takes its turn, so concurrent sessions never oversubscribe the cores."""

import os
import threading
from collections import deque
from contextlib import contextmanager

import torch


def cpu_count() -> int:
    """Cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads() -> int:
    """Give torch one thread per core: with the queue below, the cores are never asked for more."""
    threads = cpu_count()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


class FairLock:
    """A first-come, first-served lock: a training that yields between batches really lets others in."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._queue: deque[object] = deque()
        self._held = False

    def acquire(self) -> None:
        ticket = object()
        with self._condition:
            self._queue.append(ticket)
            while self._held or self._queue[0] is not ticket:
                self._condition.wait()
            self._queue.popleft()
            self._held = True

    def release(self) -> None:
        with self._condition:
            self._held = False
            self._condition.notify_all()

    @property
    def waiting(self) -> int:
        with self._condition:
            return len(self._queue)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


CPU = FairLock()


@contextmanager
def cpu_turn(threads: int | None = None):
    """Hold the CPU for one piece of torch work (an evaluation, a batch of training).

    threads=1 suits work on a single image: waking a second thread costs more than the work, and
    much more when another process has the other core. Everyone holds the CPU in turn, so the
    thread count set here is never changed under someone else's feet.
    """
    all_cores = configure_threads()
    with CPU:
        if threads is not None and threads != all_cores:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch.get_num_threads() != all_cores:
                torch.set_num_threads(all_cores)


def yield_cpu() -> None:
    """Called by a long job that holds the CPU: let whoever is waiting go first, then carry on."""
    if CPU.waiting:
        CPU.release()
        CPU.acquire()
