"""The models kept in data/trained/ are exactly what this code trains, and a cold server serves them without training."""

import dataclasses
import logging

import numpy as np
import pytest
import torch

from core.lab.captions import heat_map_note, trained_sentence
from core.lab.config import TrainConfig
from core.lab.confusion import confusion_matrix
from core.lab.data import load_mnist
from core.lab.evaluation import accuracy, shift_consistency
from core.lab.questions import CONSISTENCY_SHIFT, GRID_IMAGES, MAX_SHIFT, Lab
from core.lab.training import TrainResult
from core.serving import stored
from core.serving.model_cache import DatasetStore, ModelCache

REFRESH = "the stored models are out of date: write them again with `python -m core.serving.stored`"


@pytest.fixture(scope="module")
def dataset():
    return load_mnist()


@pytest.fixture(scope="module")
def kept():
    return {(entry.kind, entry.config): entry for entry in stored.load_all()}


def test_the_store_holds_the_labs_defaults_and_the_comparisons_models(kept):
    wanted = {(kind, config) for kind, config, _ in stored.stored_settings()}
    assert set(kept) == wanted, REFRESH
    for kind in ("mlp", "cnn"):
        names = set(kept[(kind, TrainConfig())].derived)
        for mode in ("zero", "circular"):
            assert {
                ("sweep", mode),
                ("consistency", CONSISTENCY_SHIFT, mode),
                ("confusion grid", mode),
            } <= names


def test_every_stored_model_is_exactly_what_a_retrain_gives(kept, dataset):
    for (kind, config), entry in kept.items():
        retrained = stored.train_stored(kind, config, dataset).model.state_dict()
        weights = entry.result.model.state_dict()
        assert set(retrained) == set(weights), REFRESH
        for name, tensor in retrained.items():
            assert torch.equal(tensor, weights[name]), f"{kind} {config}: {name} differs from a retrain; {REFRESH}"


def test_the_stored_measurements_are_what_the_lab_measures(kept, dataset):
    """Each sweep at one shift (the table's (2, 0) under zero fill, another under wrap) with its confusion matrix,
    both consistencies, and each confusion grid at one diagonal shift, measured again on the stored models."""
    for kind in ("mlp", "cnn"):
        entry = kept[(kind, TrainConfig())]
        model = entry.result.model
        for mode, (dx, dy) in (("zero", (2, 0)), ("circular", (0, -5))):
            sweep = entry.derived[("sweep", mode)]
            along = sweep.horizontal[dx + MAX_SHIFT] if dy == 0 else sweep.vertical[dy + MAX_SHIFT]
            assert along == accuracy(model, dataset.x_test, dataset.y_test, dx, dy, mode), (kind, mode, dx, dy)
            counts = sweep.horizontal_counts[dx + MAX_SHIFT] if dy == 0 else sweep.vertical_counts[dy + MAX_SHIFT]
            assert np.array_equal(counts, confusion_matrix(model, dataset.x_test, dataset.y_test, dx, dy, mode))
            consistency = shift_consistency(model, dataset.x_test, CONSISTENCY_SHIFT, mode=mode)
            assert entry.derived[("consistency", CONSISTENCY_SHIFT, mode)] == consistency, (kind, mode)
            grid = entry.derived[("confusion grid", mode)]
            counts = confusion_matrix(model, dataset.x_test, dataset.y_test, 3, -6, mode)
            assert np.array_equal(grid[-6 + MAX_SHIFT, 3 + MAX_SHIFT], counts), (kind, mode)


def test_a_cold_lab_serves_the_stored_defaults_without_training_and_says_where_they_came_from(tmp_path, kept):
    datasets = DatasetStore(tmp_path)
    cache = ModelCache(datasets)
    for entry in kept.values():
        cache.adopt(entry.kind, entry.config, entry.result, entry.derived)
    lab = Lab(cache, datasets)
    jobs = lab.train(TrainConfig())
    assert all(job.state == "done" for job in jobs.values()) and cache.counts["trainings_started"] == 0
    assert all(lab.ready_sweep(job, "zero") is not None for job in jobs.values())
    # Every shift the sliders reach reads its matrix and accuracy without a pass over the test images.
    rows = lab.table(jobs, datasets.get("MNIST"), 5, 7, "circular")
    assert all(cache.peek(job, ("confusion", 5, 7, "circular")) is None for job in jobs.values())
    assert all(0.0 < row.shifted < row.original for row in rows)
    # The heat maps over every (dx, dy) read the stored matrices, on every test image: they agree with the table.
    dataset, stored_counts = datasets.get("MNIST"), lab.stored_confusions(jobs, "circular")
    for row, (kind, job) in zip(rows, jobs.items(), strict=True):
        heat = lab.grid(job, dataset, "circular", stored_counts[kind])
        assert heat[7 + MAX_SHIFT, 5 + MAX_SHIFT] == row.shifted
    sentence = trained_sentence({kind: job.result for kind, job in jobs.items()})
    assert "data/trained/" in sentence and "loaded them instead of training them again" in sentence
    # Other settings are trained as usual.
    assert cache.find("cnn", dataclasses.replace(TrainConfig(), seed=1)) is None


