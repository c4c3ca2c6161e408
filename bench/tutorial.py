"""The tutorial way of training MNIST, as the baseline for ConvLab's training speed.

A torchvision-style Dataset that turns each image into a tensor and normalises it one at a time
(transforms.ToTensor, transforms.Normalize), a DataLoader with batch size 64, and Adam at 1e-3,
training the same architecture as ConvLab's default model.
"""

import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms

from core.lab.config import TrainConfig
from core.lab.data import PIXEL_MEAN, PIXEL_STD, Dataset
from core.lab.evaluation import accuracy
from core.lab.models import build_model


class TutorialMnist(torch.utils.data.Dataset):
    """One image at a time: uint8 array → PIL image → float tensor → normalised tensor."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images, self.labels = images, labels
        self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((PIXEL_MEAN,), (PIXEL_STD,))])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        return self.transform(Image.fromarray(self.images[index])), int(self.labels[index])


def tutorial_time_to_accuracy(
    kind: str,
    dataset: Dataset,
    target: float,
    eval_every_batches: int = 5,
    max_batches: int | None = None,
    seed: int = 0,
) -> tuple[float | None, int]:
    """Training seconds (evaluations excluded) until test accuracy first reaches target, and the batches it took."""
    torch.manual_seed(seed)
    model = build_model(kind, TrainConfig())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TutorialMnist(dataset.x_train.numpy(), dataset.y_train.numpy()), batch_size=64, shuffle=True)
    started, paused, batches = time.perf_counter(), 0.0, 0
    for _ in range(3):  # epochs: the target is reached long before the third
        for images, labels in loader:
            model.train()
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
            batches += 1
            if batches % eval_every_batches == 0:
                pause = time.perf_counter()
                model.eval()
                if accuracy(model, dataset.x_test, dataset.y_test) >= target:
                    return pause - started - paused, batches
                paused += time.perf_counter() - pause
            if max_batches is not None and batches >= max_batches:
                return None, batches
    return None, batches
