"""Page 1's "Gradient check" tab: each exact gradient beside a finite difference, and its error against the step ε."""

import streamlit as st

from core.exercise.views.gradient_check import (
    STEP_NOTE,
    check_table,
    error_sweep,
    gradient_check,
    parameter_names,
    reading,
    sweep_chart,
    verdict,
)

PARAMETER_KEY = "gradient_check_parameter"


def gradient_check_tab(solution_text, inputs) -> None:
    layer, y = inputs.layer, inputs.y
    if layer is None or y is None:
        st.info("The gradient check needs the loss, so the targets y too: fix the field marked above.")
        return
    checks = gradient_check(layer, y, inputs.rule)
    st.markdown(check_table(checks))
    st.markdown(verdict(checks))
    st.caption(STEP_NOTE)

    names = parameter_names(layer)
    if st.session_state.get(PARAMETER_KEY) not in names:  # a shorter w or x since it was picked
        st.session_state[PARAMETER_KEY] = names[0]
    name = st.selectbox(
        "Parameter", names, key=PARAMETER_KEY, width=220, help="Whose finite differences the chart shows."
    )
    sweep = error_sweep(layer, y, inputs.rule, name)
    st.vega_lite_chart(spec=sweep_chart(sweep), width="stretch")
    st.markdown(reading(sweep))
