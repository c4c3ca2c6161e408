"""Shared trainings: one per setting, waiting instead of repeating, abandoned ones cancelled, short ones first."""

import dataclasses
import logging
import re
import threading
import time

import pytest
from fake_training import FakeDatasets, FakeTrainer, wait

from core.lab.config import TrainConfig
from core.lab.data import DataError
from core.serving.speed import Speed
from core.serving.trainings import Trainings, model_key

CONFIG = TrainConfig()


def test_thirty_sessions_asking_at_once_share_one_training():
    trainer = FakeTrainer()
    trainings = Trainings(FakeDatasets(), trainer)
    jobs = []
    threads = [threading.Thread(target=lambda: jobs.append(trainings.request("cnn", CONFIG))) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(job) for job in jobs}) == 1
    wait(jobs[0])
    assert jobs[0].state == "done" and len(trainer.calls) == 1 and trainings.counts["trainings_started"] == 1


def test_a_finished_model_is_reused_without_training_again():
    trainer = FakeTrainer(seconds=0.01)
    trainings = Trainings(FakeDatasets(), trainer)
    first = wait(trainings.request("mlp", CONFIG))
    again = trainings.request("mlp", CONFIG)
    assert again is first and again.result is first.result and len(trainer.calls) == 1


def test_settings_a_model_ignores_do_not_retrain_it():
    assert model_key("mlp", CONFIG) == model_key(
        "mlp", dataclasses.replace(CONFIG, cnn_padding="circular", cnn_head="gap")
    )
    assert model_key("cnn", CONFIG) == model_key("cnn", dataclasses.replace(CONFIG, mlp_hidden=64))
    assert model_key("cnn", CONFIG) != model_key("cnn", dataclasses.replace(CONFIG, cnn_padding="circular"))
    assert model_key("mlp", CONFIG) != model_key("mlp", dataclasses.replace(CONFIG, seed=1))


def test_find_never_starts_a_training():
    trainer = FakeTrainer(seconds=0.01)
    trainings = Trainings(FakeDatasets(), trainer)
    assert trainings.find("mlp", CONFIG) is None
    time.sleep(0.05)
    assert trainer.calls == [] and trainings.jobs() == [] and trainings.counts["trainings_started"] == 0


def test_find_returns_a_training_under_way_or_done():
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=0.3))
    job = trainings.request("cnn", CONFIG)
    assert trainings.find("cnn", dataclasses.replace(CONFIG, mlp_hidden=64)) is job  # a setting the CNN ignores
    wait(job)
    assert trainings.find("cnn", CONFIG) is job and job.state == "done"


def test_progress_and_loss_reach_the_waiting_sessions():
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=0.3))
    job = trainings.request("mlp", CONFIG)
    seen = set()
    while not job.finished:
        job.seen()
        seen.add(round(job.fraction, 1))
        time.sleep(0.01)
    assert job.fraction == 1.0 and job.loss is not None and len(seen) >= 3


def test_a_training_nobody_waits_for_is_cancelled_leaves_no_model_and_says_so_in_the_log(caplog):
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=2.0), abandon_after=0.2)
    job = trainings.request("cnn", CONFIG)
    convlab = logging.getLogger("convlab")  # app.py stops it propagating to the root, where caplog listens
    convlab.addHandler(caplog.handler)
    try:
        with caplog.at_level("INFO", logger="convlab"):
            time.sleep(1.0)  # nobody calls job.seen()
    finally:
        convlab.removeHandler(caplog.handler)
    assert job.state == "cancelled" and job.result is None
    assert f"training cancelled: cnn {CONFIG} at" in caplog.text
    assert "stopped half-way" in job.message
    assert trainings.jobs() == [] and trainings.counts["cancelled"] == 1
    assert trainings.find("cnn", CONFIG) is None
    restarted = trainings.request("cnn", CONFIG)
    assert restarted is not job


def test_a_failed_training_says_why_and_is_not_cached():
    trainings = Trainings(FakeDatasets(), FakeTrainer(fail=MemoryError("out of memory")))
    job = wait(trainings.request("cnn", CONFIG))
    assert job.state == "failed" and "MemoryError" in job.message and job.result is None
    assert trainings.jobs() == [] and trainings.counts["failed"] == 1


def test_a_dataset_that_cannot_load_fails_the_training_with_its_message():
    class NoData:
        def get(self, name):
            raise DataError("Fashion-MNIST needs the internet for its first download.")

    trainings = Trainings(NoData(), FakeTrainer())
    job = wait(trainings.request("mlp", dataclasses.replace(CONFIG, dataset="Fashion-MNIST")))
    assert job.state == "failed" and "needs the internet" in job.message


