"""Worksheets: exercise sheets for a class, with answer keys, as PDF and Markdown (being built in this change)."""

import streamlit as st

from pages.streamlit_internals import through_app_navigation

through_app_navigation()

st.title("🖨️ Worksheets")
st.info("Worksheets: coming in this change.")
