"""The shared cache of trained models: one training per setting, waiting instead of repeating, a memory budget."""

import dataclasses
import threading
import time

import pytest
import torch

from core.lab.data import DataError
from core.lab.models import TrainConfig
from core.lab.training import TrainingInterrupted, TrainResult
from core.serving.model_cache import DatasetStore, ModelCache, model_key

CONFIG = TrainConfig()


class FakeDatasets:
    def get(self, name):
        return name


class FakeTrainer:
    """Counts trainings; each takes `seconds`, polling should_stop like the real loop does."""

    def __init__(self, seconds=0.2, fail=None, size=10):
        self.seconds, self.fail, self.size = seconds, fail, size
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, kind, config, dataset, progress=None, should_stop=None):
        with self.lock:
            self.calls.append((kind, config))
        steps = 10
        for step in range(steps):
            if should_stop and should_stop():
                raise TrainingInterrupted("stopped")
            if self.fail:
                raise self.fail
            time.sleep(self.seconds / steps)
            if progress:
                progress((step + 1) / steps, 1.0 / (step + 1))
        return TrainResult(torch.nn.Linear(self.size, 1), kind, config, self.seconds)


def wait(job, timeout=10):
    deadline = time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        job.seen()
        time.sleep(0.01)
    return job


def test_thirty_sessions_asking_at_once_share_one_training():
    trainer = FakeTrainer()
    cache = ModelCache(FakeDatasets(), trainer)
    jobs = []
    threads = [threading.Thread(target=lambda: jobs.append(cache.request("cnn", CONFIG))) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(job) for job in jobs}) == 1
    wait(jobs[0])
    assert jobs[0].state == "done" and len(trainer.calls) == 1 and cache.counts["trainings_started"] == 1


def test_a_finished_model_is_reused_without_training_again():
    trainer = FakeTrainer(seconds=0.01)
    cache = ModelCache(FakeDatasets(), trainer)
    first = wait(cache.request("mlp", CONFIG))
    again = cache.request("mlp", CONFIG)
    assert again is first and again.result is first.result and len(trainer.calls) == 1


def test_settings_a_model_ignores_do_not_retrain_it():
    assert model_key("mlp", CONFIG) == model_key("mlp", dataclasses.replace(CONFIG, cnn_padding="circular", cnn_head="gap"))
    assert model_key("cnn", CONFIG) == model_key("cnn", dataclasses.replace(CONFIG, mlp_hidden=64))
    assert model_key("cnn", CONFIG) != model_key("cnn", dataclasses.replace(CONFIG, cnn_padding="circular"))
    assert model_key("mlp", CONFIG) != model_key("mlp", dataclasses.replace(CONFIG, seed=1))


def test_progress_and_loss_reach_the_waiting_sessions():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.3))
    job = cache.request("mlp", CONFIG)
    seen = set()
    while not job.finished:
        job.seen()
        seen.add(round(job.fraction, 1))
        time.sleep(0.01)
    assert job.fraction == 1.0 and job.loss is not None and len(seen) >= 3


def test_a_training_nobody_waits_for_is_cancelled_and_leaves_no_model():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=2.0), abandon_after=0.2)
    job = cache.request("cnn", CONFIG)
    time.sleep(1.0)  # nobody calls job.seen()
    assert job.state == "cancelled" and job.result is None
    assert "stopped half-way" in job.message
    assert cache.jobs() == [] and cache.counts["cancelled"] == 1
    restarted = cache.request("cnn", CONFIG)
    assert restarted is not job


def test_a_failed_training_says_why_and_is_not_cached():
    cache = ModelCache(FakeDatasets(), FakeTrainer(fail=MemoryError("out of memory")))
    job = wait(cache.request("cnn", CONFIG))
    assert job.state == "failed" and "MemoryError" in job.message and job.result is None
    assert cache.jobs() == []


def test_a_dataset_that_cannot_load_fails_the_training_with_its_message():
    class NoData:
        def get(self, name):
            raise DataError("Fashion-MNIST needs the internet for its first download.")

    cache = ModelCache(NoData(), FakeTrainer())
    job = wait(cache.request("mlp", dataclasses.replace(CONFIG, dataset="Fashion-MNIST")))
    assert job.state == "failed" and "needs the internet" in job.message


def test_the_cache_stays_within_its_memory_budget_by_evicting_the_least_recently_used():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01, size=1000))
    wait(cache.request("mlp", CONFIG))
    one_model = cache.memory_bytes()  # 1,001 float32 parameters and the result's bookkeeping
    cache.budget_bytes = int(2.5 * one_model)
    jobs = [wait(cache.request("mlp", dataclasses.replace(CONFIG, seed=seed))) for seed in range(1, 5)]
    assert all(job.state == "done" for job in jobs)
    assert cache.memory_bytes() <= cache.budget_bytes and cache.counts["evicted"] == 3
    kept = {job.config.seed for job in cache.jobs()}
    assert kept == {3, 4}


def test_derived_results_are_computed_once_even_when_asked_for_concurrently():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01))
    job = wait(cache.request("mlp", CONFIG))
    calls = []

    def slow_sweep(model):
        calls.append(1)
        time.sleep(0.2)
        return [1, 2, 3]

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.derived(job, "sweep", slow_sweep))) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [[1, 2, 3]] * 10


def test_prepare_computes_in_the_background_and_peek_never_blocks():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01))
    job = wait(cache.request("mlp", CONFIG))
    cache.prepare(job, "sweep", lambda model: (time.sleep(0.2), "ready")[1])
    assert cache.peek(job, "sweep") is None
    deadline = time.monotonic() + 5
    while cache.peek(job, "sweep") is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.peek(job, "sweep") == "ready"


def test_a_dataset_that_failed_is_not_downloaded_again_by_every_student():
    attempts = []

    def loader(name, cache_dir):
        attempts.append(name)
        raise DataError("offline")

    store = DatasetStore("/nonexistent", loader, retry_after=60)
    for _ in range(5):
        with pytest.raises(DataError, match="offline"):
            store.get("KMNIST")
    assert attempts == ["KMNIST"]


def test_a_long_derived_computation_reports_progress_and_lets_waiting_work_take_the_cpu_between_steps():
    from core.serving.cpu import cpu_turn

    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01))
    job = wait(cache.request("mlp", CONFIG))
    step = cache.stepper(job, "sweep")
    seen, order = [], []
    quick_one_asked = threading.Event()

    def quick_one():
        quick_one_asked.set()
        with cpu_turn():
            order.append("quick")

    def long_sweep(model):
        for index in range(1, 6):
            order.append(f"step {index}")
            if index == 2:
                threading.Thread(target=quick_one).start()
                quick_one_asked.wait()
                time.sleep(0.05)  # the quick one is now queued for the CPU
            step(index / 5)
            seen.append(cache.progress(job, "sweep"))
        return "swept"

    assert cache.derived(job, "sweep", long_sweep) == "swept"
    assert seen == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert order.index("quick") == order.index("step 2") + 1  # in at the next step, not after the whole sweep
    assert cache.progress(job, "sweep") is None  # nothing under way any more


def test_quick_derived_work_that_does_not_use_the_cpu_does_not_queue_behind_a_sweep():
    from core.serving.cpu import CPU

    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01))
    job = wait(cache.request("mlp", CONFIG))
    with CPU:  # a sweep holds the CPU
        started = time.monotonic()
        assert cache.derived(job, "weights file", lambda model: b"weights", uses_cpu=False) == b"weights"
        assert time.monotonic() - started < 1
