"""Loads MNIST (bundled) and its two look-alikes (downloaded once, then cached) as uint8 tensors."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import socket
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

BUNDLED_MNIST = Path(__file__).resolve().parents[2] / "data" / "mnist.npz"
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"

# MNIST's pixel statistics, used for every dataset so that a model never meets
# an image converted differently from the images it was trained on.
PIXEL_MEAN = 0.1307
PIXEL_STD = 0.3081

DATASETS = ("MNIST", "Fashion-MNIST", "KMNIST")
DOWNLOAD_TIMEOUT_SECONDS = 10.0

CLASS_NAMES = {
    "MNIST": tuple(str(digit) for digit in range(10)),
    "Fashion-MNIST": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "KMNIST": ("お o", "き ki", "す su", "つ tsu", "な na", "は ha", "ま ma", "や ya", "れ re", "を wo"),
}
SOURCES = {
    "MNIST": "MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, licensed CC BY-SA 3.0.",
    "Fashion-MNIST": "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf (Zalando Research), MIT License.",
    "KMNIST": "Kuzushiji-MNIST by Tarin Clanuwat et al. (CODH, ROIS-DS), licensed CC BY-SA 4.0.",
}
# The torchvision class that knows where each downloadable dataset lives.
TORCHVISION_CLASSES = {"Fashion-MNIST": "FashionMNIST", "KMNIST": "KMNIST"}
ARRAY_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


class DataError(Exception):
    """A dataset could not be loaded; the message says why in one sentence for a student or teacher."""


@dataclass(frozen=True)
class Dataset:
    """Training and test images (uint8, N×28×28) with int64 labels, class names and attribution."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    class_names: tuple[str, ...]
    source: str


def to_float(images: torch.Tensor) -> torch.Tensor:
    """Turn uint8 images (N, 28, 28) into the normalised float32 batch (N, 1, 28, 28) every model reads."""
    if images.dim() == 2:
        images = images.unsqueeze(0)
    # (x / 255 - mean) / std, folded into one subtraction and one multiplication.
    return (images.unsqueeze(1).to(torch.float32) - 255 * PIXEL_MEAN).mul_(1 / (255 * PIXEL_STD))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mnist(path: Path = BUNDLED_MNIST) -> Dataset:
    """The bundled MNIST, after checking its sha256 against the one it shipped with."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The bundled MNIST file {path} is missing; restore data/mnist.npz from the repository.")
    if sha256_of(path) != MNIST_SHA256:
        raise DataError(
            f"The bundled MNIST file {path} is damaged (its checksum does not match); "
            "restore data/mnist.npz from the repository."
        )
    return dataset_from_npz("MNIST", path)


def dataset_from_npz(name: str, path: Path) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ARRAY_SHAPES}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"The {name} file {path} could not be read ({error}).") from error
    check_arrays(name, arrays)
    return Dataset(
        name=name,
        x_train=torch.from_numpy(arrays["x_train"]),
        y_train=torch.from_numpy(arrays["y_train"].astype(np.int64)),
        x_test=torch.from_numpy(arrays["x_test"]),
        y_test=torch.from_numpy(arrays["y_test"].astype(np.int64)),
        class_names=CLASS_NAMES[name],
        source=SOURCES[name],
    )


def check_arrays(name: str, arrays: dict[str, np.ndarray]) -> None:
    for key, shape in ARRAY_SHAPES.items():
        array = arrays[key]
        if array.shape != shape or array.dtype != np.uint8:
            raise DataError(
                f"The {name} data has the wrong form: {key} is {array.dtype} {array.shape}, expected uint8 {shape}."
            )
    for key in ("y_train", "y_test"):
        if arrays[key].max() > 9:
            raise DataError(f"The {name} data has labels above 9 in {key}.")


def load_dataset(name: str, cache_dir: Path, download: bool = True) -> Dataset:
    """MNIST from the repository; Fashion-MNIST and KMNIST from cache_dir, downloading them the first time."""
    if name not in DATASETS:
        raise DataError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    if name == "MNIST":
        return load_mnist()
    cache_dir = Path(cache_dir)
    cached = cache_dir / f"{name.lower()}.npz"
    if cached.exists():
        return load_cached(name, cached)
    if not download:
        raise DataError(f"{name} is not downloaded yet and downloading is switched off.")
    download_to_cache(name, cached)
    return load_cached(name, cached)


def sidecar_of(cached: Path) -> Path:
    return cached.with_name(cached.name + ".sha256")


def load_cached(name: str, cached: Path) -> Dataset:
    """Our own cached npz, trusted only if it matches the checksum written next to it."""
    sidecar = sidecar_of(cached)
    try:
        expected = sidecar.read_text().strip()
        intact = sha256_of(cached) == expected
        dataset = dataset_from_npz(name, cached) if intact else None
    except (OSError, DataError):
        dataset = None
    if dataset is None:
        # A damaged cache would fail the same way on every run, so it is removed.
        cached.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        raise DataError(
            f"The cached copy of {name} in {cached.parent} was damaged and has been deleted; "
            "load it again to download a fresh copy."
        )
    return dataset


def download_to_cache(name: str, cached: Path) -> None:
    """Download through torchvision into a temporary folder and write one npz atomically, or leave nothing."""
    offline_message = (
        f"{name} needs the internet for its first download; connect and try again, or use the bundled MNIST."
    )
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        download_dir = Path(tempfile.mkdtemp(prefix=f".{cached.stem}-download-", dir=cached.parent))
    except OSError as error:
        raise DataError(f"{name} cannot be stored in {cached.parent} ({error}).") from error
    previous_timeout = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
        arrays = download_arrays(name, download_dir)
        check_arrays(name, arrays)
        write_npz_atomically(arrays, cached)
    except DataError as error:
        raise DataError(f"The {name} download was damaged and has been discarded; try again. ({error})") from error
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DataError(
                f"{name} could not be saved because the disk is full; free some space and try again."
            ) from error
        raise DataError(offline_message) from error
    except Exception as error:  # torchvision reports failed downloads as RuntimeError and friends.
        raise DataError(offline_message) from error
    finally:
        socket.setdefaulttimeout(previous_timeout)
        shutil.rmtree(download_dir, ignore_errors=True)


def download_arrays(name: str, download_dir: Path) -> dict[str, np.ndarray]:
    import torchvision.datasets  # Imported here: it is slow to import and only downloads need it.

    torchvision_class = getattr(torchvision.datasets, TORCHVISION_CLASSES[name])
    arrays = {}
    for split in ("train", "test"):
        part = torchvision_class(root=str(download_dir), train=split == "train", download=True)
        arrays[f"x_{split}"] = np.asarray(part.data, dtype=np.uint8)
        arrays[f"y_{split}"] = np.asarray(part.targets, dtype=np.uint8)
    return arrays


def write_npz_atomically(arrays: dict[str, np.ndarray], cached: Path) -> None:
    """Write the npz, then its checksum sidecar, each complete or not at all."""
    try:
        with atomic_file(cached) as file:
            np.savez_compressed(file, **arrays)
        with atomic_file(sidecar_of(cached)) as file:
            file.write(f"{sha256_of(cached)}\n".encode())
    except BaseException:
        cached.unlink(missing_ok=True)  # without its checksum it would only be rejected later
        raise


@contextlib.contextmanager
def atomic_file(final: Path):
    """Write to a uniquely named temporary file next to `final`, which replaces `final` only on success."""
    descriptor, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
