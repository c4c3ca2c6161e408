"""Page 1's "Gradient check" tab (being built in this change)."""

import streamlit as st


def gradient_check_tab(solution_text, inputs) -> None:
    st.info("Gradient check: coming in this change.")
