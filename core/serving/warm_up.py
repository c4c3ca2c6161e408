"""Train the default models, and measure what the lab shows first, in the background as soon as a server has its first visitor."""

import logging
import threading
import time

log = logging.getLogger("convlab")

_started = threading.Event()


def warm_up_in_background() -> None:
    """Once per process; returns at once (torch is imported in the background thread, not here)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm_up, name="convlab-warm-up", daemon=True).start()


def _warm_up() -> None:
    from core.lab.models import TrainConfig
    from core.lab.questions import shared_lab

    started = time.monotonic()
    lab = shared_lab()
    config = TrainConfig()
    dataset, _ = lab.dataset(config.dataset)
    jobs = lab.train(config)
    while not all(job.finished for job in jobs.values()):
        for job in jobs.values():
            job.seen()  # the warm-up is waiting for these, so they are not abandoned
        time.sleep(0.1)
    try:
        for job in jobs.values():
            if job.state == "done":
                lab.sweep(job, dataset, "zero")
                lab.consistency(job, dataset)  # the last figure of the default table
    except Exception as error:  # a page measures the sweep itself, and shows what went wrong
        log.warning("warm-up stopped before the sweeps: %s: %s", type(error).__name__, error)
        return
    log.info("warm-up finished in %.1f s: the default models and their sweeps are ready", time.monotonic() - started)
