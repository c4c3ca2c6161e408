"""The memory budget: what a cached value takes, and the least recently used models out first."""

import dataclasses
import logging
import threading
import time
from pathlib import Path

import numpy as np
import torch
from fake_training import FakeDatasets, FakeTrainer, wait

from core.lab.config import TrainConfig
from core.lab.training import keep_freed_memory
from core.serving.budget import MemoryBudget, adaptive_budget_bytes, release_freed_memory, size_in_bytes
from core.serving.model_cache import ModelCache

ROOT = Path(__file__).resolve().parents[1]
CONFIG = TrainConfig()
MB = 2**20


def machine(tmp_path, total_mb=24_000, available_mb=20_000, v2=None, v1=None, status="VmRSS:\t 409600 kB\n"):
    """A folder standing for "/": /proc/meminfo and /proc/self/status, and cgroup limit files when given."""
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/meminfo").write_text(
        f"MemTotal:       {total_mb * 1024} kB\nMemFree:        1000 kB\nMemAvailable:   {available_mb * 1024} kB\n"
    )
    (tmp_path / "proc/self/status").write_text(status)
    for path, text in (("sys/fs/cgroup/memory.max", v2), ("sys/fs/cgroup/memory/memory.limit_in_bytes", v1)):
        if text is not None:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
    return tmp_path


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


def test_a_690_mb_container_gives_the_cache_far_less_than_256_mb_and_a_big_machine_the_full_256(tmp_path):
    small = adaptive_budget_bytes({}, machine(tmp_path / "a", v2=f"{690 * MB}\n"), rss_bytes=350 * MB)
    assert 32 * MB <= small <= 100 * MB
    assert adaptive_budget_bytes({}, machine(tmp_path / "b", v1=f"{690 * MB}\n"), rss_bytes=350 * MB) == small
    assert adaptive_budget_bytes({}, machine(tmp_path / "c"), rss_bytes=350 * MB) == 256 * MB  # 24 GB, no cgroup


def test_the_budget_shrinks_as_the_process_holds_more_and_never_goes_under_32_mb(tmp_path):
    root = machine(tmp_path, v2=f"{1_000 * MB}")
    budgets = [adaptive_budget_bytes({}, root, rss_bytes=held * MB) for held in (500, 600, 750, 2_000)]
    assert budgets == sorted(budgets, reverse=True) and budgets[0] > budgets[1] > budgets[2] == 32 * MB
    assert budgets[:2] == [244 * MB, 144 * MB]  # 1,000 MB − held − 256 MB for a training and a sweep
    assert budgets[3] == 32 * MB
    assert adaptive_budget_bytes({}, root) == adaptive_budget_bytes({}, root, rss_bytes=400 * MB)  # VmRSS read


def test_max_or_a_huge_cgroup_limit_means_no_limit_and_the_machines_available_memory_counts(tmp_path):
    assert adaptive_budget_bytes({}, machine(tmp_path / "a", v2="max\n"), rss_bytes=350 * MB) == 256 * MB
    v1_unlimited = str(2**63 - 4096)
    assert adaptive_budget_bytes({}, machine(tmp_path / "b", v1=v1_unlimited), rss_bytes=350 * MB) == 256 * MB
    tight = machine(tmp_path / "c", v2="max", available_mb=400)
    assert adaptive_budget_bytes({}, tight, rss_bytes=350 * MB) == 144 * MB  # 400 MB available − 256 MB margin


def test_the_environment_variable_wins_over_the_memory_found(tmp_path):
    root = machine(tmp_path, v2=f"{690 * MB}")
    assert adaptive_budget_bytes({"CONVLAB_CACHE_BUDGET_MB": "512"}, root, rss_bytes=350 * MB) == 512 * MB
    assert adaptive_budget_bytes({"CONVLAB_CACHE_BUDGET_MB": "0.5"}, root, rss_bytes=0) == MB // 2
    adaptive = adaptive_budget_bytes({}, root, rss_bytes=350 * MB)
    for unreadable in ("lots", "-3", "0", "nan"):
        assert adaptive_budget_bytes({"CONVLAB_CACHE_BUDGET_MB": unreadable}, root, rss_bytes=350 * MB) == adaptive


def test_garbage_or_missing_memory_files_fall_back_safely(tmp_path):
    garbage = machine(tmp_path / "a", v2="\x00\xffnot a number", status="garbage")
    (garbage / "proc/meminfo").write_bytes(b"\xff\xfe MemTotal: lots\n")
    assert adaptive_budget_bytes({}, garbage) == 256 * MB  # nothing known: the budget as it always was
    assert adaptive_budget_bytes({}, tmp_path / "nowhere") == 256 * MB
    negative = machine(tmp_path / "b", v2="-5", v1=f"{690 * MB}")  # v2 unreadable: no limit, not v1's
    assert adaptive_budget_bytes({}, negative, rss_bytes=350 * MB) == 256 * MB


def resident_mb() -> float:
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def test_memory_freed_after_big_work_goes_back_to_the_system_once_released():
    keep_freed_memory()  # as every training and evaluation asks: freed blocks up to 32 MB stay with the process
    blocks = [bytearray(2**20) for _ in range(150)]  # 150 MB touched, in 1 MB blocks from the heap
    held = resident_mb()
    del blocks
    kept = resident_mb()
    release_freed_memory()
    assert held - kept < 50, "freed but kept by the allocator"
    assert kept - resident_mb() > 100
