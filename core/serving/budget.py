"""Keeping the models a server remembers within a memory budget: least recently used out first."""

import dataclasses
import logging
from typing import Any

import numpy as np
import torch

log = logging.getLogger("convlab")

DEFAULT_BUDGET_BYTES = 256 * 2**20


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
