"""ConvLab's entry point: page setup and navigation. Run with `streamlit run app.py`."""

import logging

import streamlit as st

from core.serving.timing import timed
from core.serving.warm_up import warm_up_in_background
from pages.streamlit_internals import one_history_entry_per_page

# One line per training in the server log ("training started: …"): how a teacher, or a test, sees what ran.
convlab_log = logging.getLogger("convlab")
if not convlab_log.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s convlab %(message)s"))
    convlab_log.addHandler(handler)
    convlab_log.setLevel(logging.INFO)
    convlab_log.propagate = False

st.set_page_config(page_title="ConvLab", page_icon="🧮", layout="wide")
# The lab's default models train while the first visitor reads page 1 or the home page.
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
