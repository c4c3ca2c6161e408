"""A smaller class at once, against a real server: bench/load.py with fewer sessions, every figure checked.

Marked bench: it runs after the suite in CI (`python -m pytest -m bench`), outside the suite's ten minutes.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def figure(out: str, name: str) -> str:
    match = re.search(rf"\| {re.escape(name)}[^|]* \| ([^|]+) \|", out)
    assert match, f"{name!r} missing from the load report:\n{out}"
    return match.group(1).strip()


@pytest.mark.bench
@pytest.mark.browser
def test_four_sessions_at_once_share_one_training_each_and_hostile_links_never_break_a_page(chromium):
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--sessions",
            "4",
            "--settings",
            "2",
            "--hostile",
            "5",
            "--budget-mb",
            "8",  # holds the stored models and the comparison's, so only the other settings are evicted
            "--compare-images",
            "1000",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = run.stdout
    assert run.returncode == 0, f"{out}\n{run.stderr[-3000:]}"
    assert figure(out, "sessions that showed the table") == "4 of 4"
    assert figure(out, "trainings run for them") == "0"  # the default MLP and CNN are loaded from data/trained/
    # then all four open the comparison of the fixes: its tables in every session, each variant trained once for all
    assert figure(out, "sessions that showed its tables") == "4 of 4"
    assert figure(out, "trainings run for the comparison") == "9"
    assert figure(out, "variants whose model trained exactly once") == "9 of 9"
    median, worst = (float(text.split()[0]) for text in figure(out, "time until they showed them").split(" / "))
    assert 0 < median <= worst
    assert int(figure(out, "models evicted to stay within")) >= 1
    assert float(figure(out, "largest cache size after an eviction").split()[0]) <= 8.0
    assert figure(out, "hostile links opened").startswith("5 ")
    assert figure(out, "failures") == "0"
