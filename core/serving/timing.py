"""How long a page's script (or a fragment of it) ran, logged for the benchmark when CONVLAB_TIMINGS=1."""

import logging
import os
import time
from contextlib import contextmanager

log = logging.getLogger("convlab.timing")
if os.environ.get("CONVLAB_TIMINGS") == "1":
    log.setLevel(logging.DEBUG)


@contextmanager
def timed(name: str):
    """Logs 'script <name> <milliseconds> ms' at DEBUG level when the block ends, even if it is stopped early."""
    started = time.perf_counter()
    try:
        yield
    finally:
        log.debug("script %s %.2f ms", name, 1000 * (time.perf_counter() - started))
