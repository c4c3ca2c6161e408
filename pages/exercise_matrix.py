"""Page 1's "The layer as a matrix" tab (being built in this change)."""

import streamlit as st


def matrix_tab(solution_text, inputs) -> None:
    st.info("The layer as a matrix: coming in this change.")
