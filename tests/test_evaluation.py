"""Facts about measuring accuracy on shifted images, mostly with toy models whose answers can be worked out by hand."""

import numpy as np
import pytest
import torch
from torch import nn

from core.lab.config import TrainConfig
from core.lab.data import load_mnist, to_float
from core.lab.evaluation import (
    accuracy,
    accuracy_grid,
    accuracy_of,
    class_probabilities,
    predict_logits,
    shift_consistency,
    shift_sweep,
    time_to_accuracy,
)
from core.lab.models import CNN
from core.lab.shift import shift_images
from core.lab.training import train_model


class BrightColumnOfTopRow(nn.Module):
    """Scores class c by pixel (0, c): it answers c for an image whose only bright pixel is at row 0, column c."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x[:, 0, 0, :10]


class ColumnOfBrightestPixel(nn.Module):
    """Answers (column of the brightest pixel) mod 10: a model that sees only where the ink is."""

    def forward(self, x):
        column_max = x[:, 0].amax(dim=1)  # (N, 28)
        return torch.stack([column_max[:, k::10].amax(dim=1) for k in range(10)], dim=1)


class TotalInk(nn.Module):
    """Answers from the sum of all pixels, which no circular shift changes."""

    def forward(self, x):
        total = x.sum(dim=(1, 2, 3))
        return torch.stack([torch.cos(total * k) for k in range(10)], dim=1)


@pytest.fixture
def top_row_digits():
    """Ten images: image c has one bright pixel at row 0, column c, and label c."""
    images = torch.zeros(10, 28, 28, dtype=torch.uint8)
    images[torch.arange(10), 0, torch.arange(10)] = 255
    return images, torch.arange(10)


def test_accuracy_is_1_unshifted_0_one_pixel_right_and_0_1_one_pixel_down(top_row_digits):
    images, labels = top_row_digits
    model = BrightColumnOfTopRow()
    assert accuracy(model, images, labels) == 1.0
    # One pixel right, image c is read as c + 1 (image 9's pixel leaves the scored columns: a tie, argmax 0).
    assert accuracy(model, images, labels, dx=1) == 0.0
    # One pixel down, nothing bright is left in row 0: every score ties and argmax says 0, right only for image 0.
    assert accuracy(model, images, labels, dy=1) == pytest.approx(0.1)


def test_accuracy_is_bit_for_bit_the_float32_mean_of_the_right_answers():
    # accuracy is read off the confusion matrix; the lab's numbers were the plain float32 mean, and must stay so.
    for n in (7, 1_000, 10_000):
        for right in range(n + 1):
            counts = np.zeros((10, 10), dtype=np.int64)
            counts[3, 3], counts[3, 5] = right, n - right
            assert accuracy_of(counts) == (torch.arange(n) < right).float().mean().item(), (n, right)
    images = torch.randint(0, 256, (1_000, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 10, (1_000,), generator=torch.Generator().manual_seed(1))
    model = BrightColumnOfTopRow()
    said = predict_logits(model, shift_images(images, 2, -1, "circular")).argmax(dim=1)
    assert accuracy(model, images, labels, 2, -1, "circular") == (said == labels).float().mean().item()


def test_predict_logits_in_batches_equals_the_model_on_all_images_at_once():
    torch.manual_seed(0)
    cnn = CNN().eval()
    images = torch.randint(0, 256, (600, 28, 28), dtype=torch.uint8)
    with torch.inference_mode():
        whole = cnn(to_float(images))
    torch.testing.assert_close(predict_logits(cnn, images, batch_size=256), whole, rtol=1e-5, atol=1e-5)


def test_shift_sweep_runs_33_evaluations_for_8_pixels_and_agrees_with_accuracy(top_row_digits):
    images, labels = top_row_digits
    model = BrightColumnOfTopRow()
    sweep = shift_sweep(model, images, labels, max_shift=8)
    assert model.calls == 1 + 16 + 16  # the unshifted images are evaluated once, not twice
    assert sweep.shifts.tolist() == list(range(-8, 9)) and sweep.mode == "zero"
    for index, s in enumerate(sweep.shifts):
        assert sweep.horizontal[index] == accuracy(model, images, labels, int(s), 0)
        assert sweep.vertical[index] == accuracy(model, images, labels, 0, int(s))
    assert sweep.horizontal[8] == sweep.vertical[8] == 1.0


def test_accuracy_grid_is_indexed_dy_then_dx(top_row_digits):
    images, labels = top_row_digits
    grid = accuracy_grid(BrightColumnOfTopRow(), images, labels, max_shift=2)
    assert grid.shape == (5, 5)
    assert grid[2, 2] == 1.0  # no shift
    assert grid[3, 2] == pytest.approx(0.1)  # dy = 1, dx = 0
    assert grid[2, 3] == 0.0  # dy = 0, dx = 1


def test_shift_consistency_is_one_for_a_model_blind_to_circular_shifts():
    images = torch.randint(0, 256, (300, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    assert shift_consistency(TotalInk(), images, max_shift=4, mode="circular") == 1.0


def test_shift_consistency_of_a_model_that_reads_position_is_the_chance_both_shifts_agree():
    # A single dot at the centre, shifted by dx1 and dx2 in -2..2: the answers agree only when dx1 == dx2.
    images = torch.zeros(5000, 28, 28, dtype=torch.uint8)
    images[:, 14, 14] = 255
    consistency = shift_consistency(ColumnOfBrightestPixel(), images, max_shift=2, seed=3)
    assert consistency == pytest.approx(1 / 5, abs=0.03)


def test_class_probabilities_are_the_softmax_of_the_shifted_images_scores():
    torch.manual_seed(0)
    cnn = CNN().eval()
    image = torch.randint(0, 256, (28, 28), dtype=torch.uint8)
    probabilities = class_probabilities(cnn, image, dx=3, dy=-1)
    moved = torch.roll(image, (-1, 3), dims=(0, 1))
    moved[:, :3] = 0
    moved[-1:, :] = 0
    with torch.inference_mode():
        expected = torch.softmax(cnn(to_float(moved))[0], dim=0)
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(torch.from_numpy(probabilities), expected)


def test_time_to_accuracy_stops_early_for_an_easy_target_and_is_none_for_an_impossible_one():
    mnist = load_mnist()
    config = TrainConfig(train_size=4_000)
    whole_run = train_model("mlp", config, mnist).seconds
    seconds = time_to_accuracy("mlp", config, mnist, target=0.5, eval_every_batches=5)
    assert seconds is not None and 0 < seconds < whole_run
    assert time_to_accuracy("mlp", TrainConfig(train_size=1_000), mnist, target=1.01, eval_every_batches=8) is None


def test_a_sweep_reports_its_progress_after_every_batch_up_to_one(top_row_digits):
    images, labels = top_row_digits
    fractions = []
    shift_sweep(BrightColumnOfTopRow(), images, labels, max_shift=2, step=fractions.append)
    assert len(fractions) == 9  # 9 shifts of one batch each
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_predict_logits_steps_once_per_batch():
    fractions = []
    predict_logits(CNN().eval(), torch.zeros(600, 28, 28, dtype=torch.uint8), batch_size=256, step=fractions.append)
    assert fractions == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_the_tables_shift_consistency_uses_the_fill_of_the_shifted_column_beside_it():
    from types import SimpleNamespace

    from core.lab.questions import Lab

    class Cache:
        """Computes every derived value at once, on a model that says 1 when it sees ink and 0 when it does not, and
        remembers their names."""

        names = []

        def derived(self, job, name, compute, uses_cpu=True):
            self.names.append(name)
            return compute(lambda x: nn.functional.one_hot((x.amax(dim=(1, 2, 3)) > 0).long(), 10).float())

        def peek(self, job, name):
            return None

        def stepper(self, job, name):
            return None

    images = torch.zeros(200, 28, 28, dtype=torch.uint8)
    images[:, 4:24, 0] = 255  # ink along the left edge only: a zero-filled shift to the left loses it
    dataset = SimpleNamespace(x_test=images, y_test=torch.zeros(200, dtype=torch.long))
    cache = Cache()
    job = SimpleNamespace(seen=lambda: None)
    wrap, zero = (Lab(cache, None).table({"cnn": job}, dataset, 2, 0, mode)[0] for mode in ("circular", "zero"))
    assert ("consistency", 4, "circular") in cache.names and ("consistency", 4, "zero") in cache.names
    assert wrap.consistency == 1.0 and zero.consistency < 1.0
