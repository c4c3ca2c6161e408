"""Stand-ins for the dataset store and the training loop, so the serving machinery is tested in milliseconds."""

import threading
import time

import torch

from core.lab.config import TrainConfig
from core.lab.training import TrainingInterrupted, TrainResult
from core.serving.trainings import Job, model_key


class FakeDatasets:
    def get(self, name):
        return name


class FakeTrainer:
    """Counts trainings; each takes `seconds` (or seconds(config)) in `steps` batches, calling should_stop before each."""

    def __init__(self, seconds=0.2, fail=None, size=10, steps=10):
        self.seconds, self.fail, self.size, self.steps = seconds, fail, size, steps
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, kind, config, dataset, progress=None, should_stop=None):
        with self.lock:
            self.calls.append((kind, config))
        seconds = self.seconds(config) if callable(self.seconds) else self.seconds
        for step in range(self.steps):
            if should_stop and should_stop():
                raise TrainingInterrupted("stopped")
            if self.fail:
                raise self.fail
            time.sleep(seconds / self.steps)
            if progress:
                progress((step + 1) / self.steps, 1.0 / (step + 1))
        return TrainResult(torch.nn.Linear(self.size, 1), kind, config, seconds)


def wait(job, timeout=10):
    """Wait for a job as a page does: looking at it, so it is not abandoned."""
    deadline = time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        job.seen()
        time.sleep(0.01)
    return job


def trained_job(kind="mlp", config=TrainConfig(), size=10) -> Job:
    """A finished job, as the trainings hand it to the results."""
    model = torch.nn.Linear(size, 1)
    return Job(kind, config, model_key(kind, config), state="done", result=TrainResult(model, kind, config, 0.1))