def test_heat_maps_of_models_without_stored_matrices_measure_the_first_1000_test_images(tmp_path, kept):
    datasets = DatasetStore(tmp_path)
    cache = ModelCache(datasets)
    for entry in kept.values():
        cache.adopt(entry.kind, entry.config, entry.result)  # the weights alone
    lab = Lab(cache, datasets)
    jobs = lab.train(TrainConfig())
    assert lab.stored_confusions(jobs, "zero") is None
    # The page says so under the maps: the table beside them reads every test image.
    assert heat_map_note(GRID_IMAGES, 10_000) == (
        "These maps read the first 1,000 test images, measured once per model; the table reads all 10,000, so a cell "
        "and the table can differ by a few points."
    )
    assert heat_map_note(10_000, 10_000) is None
    heat = lab.grid(jobs["mlp"], datasets.get("MNIST"), "zero")
    first = datasets.get("MNIST").x_test[:GRID_IMAGES], datasets.get("MNIST").y_test[:GRID_IMAGES]
    assert heat[MAX_SHIFT - 1, MAX_SHIFT + 2] == accuracy(jobs["mlp"].result.model, *first, 2, -1, "zero")


def test_the_sentence_says_trained_when_this_server_trained_them():
    model = torch.nn.Linear(1, 1)
    trained = {kind: TrainResult(model, kind, TrainConfig(), 1.25) for kind in ("mlp", "cnn")}
    assert trained_sentence(trained) == "Trained in 1.2 s (MLP) and 1.2 s (CNN); "
    mixed = {**trained, "cnn": dataclasses.replace(trained["cnn"], loaded_from="data/trained/x.pt")}
    assert "the CNN was loaded from data/trained/, not trained again" in trained_sentence(mixed)


def test_a_damaged_stored_file_is_skipped_and_named_in_the_log(tmp_path, caplog):
    good = next(iter(sorted(stored.STORE.glob("*.pt"))))
    (tmp_path / good.name).write_bytes(good.read_bytes())
    (tmp_path / "damaged.pt").write_bytes(good.read_bytes()[:-500])
    (tmp_path / "other.pt").write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING, logger="convlab"):
        loaded = stored.load_all(tmp_path)
    assert len(loaded) == 1 and loaded[0].result.loaded_from.endswith(good.name)
    assert "damaged.pt" in caplog.text and "other.pt" in caplog.text


def test_the_stored_comparison_measurements_are_what_the_comparison_measures(kept, dataset):
    """For every model of the comparison: one shift's accuracy (off the chart's sweep) and map error, and its
    one-pixel numbers, measured again by the comparison itself on the stored weights."""
    from core.lab.compare import COMPARE_IMAGES
    from core.lab.comparison import Comparison, members

    config = TrainConfig()
    for member in members(config.train_size, config.epochs, seeds=1):
        entry = kept[(member.kind, member.config)]
        comparison = Comparison(ModelCache(None))
        job = comparison.cache.adopt(entry.kind, entry.config, entry.result)  # the weights alone: measured afresh
        accuracy_name = ("compare accuracy", 0, -5, "circular", COMPARE_IMAGES)
        assert entry.derived[accuracy_name] == comparison.shifted_accuracy(job, dataset, 0, -5, "circular"), member
        pixel = entry.derived[("compare one pixel", "zero", COMPARE_IMAGES)]
        assert pixel == comparison.cache.derived(job, *comparison._measure(job, dataset, "one pixel", "zero")), member
        if member.kind == "cnn":
            error = entry.derived[("compare map error", 3, 0, "zero", COMPARE_IMAGES)]
            assert error == comparison.map_error(job, dataset, 3, 0, "zero"), member
