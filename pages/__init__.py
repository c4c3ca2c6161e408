"""The app's pages. Each page script calls `through_app_navigation()` first."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app_navigation() -> None:
    """Make sure the page runs under app.py's st.navigation.

    Until some session has called st.navigation, Streamlit treats a `pages/` folder the old way: a first
    visit straight to /convolution would run the page alone, without app.py's layout and page list.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
