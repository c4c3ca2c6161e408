"""The memory budget: what a cached value takes, and the least recently used models out first."""

import dataclasses
import logging
import threading
import time

import numpy as np
import torch
from fake_training import FakeDatasets, FakeTrainer, wait

from core.lab.config import TrainConfig
from core.serving.budget import MemoryBudget, size_in_bytes
from core.serving.model_cache import ModelCache

CONFIG = TrainConfig()


def test_a_value_takes_the_bytes_of_its_tensors_and_arrays_wherever_they_are_held():
    model = torch.nn.Linear(10, 1)  # 11 float32 numbers
    assert size_in_bytes(model) == 44
    assert size_in_bytes({"a": np.zeros(100, dtype=np.float64), "b": [torch.zeros(5), b"123"]}) == 800 + 20 + 3


def test_the_least_recently_used_go_until_the_rest_fits():
    budget = MemoryBudget(limit_bytes=250)
    assert budget.to_evict([("oldest", 100), ("older", 100), ("newer", 100), ("newest", 100)]) == ["oldest", "older"]
    assert budget.to_evict([("a", 100), ("b", 100)]) == []


def test_the_model_used_last_stays_whatever_its_size():
    assert MemoryBudget(limit_bytes=10).to_evict([("old", 5), ("in use", 1_000)]) == ["old"]


def test_the_cache_stays_within_its_memory_budget_by_evicting_the_least_recently_used(caplog):
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01, size=1000))
    wait(cache.request("mlp", CONFIG))
    one_model = cache.memory_bytes()  # 1,001 float32 parameters and the result's bookkeeping
    cache.budget_bytes = int(2.5 * one_model)
    with caplog.at_level(logging.INFO, logger="convlab"):
        jobs = [wait(cache.request("mlp", dataclasses.replace(CONFIG, seed=seed))) for seed in range(1, 5)]
    assert all(job.state == "done" for job in jobs)
    assert cache.memory_bytes() <= cache.budget_bytes and cache.counts["evicted"] == 3
    assert {job.config.seed for job in cache.jobs()} == {3, 4}
    evictions = [record.getMessage() for record in caplog.records if "evicted from the cache" in record.getMessage()]
    assert len(evictions) == 3 and all(f"cache now {2 * one_model / 2**20:.1f} MB" in line for line in evictions)


def test_computed_results_count_towards_the_budget_and_a_model_in_use_is_kept_with_them():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01, size=10))
    old, new = (wait(cache.request("mlp", dataclasses.replace(CONFIG, seed=seed))) for seed in (1, 2))
    cache.budget_bytes = 10_000
    cache.derived(new, "grid", lambda model: np.zeros(2_000))  # 16,000 bytes: over the budget on its own
    assert cache.jobs() == [new] and cache.counts["evicted"] == 1
    assert cache.memory_bytes() == size_in_bytes(new.result) + 16_000


def test_memory_is_counted_under_each_models_lock_so_results_being_stored_are_never_read_half_way():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01))
    job = wait(cache.request("mlp", CONFIG))
    shelf_lock = cache._results._shelf(job).lock  # what a result being stored holds
    counted = []
    with shelf_lock:
        counter = threading.Thread(target=lambda: counted.append(cache.memory_bytes()))
        counter.start()
        time.sleep(0.1)
        assert counted == []  # waiting for the lock, not iterating values that may change
    counter.join(5)
    assert counted == [size_in_bytes(job.result)]
