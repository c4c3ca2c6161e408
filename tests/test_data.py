"""Facts about loading MNIST, caching its look-alikes, and the one uint8 → float conversion."""

import errno
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
import torch

import core.lab.data as data
from core.lab.data import BUNDLED_MNIST, DataError, load_dataset, load_mnist, to_float


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_bundled_mnist_has_60000_training_and_10000_test_images_of_28x28_uint8(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == torch.uint8
    assert mnist.x_test.shape == (10000, 28, 28) and mnist.x_test.dtype == torch.uint8
    assert mnist.y_train.dtype == torch.int64 and mnist.y_test.dtype == torch.int64
    assert set(mnist.y_train.unique().tolist()) == set(range(10))
    assert mnist.class_names == tuple("0123456789")
    assert "LeCun" in mnist.source


def test_mnist_training_pixels_have_mean_0_1307_and_std_0_3081(mnist):
    pixels = mnist.x_train.double() / 255
    assert pixels.mean().item() == pytest.approx(0.1307, abs=1e-4)
    assert pixels.std().item() == pytest.approx(0.3081, abs=1e-4)


def test_to_float_equals_torchvision_to_tensor_then_normalize(mnist):
    from PIL import Image
    from torchvision import transforms

    tutorial = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    images = mnist.x_test[:5]
    expected = torch.stack([tutorial(Image.fromarray(image.numpy())) for image in images])
    converted = to_float(images)
    assert converted.shape == (5, 1, 28, 28) and converted.dtype == torch.float32
    torch.testing.assert_close(converted, expected, rtol=0, atol=1e-5)


def test_to_float_maps_black_to_minus_0_4242_and_white_to_2_8215():
    black_and_white = torch.tensor([[0, 255]], dtype=torch.uint8)
    values = to_float(black_and_white).flatten().tolist()
    assert values == pytest.approx([-0.1307 / 0.3081, (1 - 0.1307) / 0.3081], abs=1e-5)


def test_a_missing_mnist_file_is_reported_as_missing(tmp_path):
    with pytest.raises(DataError, match="is missing"):
        load_mnist(tmp_path / "mnist.npz")


def test_an_mnist_file_with_one_changed_byte_fails_the_checksum(tmp_path):
    copy = tmp_path / "mnist.npz"
    shutil.copy(BUNDLED_MNIST, copy)
    content = bytearray(copy.read_bytes())
    content[len(content) // 2] ^= 0xFF
    copy.write_bytes(bytes(content))
    with pytest.raises(DataError, match="checksum does not match"):
        load_mnist(copy)


def test_a_corrupt_npz_is_a_data_error_not_a_crash(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip archive")
    with pytest.raises(DataError, match="could not be read"):
        data.dataset_from_npz("MNIST", garbage)


def test_an_unknown_dataset_name_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="Unknown dataset"):
        load_dataset("CIFAR-10", tmp_path)


def test_loading_mnist_by_name_gives_the_bundled_copy(tmp_path, mnist):
    by_name = load_dataset("MNIST", tmp_path)
    assert torch.equal(by_name.x_test, mnist.x_test)
    assert list(tmp_path.iterdir()) == []


# ---- Fashion-MNIST and KMNIST: downloaded once through torchvision, then cached ----


class FakeDownload:
    """Stands in for torchvision.datasets.FashionMNIST: images whose pixels equal their label."""

    calls = 0

    def __init__(self, root, train, download):
        type(self).calls += 1
        count = 60000 if train else 10000
        self.targets = torch.arange(count) % 10
        self.data = self.targets.to(torch.uint8).view(count, 1, 1).expand(count, 28, 28).contiguous()


class OfflineDownload:
    def __init__(self, root, train, download):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: [Errno -3] name resolution failed")


class HalfwayDownload:
    """Writes part of a raw file into its folder, then loses the connection."""

    def __init__(self, root, train, download):
        raw = Path(root) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + b"\0" * 1000)
        raise ConnectionResetError("connection reset by peer")


class GarbageDownload:
    """Completes, but with images of the wrong size."""

    def __init__(self, root, train, download):
        self.data = torch.zeros(5, 32, 32, dtype=torch.uint8)
        self.targets = torch.zeros(5, dtype=torch.int64)


@pytest.fixture
def fake_torchvision(monkeypatch):
    import torchvision.datasets

    def use(fake):
        FakeDownload.calls = 0
        monkeypatch.setattr(torchvision.datasets, "FashionMNIST", fake)

    return use


def test_first_download_is_cached_with_a_checksum_and_then_loads_offline(tmp_path, fake_torchvision):
    fake_torchvision(FakeDownload)
    first = load_dataset("Fashion-MNIST", tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fashion-mnist.npz", "fashion-mnist.npz.sha256"]
    assert (tmp_path / "fashion-mnist.npz.sha256").read_text().strip() == data.sha256_of(tmp_path / "fashion-mnist.npz")
    assert first.x_train.shape == (60000, 28, 28) and int(first.x_train[13, 5, 5]) == 3
    assert first.class_names[9] == "Ankle boot" and "Zalando" in first.source

    fake_torchvision(OfflineDownload)
    second = load_dataset("Fashion-MNIST", tmp_path, download=False)
    assert torch.equal(second.x_train, first.x_train) and torch.equal(second.y_test, first.y_test)


def test_offline_first_download_says_the_internet_is_needed_and_leaves_no_file(tmp_path, fake_torchvision):
    fake_torchvision(OfflineDownload)
    with pytest.raises(DataError, match="Fashion-MNIST needs the internet for its first download"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_download_stopped_half_way_leaves_no_file(tmp_path, fake_torchvision):
    fake_torchvision(HalfwayDownload)
    with pytest.raises(DataError, match="needs the internet"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_download_of_garbage_is_rejected_and_leaves_no_file(tmp_path, fake_torchvision):
    fake_torchvision(GarbageDownload)
    with pytest.raises(DataError, match="wrong form"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_the_cache_is_reported_and_leaves_no_file(tmp_path, fake_torchvision, monkeypatch):
    fake_torchvision(FakeDownload)

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(DataError, match="disk is full"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_after_the_npz_but_before_its_checksum_leaves_no_file(tmp_path, fake_torchvision, monkeypatch):
    fake_torchvision(FakeDownload)

    def disk_full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data, "sha256_of", disk_full)
    with pytest.raises(DataError, match="disk is full"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_cached_file_is_deleted_and_reported(tmp_path, fake_torchvision):
    fake_torchvision(FakeDownload)
    load_dataset("Fashion-MNIST", tmp_path)
    cached = tmp_path / "fashion-mnist.npz"
    cached.write_bytes(cached.read_bytes()[:1000])
    with pytest.raises(DataError, match="damaged and has been deleted"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []
    load_dataset("Fashion-MNIST", tmp_path)
    assert FakeDownload.calls == 4  # two splits, downloaded twice: the deleted copy was fetched again


def test_a_cached_file_without_its_checksum_is_not_trusted(tmp_path, fake_torchvision):
    fake_torchvision(FakeDownload)
    load_dataset("Fashion-MNIST", tmp_path)
    (tmp_path / "fashion-mnist.npz.sha256").unlink()
    with pytest.raises(DataError, match="damaged"):
        load_dataset("Fashion-MNIST", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_with_downloads_off_a_missing_dataset_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not downloaded yet"):
        load_dataset("KMNIST", tmp_path, download=False)


def test_downloads_use_a_10_second_socket_timeout_and_restore_the_old_one(tmp_path, monkeypatch):
    import torchvision.datasets

    seen = []

    class RecordTimeout(OfflineDownload):
        def __init__(self, root, train, download):
            seen.append(socket.getdefaulttimeout())
            super().__init__(root, train, download)

    monkeypatch.setattr(torchvision.datasets, "KMNIST", RecordTimeout)
    before = socket.getdefaulttimeout()
    with pytest.raises(DataError, match="KMNIST needs the internet"):
        load_dataset("KMNIST", tmp_path)
    assert seen == [10.0]
    assert socket.getdefaulttimeout() == before
