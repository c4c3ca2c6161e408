"""Page 1's "As a matrix" tab: the layer as ŷ = W x̃ + b, and its backward pass as Wᵀ ∂L/∂ŷ."""

import streamlit as st

from core.exercise.views.matrix_chart import CHART_NOTE
from core.exercise.views.matrix_view import matrix_view
from pages.exercise_highlight import pick_highlight


def matrix_tab(solution_text, inputs) -> None:
    layer = inputs.layer
    view = matrix_view(layer, inputs.y, inputs.rule, pick_highlight(layer))
    st.markdown(view.shape)
    if view.matrix is not None:
        st.markdown(view.matrix)
    else:
        st.vega_lite_chart(spec=view.chart, width="content")
        st.caption(CHART_NOTE)
    st.markdown(view.forward)
    if view.highlight:
        st.markdown(view.highlight)
    if view.backward is not None:
        st.markdown(view.backward)
    else:
        st.info(view.missing)
    st.markdown(view.transposed)
