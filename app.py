"""ConvLab's entry point: page setup and navigation. Run with `streamlit run app.py`.

`streamlit run` finds `app` (an st.App) at the bottom and serves it: at server start, before the first visitor's
browser has loaded Streamlit, the warm-up begins importing torch and loading the stored models. Each visitor's
session then runs this file as its script (as `__main__`), which draws the pages.
"""

import logging
from contextlib import asynccontextmanager

import streamlit as st

from core.serving.timing import timed
from core.serving.warm_up import warm_up_in_background
from pages.streamlit_internals import navigation_from_the_start, one_history_entry_per_page

# One line per training in the server log ("training started: …"): how a teacher, or a test, sees what ran.
convlab_log = logging.getLogger("convlab")
if not convlab_log.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s convlab %(message)s"))
    convlab_log.addHandler(handler)
    convlab_log.setLevel(logging.INFO)
    convlab_log.propagate = False


def draw_app() -> None:
    """One run of a session's script: the page set-up, the navigation and the page the learner is on."""
    st.set_page_config(page_title="ConvLab", page_icon="🧮", layout="wide")
    # Once per process: the server's start has usually begun it already (below); AppTest runs start it here.
    warm_up_in_background()
    pages = [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/convolution.py", title="Convolution by hand", icon="✍️", url_path="convolution"),
        st.Page("pages/worksheets.py", title="Worksheets", icon="🖨️", url_path="worksheets"),
        st.Page("pages/equivariance.py", title="Equivariance lab", icon="🔀", url_path="equivariance"),
        st.Page("pages/compare.py", title="Compare the fixes", icon="⚖️", url_path="compare"),
    ]
    page = st.navigation(pages)
    one_history_entry_per_page()
    with timed(f"page {page.url_path or 'home'}"):
        page.run()


@asynccontextmanager
async def warm_up_at_start(_app):
    """The server's start: a cold server (Community Cloud wakes a sleeping app for its first visitor) imports torch
    and loads the lab's stored models while that visitor's browser loads Streamlit (A/B figures: README, Speed).
    Every session's first run then goes through st.navigation below, even one that opens a page's URL first."""
    navigation_from_the_start()
    warm_up_in_background()
    yield


if __name__ == "__main__":
    draw_app()
else:
    app = st.App(__file__, lifespan=warm_up_at_start)