def test_a_job_carries_its_estimate_from_the_measured_speed_and_counts_down_as_it_trains():
    speed = Speed()
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=0.5), speed=speed)
    job = trainings.request("cnn", CONFIG)
    assert job.estimated_seconds == pytest.approx(speed.training_seconds("cnn", CONFIG))
    time.sleep(0.1)
    left_early = job.remaining_seconds
    while job.fraction < 0.6:
        job.seen()
        time.sleep(0.01)
    assert 0 < job.remaining_seconds < left_early
    wait(job)
    assert job.remaining_seconds == 0.0


def test_a_finished_training_teaches_the_speed_its_cpu_seconds():
    speed = Speed()
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=0.4), speed=speed)
    job = wait(trainings.request("mlp", CONFIG))
    assert job.result.seconds == pytest.approx(0.4, abs=0.1)  # the CPU seconds it held
    assert speed.training_seconds("mlp", CONFIG) == pytest.approx(job.result.seconds)


def test_a_finished_training_logs_its_training_seconds_and_its_seconds_since_asked(caplog):
    trainings = Trainings(FakeDatasets(), FakeTrainer(seconds=0.2))
    with caplog.at_level(logging.INFO, logger="convlab"):
        wait(trainings.request("cnn", CONFIG))
    lines = [record.getMessage() for record in caplog.records]
    assert f"training started: cnn {CONFIG}" in lines
    finished = [line for line in lines if line.startswith("training finished:")]
    match = re.fullmatch(
        r"training finished: cnn (.*) in ([\d.]+) s of training, ([\d.]+) s after it was asked for", finished[0]
    )
    assert match and match.group(1) == str(CONFIG)
    assert 0.1 <= float(match.group(2)) <= float(match.group(3)) < 2


def test_a_short_training_asked_for_during_a_long_one_overtakes_it_between_batches():
    one_second_per_16_000_images = FakeTrainer(
        seconds=lambda config: config.train_size * config.epochs / 16_000, steps=100
    )
    trainings = Trainings(FakeDatasets(), one_second_per_16_000_images, abandon_after=0.2)
    long_job = trainings.request("cnn", dataclasses.replace(CONFIG, train_size=16_000, epochs=3))
    while long_job.fraction < 0.05:
        long_job.seen()
        time.sleep(0.01)
    short_job = trainings.request("cnn", dataclasses.replace(CONFIG, train_size=4_000))
    while not short_job.finished:
        for job in (long_job, short_job):
            job.seen()
        time.sleep(0.01)
    # Done while the long one is not even half way: it went first between batches, not after 2.8 s of the long one.
    assert short_job.state == "done"
    assert not long_job.finished and long_job.fraction < 0.5
    time.sleep(0.5)  # nobody looks at the long one any more
    assert long_job.state == "cancelled"


def test_when_every_training_thread_is_busy_the_shortest_queued_training_starts_next():
    trainer = FakeTrainer(seconds=0.2)
    trainings = Trainings(FakeDatasets(), trainer, at_once=1)
    first = trainings.request("mlp", CONFIG)
    while first.state != "running":
        time.sleep(0.001)
    jobs = [trainings.request("mlp", dataclasses.replace(CONFIG, train_size=size)) for size in (60_000, 30_000, 1_000)]
    for job in [first, *jobs]:
        wait(job)
    assert [config.train_size for _, config in trainer.calls] == [16_000, 1_000, 30_000, 60_000]


def test_a_training_starts_at_once_only_to_overtake_the_ones_under_way_and_otherwise_waits_for_them():
    half_a_second_per_16_000_images = FakeTrainer(seconds=lambda config: config.train_size / 32_000, steps=50)
    trainings = Trainings(FakeDatasets(), half_a_second_per_16_000_images)
    first = trainings.request("cnn", CONFIG)
    while first.state != "running":
        time.sleep(0.001)
    just_as_long = trainings.request("cnn", dataclasses.replace(CONFIG, seed=1))
    shorter = trainings.request("cnn", dataclasses.replace(CONFIG, train_size=4_000))
    time.sleep(0.05)
    assert first.state == shorter.state == "running" and just_as_long.state == "queued"
    for job in (first, just_as_long, shorter):
        wait(job)
    assert first.state == just_as_long.state == shorter.state == "done"
