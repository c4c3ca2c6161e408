"""Train the default models, and measure what the lab shows first, in the background as soon as a server has its first visitor."""

import logging
import threading
import time

from core.serving.workers import STOPPING, background_thread

log = logging.getLogger("convlab")

_started = threading.Event()


def warm_up_in_background() -> None:
    """Once per process; returns at once (torch is imported in the background thread, not here)."""
    if _started.is_set():
        return
    _started.set()
    background_thread(_warm_up, "convlab-warm-up")


def _warm_up() -> None:
    from core.serving.budget import freeze_after_imports

    started = time.monotonic()
    frozen = freeze_after_imports()  # imports the pages' modules here, ahead of the visitor who opens them
    log.info("imports done in %.1f s; %d objects left out of garbage collection", time.monotonic() - started, frozen)
    from core.lab.config import TrainConfig
    from core.lab.questions import shared_lab

    lab = shared_lab()
    config = TrainConfig()
    dataset, _ = lab.dataset(config.dataset)
    jobs = lab.train(config)
    for _ in lab.training_updates(jobs):  # following the trainings keeps them wanted
        pass
    try:
        for job in jobs.values():
            if job.state == "done":
                lab.sweep(job, dataset, "zero")
                lab.consistency(job, dataset, "zero")  # the last figure of the default table (zero fill)
    except Exception as error:  # a page measures the sweep itself, and shows what went wrong
        if STOPPING.is_set():
            return  # the process is exiting: nothing to report
        log.warning("warm-up stopped before the sweeps: %s: %s", type(error).__name__, error)
        return
    log.info("warm-up finished in %.1f s: the default models and their sweeps are ready", time.monotonic() - started)
