"""The benchmark still runs end to end (at tiny sizes: its figures mean nothing here, only that it works).

Not part of the suite (its three cold servers take minutes): `python -m pytest -m bench` runs it, and .ci/run does.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.bench
@pytest.mark.browser
def test_the_benchmark_prints_every_figure_with_its_target(chromium):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"], capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    for figure in [
        "both default models trained",
        "CNN speed-up over the tutorial way",
        "matrix-multiply peak",
        "shift sweep, both models",
        "the comparison's 9 models trained through the cache",
        "and every measurement the page shows ready",
        "the lab's default CNN and MLP already trained (a class arriving from the lab)",
        "CNN, circular + APS + global average: its training loop",
        "MLP + shift augmentation: its training loop",
        "lab redraw after a slider move",
        "page 1 redraw after an input edit",
        "server start to page 1 complete",
        "server start to the lab complete",
        "until the table and feature maps show",
        "background warm-up done",
        "opened after the warm-up",
        "server memory",
        "Reference table",
    ]:
        assert figure in out, f"{figure!r} missing from the benchmark's output:\n{out}"
    assert "trainings caused by the slider moves | 0 |" in out
