"""Page 1's "Shift the input" tab (being built in this change)."""

import streamlit as st


def shift_tab(solution_text, inputs) -> None:
    st.info("Shift the input: coming in this change.")
