"""A slider step finds its numbers ready: along an axis they come with the sweep, one step away they are measured in the
background while the learner looks at the current shift."""

import time
from types import SimpleNamespace

import numpy as np
import pytest

from core.lab.comparison import Comparison, members
from core.lab.config import TrainConfig
from core.lab.confusion import confusion_matrix
from core.lab.data import load_mnist
from core.lab.evaluation import accuracy
from core.lab.models import build_model
from core.lab.questions import Lab
from core.lab.shift import one_step_away
from core.lab.training import TrainResult
from core.serving.model_cache import ModelCache


@pytest.fixture(scope="module")
def dataset():
    mnist = load_mnist()
    return SimpleNamespace(name="MNIST", x_test=mnist.x_test[:300], y_test=mnist.y_test[:300])


def adopted(cache: ModelCache, kind: str, config: TrainConfig):
    model = build_model(kind, config, seed=config.seed).eval()  # untrained: any fixed model will do
    return cache.adopt(kind, config, TrainResult(model, kind, config, 0.0))


def wait_for(ready, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, "the background measurements never arrived"
        time.sleep(0.05)


def test_one_step_away_is_the_four_neighbours_inside_the_sliders_range():
    assert one_step_away(2, 3) == [(1, 3), (3, 3), (2, 2), (2, 4)]
    assert one_step_away(8, -8) == [(7, -8), (8, -7)]


def test_along_an_axis_the_labs_matrix_is_read_off_the_sweep_without_a_pass_of_its_own(dataset):
    cache = ModelCache(None)
    lab = Lab(cache, None)
    job = adopted(cache, "cnn", TrainConfig())
    lab.sweep(job, dataset, "zero")
    counts = lab.confusion(job, dataset, -4, 0, "zero")
    assert np.array_equal(counts, confusion_matrix(job.result.model, dataset.x_test, dataset.y_test, -4, 0, "zero"))
    assert cache.peek(job, ("confusion", -4, 0, "zero")) is None
    assert lab.accuracy(job, dataset, 0, 5, "zero") == accuracy(
        job.result.model, dataset.x_test, dataset.y_test, 0, 5, "zero"
    )


def test_the_labs_next_steps_off_the_axes_are_counted_in_the_background_and_then_read(dataset):
    cache = ModelCache(None)
    lab = Lab(cache, None)
    jobs = {kind: adopted(cache, kind, TrainConfig()) for kind in ("mlp", "cnn")}
    for job in jobs.values():
        lab.sweep(job, dataset, "circular")
    lab.prepare_around(jobs, dataset, 2, 0, "circular")  # from an axis: only the steps off it need a pass
    names = [("confusion", 2, -1, "circular"), ("confusion", 2, 1, "circular")]
    wait_for(lambda: all(cache.peek(job, name) is not None for job in jobs.values() for name in names))
    assert cache.peek(jobs["cnn"], ("confusion", 1, 0, "circular")) is None
    for job in jobs.values():
        expected = confusion_matrix(job.result.model, dataset.x_test, dataset.y_test, 2, 1, "circular")
        assert np.array_equal(cache.peek(job, ("confusion", 2, 1, "circular")), expected)
        assert lab.confusion(job, dataset, 2, 1, "circular") is cache.peek(job, ("confusion", 2, 1, "circular"))


def test_the_comparisons_next_steps_are_measured_in_the_background(dataset):
    cache = ModelCache(None)
    comparison = Comparison(cache)
    comparison.images = 300
    jobs = {member: adopted(cache, member.kind, member.config) for member in members(1_000, 1, 1)}
    comparison.prepare_around(jobs, dataset, -3, 0, "zero")
    steps = [(-4, 0), (-2, 0), (-3, -1), (-3, 1)]
    wanted = [
        (job, ("compare accuracy", dx, dy, fill, 300))
        for job in jobs.values()
        for dx, dy in steps
        for fill in ("zero", "circular")
    ] + [
        (job, ("compare map error", dx, dy, "zero", 300))
        for member, job in jobs.items()
        if member.kind == "cnn"
        for dx, dy in steps
    ]
    wait_for(lambda: all(cache.peek(job, name) is not None for job, name in wanted), seconds=120)
    member, job = next(iter(jobs.items()))
    assert comparison.shifted_accuracy(job, dataset, -4, 0, "circular") == accuracy(
        job.result.model, dataset.x_test, dataset.y_test, -4, 0, "circular"
    )
