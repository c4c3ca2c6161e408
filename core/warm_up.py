"""Train the default models in the background as soon as a server has its first visitor, on any page."""

import threading
import time

_started = threading.Event()


def warm_up_in_background() -> None:
    """Once per process; returns at once (torch is imported in the background thread, not here)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm_up, name="convlab-warm-up", daemon=True).start()


def _warm_up() -> None:
    from core.lab import shared_lab
    from core.models import TrainConfig

    lab = shared_lab()
    config = TrainConfig()
    dataset, _ = lab.dataset(config.dataset)
    jobs = lab.train(config)
    while not all(job.finished for job in jobs.values()):
        for job in jobs.values():
            job.seen()  # the warm-up is waiting for these, so they are not abandoned
        time.sleep(0.1)
    for job in jobs.values():
        if job.state == "done":
            lab.prepare_sweep(job, dataset, "zero")
