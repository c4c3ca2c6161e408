"""Facts about training: torch's Adam on a one-cycle schedule, reproducibility, stopping, and accuracy reached."""

import math
import threading
import time

import pytest
import torch

from core.lab.config import TrainConfig
from core.lab.data import load_mnist
from core.lab.evaluation import accuracy
from core.lab.models import build_model
from core.lab.training import TrainingInterrupted, adam_one_cycle, seeded_model, train_model

SMALL = TrainConfig(train_size=4_000)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def learning_rates(total_steps: int, peak: float = 0.01) -> tuple[list[float], list[float]]:
    """The learning rate and Adam's beta1 at each step of a run, as the training loop steps them."""
    optimizer, schedule = adam_one_cycle(torch.nn.Linear(2, 1), total_steps, peak)
    rates, beta1s = [], []
    for _ in range(total_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        beta1s.append(optimizer.param_groups[0]["betas"][0])
        optimizer.step()
        schedule.step()
    return rates, beta1s


def test_the_schedule_starts_at_a_fifth_of_the_peak_reaches_it_after_a_tenth_and_ends_near_zero():
    rates, _ = learning_rates(250)
    assert rates[0] == pytest.approx(0.002)
    assert max(rates) == pytest.approx(0.01) and rates.index(max(rates)) == 24  # step 0.1 × 250 - 1
    assert rates[-1] == pytest.approx(0.002 / 1e4)


def test_both_phases_follow_half_a_cosine():
    rates, _ = learning_rates(250)
    warm_up_middle = 0.002 + (0.01 - 0.002) * (1 - math.cos(math.pi * 12 / 24)) / 2
    assert rates[12] == pytest.approx(warm_up_middle)
    decay_middle = (0.01 + 0.002 / 1e4) / 2  # half-way through the 225 steps after the peak
    assert (rates[24 + 112] + rates[24 + 113]) / 2 == pytest.approx(decay_middle, rel=1e-3)
    assert rates[:25] == sorted(rates[:25]) and rates[24:] == sorted(rates[24:], reverse=True)


def test_adam_keeps_a_short_gradient_memory_for_the_whole_run():
    _, beta1s = learning_rates(100)
    assert set(beta1s) == {0.8}  # OneCycleLR's momentum cycling is off


@pytest.mark.parametrize("total_steps", range(1, 21))
def test_runs_of_any_length_have_a_learning_rate_above_zero_and_never_above_the_peak(total_steps):
    rates, _ = learning_rates(total_steps)
    assert all(0 < rate <= 0.01 for rate in rates) and rates[0] >= 0.002


@pytest.mark.parametrize(("kind", "least"), [("mlp", 0.85), ("cnn", 0.90)])
def test_one_epoch_on_4000_images_classifies_most_of_1000_test_digits(mnist, kind, least):
    result = train_model(kind, SMALL, mnist)
    assert accuracy(result.model, mnist.x_test[:1000], mnist.y_test[:1000]) > least
    assert len(result.losses) == math.ceil(4_000 / SMALL.batch_size)
    assert sum(result.losses[-10:]) < sum(result.losses[:10])  # the loss went down
    assert not result.model.training and result.kind == kind and result.config == SMALL
    assert all(p.device.type == "cpu" for p in result.model.parameters())


def test_the_same_seed_gives_the_same_model_and_another_seed_a_different_one(mnist):
    config = TrainConfig(train_size=1_000)
    first, again = train_model("cnn", config, mnist), train_model("cnn", config, mnist)
    other = train_model("cnn", TrainConfig(train_size=1_000, seed=1), mnist)
    assert first.losses == again.losses
    for a, b in zip(first.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(a, b)
    assert first.losses != other.losses


def test_training_leaves_torchs_global_random_state_untouched(mnist):
    before = torch.get_rng_state()
    train_model("mlp", TrainConfig(train_size=1_000, augment_shift=2), mnist)
    assert torch.equal(torch.get_rng_state(), before)


def test_should_stop_interrupts_training_before_the_next_batch(mnist):
    steps_seen = []
    with pytest.raises(TrainingInterrupted, match="stopped at step 3"):
        train_model(
            "mlp",
            SMALL,
            mnist,
            should_stop=lambda: len(steps_seen) == 3,
            on_batch=lambda step, model: steps_seen.append(step),
        )
    assert steps_seen == [1, 2, 3]


def test_the_seconds_of_training_leave_out_the_time_should_stop_takes(mnist):
    config = TrainConfig(train_size=2_000)  # 32 batches
    started = time.perf_counter()
    result = train_model("mlp", config, mnist, should_stop=lambda: time.sleep(0.02) or False)  # others had the CPU
    wall = time.perf_counter() - started
    assert wall - result.seconds >= 32 * 0.02 and result.seconds > 0


def test_progress_reports_rising_fractions_ending_at_one_with_the_recent_loss(mnist):
    reports = []
    result = train_model(
        "mlp", TrainConfig(train_size=2_000, epochs=2), mnist, progress=lambda f, loss: reports.append((f, loss))
    )
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(reports) == math.ceil(len(result.losses) / 10)
    assert reports[-1][1] == pytest.approx(sum(result.losses[-10:]) / 10)


def test_training_on_randomly_shifted_images_makes_the_mlp_more_accurate_on_shifted_digits(mnist):
    plain = train_model("mlp", SMALL, mnist).model
    augmented = train_model("mlp", TrainConfig(train_size=4_000, augment_shift=2), mnist).model
    test_images, test_labels = mnist.x_test[:1000], mnist.y_test[:1000]
    shifted_plain = accuracy(plain, test_images, test_labels, dx=2, dy=2)
    shifted_augmented = accuracy(augmented, test_images, test_labels, dx=2, dy=2)
    assert shifted_augmented > shifted_plain + 0.1


def test_a_config_for_another_dataset_is_refused(mnist):
    with pytest.raises(ValueError, match="asks for KMNIST"):
        train_model("mlp", TrainConfig(dataset="KMNIST"), mnist)


@pytest.mark.slow
def test_default_models_reach_the_reference_accuracies_and_lose_them_when_digits_shift(mnist):
    """The page's headline: MLP ≥ 0.94, CNN ≥ 0.96 on all 10,000 test digits; both drop when digits move 2 px; the CNN less."""
    mlp = train_model("mlp", TrainConfig(), mnist).model
    cnn = train_model("cnn", TrainConfig(), mnist).model
    images, labels = mnist.x_test, mnist.y_test
    mlp_original, cnn_original = accuracy(mlp, images, labels), accuracy(cnn, images, labels)
    assert mlp_original >= 0.94 and cnn_original >= 0.96
    for dx, dy in [(2, 0), (2, 2)]:
        mlp_shifted = accuracy(mlp, images, labels, dx, dy)
        cnn_shifted = accuracy(cnn, images, labels, dx, dy)
        assert mlp_shifted < mlp_original and cnn_shifted < cnn_original
        assert cnn_shifted > mlp_shifted


def test_a_seeded_model_starts_from_the_same_weights_while_other_threads_build_models_at_once():
    config = TrainConfig()
    alone = [p.detach().clone() for p in seeded_model("cnn", config).parameters()]
    built = []

    def build_many():
        for _ in range(20):
            built.append(seeded_model("cnn", config))
            build_model("mlp", config)  # unseeded: draws from torch's global RNG meanwhile

    threads = [threading.Thread(target=build_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 120
    for model in built:
        assert all(torch.equal(a, b) for a, b in zip(alone, model.parameters()))
