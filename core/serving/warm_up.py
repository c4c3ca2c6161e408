"""Import what the pages use, then load (or train) the default models and what the lab shows first, in the background from the server's start."""

import gc
import importlib
import logging
import threading
import time

from core.serving.workers import STOPPING, background_thread

log = logging.getLogger("convlab")

_started = threading.Event()


# What the pages import, made before the collector is told to skip it: page 1's modules first (Altair and pandas,
# about 0.7 s), so that a first visitor there does not wait behind torch (about 1.2 s), then the lab's.
PAGE_IMPORTS = (
    "core.exercise.writing.worked_solution",
    "core.exercise.views.charts",
    "core.exercise.views.gradient_check",
    "core.exercise.views.matrix_view",
    "core.lab.questions",
    "core.lab.charts",
    "core.lab.comparison_chart",
)


def freeze_after_imports(modules: tuple[str, ...] = PAGE_IMPORTS) -> int:
    """Import `modules`, then leave every object that exists out of later garbage collections; answers how many.

    Streamlit collects all generations after each script run, fragments included (runner.postScriptGC): with
    torch, pandas and altair imported that walks about 270,000 objects, 115 ms of every redraw on this machine
    (py-spy on the server during page-1 edits: 175 ms a run in ScriptRunner._on_script_finished). Modules,
    classes and functions live as long as the process, so the collector has nothing to find among them. Frozen
    objects are still freed when nothing refers to them; only a reference cycle among them would stay.
    """
    for name in modules:
        importlib.import_module(name)
    gc.freeze()
    return gc.get_freeze_count()


def warm_up_in_background() -> None:
    """Once per process; returns at once (torch is imported in the background thread, not here)."""
    if _started.is_set():
        return
    _started.set()
    background_thread(_warm_up, "convlab-warm-up")


def _warm_up() -> None:
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
