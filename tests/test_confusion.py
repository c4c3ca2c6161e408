"""The confusion matrix counts what a model says of each shifted test image; its largest cell is named in words."""

import numpy as np
import torch
from torch import nn

from core.lab.confusion import confusion_charts, confusion_matrix, largest_confusion
from core.lab.shift import shift_images

DIGITS = tuple(str(d) for d in range(10))


class BrightestColumn(nn.Module):
    """Says the class of the column (0..9, from the left) with the most ink: a model that notices shifts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0, :, :10].sum(dim=1)


def test_the_matrix_counts_each_images_true_class_against_the_predicted_one_after_the_shift():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (300, 28, 28), generator=generator, dtype=torch.uint8)
    labels = torch.randint(0, 10, (300,), generator=generator)
    model = BrightestColumn()
    for dx, dy, mode in [(0, 0, "zero"), (3, -1, "zero"), (-5, 2, "circular")]:
        matrix = confusion_matrix(model, images, labels, dx, dy, mode)
        with torch.inference_mode():
            from core.lab.data import to_float

            predicted = model(to_float(shift_images(images, dx, dy, mode))).argmax(dim=1)
        expected = np.zeros((10, 10), dtype=int)
        for true, said in zip(labels.tolist(), predicted.tolist()):
            expected[true, said] += 1
        assert matrix.shape == (10, 10)
        assert (matrix == expected).all()
        assert matrix.sum() == len(images)
        assert (matrix.sum(axis=1) == np.bincount(labels.numpy(), minlength=10)).all()  # rows: the true classes


def test_a_shift_that_moves_ink_into_another_column_changes_the_predicted_class():
    image = torch.zeros(1, 28, 28, dtype=torch.uint8)
    image[0, 5:20, 3] = 255  # ink in column 3
    label = torch.tensor([3])
    assert confusion_matrix(BrightestColumn(), image, label)[3, 3] == 1
    assert confusion_matrix(BrightestColumn(), image, label, dx=4)[3, 7] == 1


def test_the_largest_confusion_is_named_with_its_count_the_true_class_size_and_the_share():
    matrix = np.diag([980, 1135, 1032, 1010, 925, 892, 958, 1028, 974, 1009])
    matrix[4, 9] = 57
    matrix[7, 2] = 12
    assert largest_confusion(matrix, DIGITS, "the CNN") == (
        "The CNN most often reads a 4 as a 9: 57 of 982 fours (5.8%)."
    )
    matrix[3, 8] = 2_000
    assert "reads a 3 as an 8: 2,000 of 3,010 threes (66.4%)" in largest_confusion(matrix, DIGITS, "the MLP")


def test_two_equal_confusions_are_both_named_and_more_are_counted():
    matrix = np.diag([100] * 10)
    matrix[7, 2] = matrix[4, 9] = 5
    assert largest_confusion(matrix, DIGITS, "the MLP") == (
        "The MLP most often reads a 4 as a 9 and a 7 as a 2: 5 of 105 fours (4.8%) and 5 of 105 sevens (4.8%)."
    )
    matrix[0, 6] = 5
    assert largest_confusion(matrix, DIGITS, "the MLP") == (
        "The MLP most often reads a 0 as a 6: 5 of 105 zeros (4.8%); 2 other confusions happen as often."
    )


def test_when_a_smaller_count_is_a_larger_share_of_its_class_that_darker_cell_is_named_too():
    matrix = np.diag([980, 540, 1032, 1010, 982, 892, 431, 1028, 974, 1009])
    matrix[1, 7] = 595  # 595 of 1,135 ones: the largest count, 52.4%
    matrix[6, 2] = 527  # 527 of 958 sixes: a smaller count, the largest share 55.0%
    assert largest_confusion(matrix, DIGITS, "the MLP") == (
        "The MLP most often reads a 1 as a 7: 595 of 1,135 ones (52.4%);"
        " the largest share: 527 of 958 sixes (55.0%) read as a 2."
    )
    matrix[6, 2] = 400  # now 400 of 831 sixes, 48.1%: the largest count is also the largest share
    assert "largest share" not in largest_confusion(matrix, DIGITS, "the MLP")


def test_a_model_that_confuses_nothing_is_said_to():
    matrix = np.diag([3, 1, 0, 0, 0, 0, 0, 0, 0, 2_000])
    assert largest_confusion(matrix, DIGITS, "the CNN") == (
        "The CNN confuses no class with another: it reads all 2,004 images as their own class."
    )


def test_classes_that_are_not_digits_are_quoted():
    names = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    matrix = np.diag([900] * 10)
    matrix[6, 0] = 100
    assert "reads “Shirt” as “T-shirt/top”: 100 of 1,000 images of “Shirt” (10.0%)" in largest_confusion(matrix, names)


def test_the_heat_maps_carry_every_nonzero_count_and_share_one_colour_scale():
    mlp = np.diag([50] * 10)
    mlp[4, 9] = 50
    cnn = np.diag([99] * 10)
    cnn[1, 7] = 1
    charts = confusion_charts({"MLP": mlp, "CNN": cnn}, DIGITS, "shifted by (2, 0), zero fill")
    for model, matrix in (("MLP", mlp), ("CNN", cnn)):
        spec = charts[model]
        rows = next(iter(spec["datasets"].values()))
        assert {(r["true"], r["predicted"]): r["count"] for r in rows} == {
            (str(t), str(p)): int(matrix[t, p]) for t, p in zip(*np.nonzero(matrix))
        }
        assert spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
        scales = [layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {})]
        assert any(scale.get("scale", {}).get("domain") == [0, 0.5] for scale in scales)  # the MLP's 50% sets it
