"""Keeping the models a server remembers within a memory budget: least recently used out first."""

import ctypes
import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

log = logging.getLogger("convlab")

DEFAULT_BUDGET_BYTES = 256 * 2**20  # the most the cache takes, however much memory there is
SMALLEST_BUDGET_BYTES = 32 * 2**20  # the default CNN with its sweeps and maps fits several times over
# A training and a sweep in flight, on top of what the process holds: training the default CNN raised a fresh
# CPU-torch process's peak by 110 MB and a 10,000-image sweep by 114 MB more (bench/memory.py).
WORK_MARGIN_BYTES = 256 * 2**20
BUDGET_VARIABLE = "CONVLAB_CACHE_BUDGET_MB"
# A cgroup "limit" this large is no limit (v1 writes 2**63 rounded down to a page).
NO_LIMIT_BYTES = 2**60
CGROUP_LIMIT_FILES = ("sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes")  # v2, then v1


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


class MemoryBudget:
    """How many bytes the remembered models may take, and which to forget when they take more."""

    def __init__(self, limit_bytes: int = DEFAULT_BUDGET_BYTES):
        self.limit_bytes = limit_bytes

    def to_evict(self, sizes: list[tuple[Any, int]]) -> list[Any]:
        """From (item, bytes) pairs, least recently used first: the items to drop so the rest fit.

        The most recently used item always stays, whatever its size: someone is looking at it.
        """
        total = sum(size for _, size in sizes)
        evicted = []
        for item, size in sizes[:-1]:
            if total <= self.limit_bytes:
                break
            evicted.append(item)
            total -= size
        return evicted

    def log_evicted(self, descriptions: list[str], now_bytes: int) -> None:
        """One line per model dropped, each with the size once the round is over (what the budget promises)."""
        for description in descriptions:
            log.info(
                "evicted from the cache: %s (cache now %.1f MB of %.1f MB)",
                description,
                now_bytes / 2**20,
                self.limit_bytes / 2**20,
            )


def release_freed_memory() -> None:
    """Give the heap's freed pages back to the system (glibc's malloc_trim; nothing where there is no glibc).

    keep_freed_memory (core/lab/training.py) makes glibc keep freed blocks for speed, so the memory a finished
    measurement used stays resident until this is called: after the comparison's measurements, 350 MB of
    a CPU-torch server's 900 MB (bench/memory.py).
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def adaptive_budget_bytes(
    environ: Mapping[str, str] = os.environ, root: Path = Path("/"), rss_bytes: int | None = None
) -> int:
    """The cache's budget from the memory this app has: CONVLAB_CACHE_BUDGET_MB when set, else what is left.

    What is left: the cgroup's memory limit minus what this process holds (else the machine's MemAvailable,
    which already counts it), minus room for a training and a sweep in flight, kept within
    [SMALLEST_BUDGET_BYTES, DEFAULT_BUDGET_BYTES]. `root` stands for "/" (tests give a folder with their own
    sys/ and proc/); `rss_bytes` for this process's resident memory. A file that cannot be read or parsed
    counts as absent.
    """
    chosen = environ.get(BUDGET_VARIABLE, "").strip()
    if chosen:
        try:
            megabytes = float(chosen)
            if megabytes > 0 and megabytes != float("inf"):
                return int(megabytes * 2**20)
        except ValueError:
            pass
        log.warning(
            "%s=%r is not a positive number of MB; the budget follows the memory instead", BUDGET_VARIABLE, chosen
        )
    root = Path(root)
    meminfo = _meminfo_bytes(_read(root / "proc/meminfo"))
    if rss_bytes is None:
        rss_bytes = _meminfo_bytes(_read(root / "proc/self/status")).get("VmRSS", 0)
    limit = cgroup_limit_bytes(root)
    total = meminfo.get("MemTotal")
    if limit is not None and (total is None or limit < total):
        room = limit - rss_bytes
    elif "MemAvailable" in meminfo:
        room = meminfo["MemAvailable"]
    elif total is not None:
        room = total - rss_bytes
    else:
        return DEFAULT_BUDGET_BYTES  # nothing known about the memory: the budget as it always was
    return max(SMALLEST_BUDGET_BYTES, min(DEFAULT_BUDGET_BYTES, room - WORK_MARGIN_BYTES))


def cgroup_limit_bytes(root: Path = Path("/")) -> int | None:
    """The memory limit of this process's cgroup (v2, else v1) in bytes; None for "max", huge or unreadable."""
    for name in CGROUP_LIMIT_FILES:
        text = _read(Path(root) / name).strip()
        if text.isdigit() and 0 < int(text) < NO_LIMIT_BYTES:
            return int(text)
        if text:  # "max", a huge number, or garbage: this file says there is no limit we can use
            return None
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except (OSError, ValueError):
        return ""


def _meminfo_bytes(text: str) -> dict[str, int]:
    """The "Name:  123 kB" lines of /proc/meminfo or /proc/PID/status, in bytes."""
    return {name: int(kb) * 1024 for name, kb in re.findall(r"^(\w+):\s+(\d+) kB$", text, flags=re.MULTILINE)}
