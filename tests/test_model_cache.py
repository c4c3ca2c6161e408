"""The shared cache as the lab uses it: trainings, their results and estimates in one place; and a class sharing the CPU."""

import dataclasses
import time

import pytest
from fake_training import FakeDatasets, FakeTrainer, wait

from bench.run import BIG, OneDataset, train_both
from core.lab.config import TrainConfig
from core.lab.data import DataError, load_mnist
from core.serving.datasets import DatasetStore
from core.serving.model_cache import ModelCache
from core.serving.work import name_in_words

CONFIG = TrainConfig()


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


def test_find_never_starts_a_training_and_request_does():
    trainer = FakeTrainer(seconds=0.01)
    cache = ModelCache(FakeDatasets(), trainer)
    assert cache.find("mlp", CONFIG) is None and cache.counts["trainings_started"] == 0
    job = cache.request("mlp", CONFIG)
    assert cache.find("mlp", CONFIG) is job
    wait(job)
    assert len(trainer.calls) == 1


def test_the_estimate_is_the_training_alone_nothing_once_trained_and_what_is_left_while_under_way():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.4))
    alone = cache.estimate_seconds("cnn", CONFIG)
    assert alone > 0 and cache.jobs() == []  # estimating starts nothing
    assert cache.estimate_seconds("cnn", BIG) == pytest.approx(alone * 60_000 * 3 / 16_000)
    job = cache.request("cnn", CONFIG)
    while job.fraction < 0.5:
        job.seen()
        time.sleep(0.01)
    assert 0 < cache.estimate_seconds("cnn", CONFIG) < alone
    wait(job)
    assert cache.estimate_seconds("cnn", CONFIG) == 0.0


def test_the_estimate_follows_the_speed_measured_by_finished_trainings():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.3))
    wait(cache.request("mlp", CONFIG))  # this server trains the default MLP in 0.3 s
    assert cache.estimate_seconds("mlp", dataclasses.replace(CONFIG, seed=1, epochs=2)) == pytest.approx(0.6, rel=0.2)


def test_ahead_lists_the_trainings_and_computations_queued_or_under_way_shortest_first():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=lambda config: config.epochs * 0.2, steps=50))
    done = wait(cache.request("mlp", CONFIG))
    assert cache.ahead() == []
    big, small = cache.request("cnn", BIG), cache.request("cnn", CONFIG)
    cache.prepare(done, ("sweep", "zero"), lambda model: (time.sleep(0.2), "swept")[1])
    ahead = cache.ahead()
    assert {work.description for work in ahead} == {
        "training the CNN on 60,000 images × 3 epochs",
        "training the CNN on 16,000 images × 1 epoch",
        "sweep (zero) for the MLP on 16,000 images × 1 epoch",
    }
    assert [work.remaining_seconds for work in ahead] == sorted(work.remaining_seconds for work in ahead)
    assert {work.job for work in ahead if work.kind == "training"} == {big, small}
    while cache.ahead():
        big.seen(), small.seen()
        time.sleep(0.02)
    assert big.state == small.state == "done"


def test_names_of_computed_values_read_as_words():
    assert name_in_words(("sweep", "zero")) == "sweep (zero)"
    assert name_in_words(("accuracy", 2, 0, "circular")) == "accuracy (2, 0, circular)"
    assert name_in_words("weights file") == "weights file"


def test_the_lab_sees_one_cache_with_counts_a_settable_budget_and_its_memory():
    cache = ModelCache(FakeDatasets(), FakeTrainer(seconds=0.01), budget_bytes=1_000_000)
    job = wait(cache.request("mlp", CONFIG))
    assert cache.derived(job, "grid", lambda model: "grid") == "grid" and cache.peek(job, "grid") == "grid"
    cache.budget_bytes = 2_000_000
    assert cache.budget_bytes == 2_000_000 and 0 < cache.memory_bytes() < 2_000_000
    assert cache.jobs() == [job] and cache.counts["trainings_done"] == 1


# -- a class sharing the machine, with real trainings ----------------------------------------------------------


def test_a_default_training_asked_for_during_a_60000_image_3_epoch_training_finishes_first_and_the_big_one_stops_unwatched():
    # How much longer the small training takes beside the big one is a timing: bench/run.py prints that ratio.
    cache = ModelCache(OneDataset(load_mnist()), abandon_after=1.0)
    big = [cache.request(kind, BIG) for kind in ("mlp", "cnn")]
    while not any(job.fraction > 0 for job in big):
        for job in big:
            job.seen()
        time.sleep(0.01)
    train_both(cache, TrainConfig(seed=2), also_watch=big)
    assert [cache.find(kind, TrainConfig(seed=2)).state for kind in ("mlp", "cnn")] == ["done", "done"]
    assert not all(job.finished for job in big)
    deadline = time.monotonic() + 10  # nobody looks at the big ones any more: they stop at their next batch
    while not all(job.finished for job in big) and time.monotonic() < deadline:
        time.sleep(0.05)
    # The big CNN is still far from its end and stops; the big MLP (a few times quicker) may have finished first.
    mlp, cnn = big
    assert cnn.state == "cancelled" and cache.find("cnn", BIG) is None
    assert mlp.state in ("cancelled", "done")
