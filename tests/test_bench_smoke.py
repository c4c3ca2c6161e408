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
        # --memory-python with this interpreter: the code path of the CPU-only torch measurement (bench/memory.py)
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--memory-python", sys.executable],
        capture_output=True,
        text=True,
        timeout=1200,
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
        "Streamlit's floor (bench/floor_app.py",
        "page 1, Worked solution tab: a new bias typed",
        "page 1, Sliding window tab: a new bias typed",
        "lab: a dx step (arrow key)",
        "lab: a dy step",
        "lab: another test image typed",
        "comparison: a dx step",
        "cold server, the lab opened first: the table and feature maps shown",
        "and the lab complete (the accuracy-against-shift chart included)",
        "cold server, page 1 opened first: complete",
        "server memory through that session",
        "peak server memory through a typical session, torch",
        "Reference table",
    ]:
        assert figure in out, f"{figure!r} missing from the benchmark's output:\n{out}"
    assert "trainings caused by those redraws | 0 |" in out
    assert "trainings it ran (the defaults are stored in data/trained/) | 0 |" in out
    assert out.count("(floor p95 ") >= 6, "every redraw printed beside Streamlit's floor"
