"""`streamlit run app.py` as Community Cloud starts it for a sleeping app's first visitor."""

import time

from bench.server import StreamlitServer


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
