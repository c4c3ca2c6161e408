"""`streamlit run app.py` as Community Cloud starts it for a sleeping app's first visitor, and the warm-up it starts."""

import subprocess
import sys
import time
from pathlib import Path

from bench.server import StreamlitServer

ROOT = Path(__file__).resolve().parents[1]


def test_the_server_loads_the_lab_before_its_first_visitor_arrives():
    # app.py's st.App starts the warm-up at server start: torch imported, stored models and sweeps loaded, while
    # the visitor's browser is still loading Streamlit. No page has been opened here.
    with StreamlitServer(None) as server:
        deadline = time.monotonic() + 90
        while "warm-up finished" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        log = server.log_text()
    assert "objects left out of garbage collection" in log
    assert "warm-up finished" in log, log
    assert "training started:" not in log, "the defaults are loaded from data/trained/, not trained"


def test_after_the_pages_imports_are_frozen_a_full_collection_walks_only_what_came_later():
    # In a fresh interpreter: freezing is for the whole process, and this test's own must stay collectable.
    script = """
import gc, sys
from core.serving.warm_up import freeze_after_imports
tracked = len(gc.get_objects())
frozen = freeze_after_imports()
later = [[i] for i in range(1000)]
print(tracked, frozen, len(gc.get_objects()), all(m in sys.modules for m in ("torch", "altair", "pandas")))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    tracked, frozen, walked, imported = result.stdout.split()
    assert imported == "True", "torch, altair and pandas are imported before the freeze"
    assert int(frozen) > 100_000 and int(frozen) > int(tracked)
    assert int(walked) < 5_000, "what Streamlit's collection after each run walks: only what came after the freeze"
