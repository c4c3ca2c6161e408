"""The datasets a server has loaded, shared by every session."""

import threading
import time
from collections.abc import Callable

from core.lab.data import DataError, Dataset, load_dataset


class DatasetStore:
    """Each dataset loaded once per process; a failure is remembered briefly so a class does not hammer a download."""

    def __init__(self, cache_dir, loader: Callable = load_dataset, retry_after: float = 60.0):
        self._cache_dir = cache_dir
        self._loader = loader
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._datasets: dict[str, Dataset] = {}
        self._failures: dict[str, tuple[float, str]] = {}

    def get(self, name: str) -> Dataset:
        with self._lock:
            if name in self._datasets:
                return self._datasets[name]
            failed = self._failures.get(name)
            if failed and time.monotonic() - failed[0] < self._retry_after:
                raise DataError(failed[1])
            try:
                dataset = self._loader(name, self._cache_dir)
            except DataError as error:
                self._failures[name] = (time.monotonic(), str(error))
                raise
            self._datasets[name] = dataset
            return dataset
