"""Page 1's "Shift the input" tab: move x, see which outputs simply moved with it and which changed, then the lab."""

import streamlit as st

from core.exercise.views.shift_bridge import (
    LAB_SENTENCE,
    POOL,
    SYMBOLS,
    Stage,
    conv_sentences,
    lab_query,
    lab_shift,
    pool_sentences,
    shift_outputs,
    shift_range,
    verdict,
)
from core.exercise.views.shift_chart import shift_chart
from core.exercise.writing.numbers import MINUS, as_text, format_number
from pages.page_state import remember

SHIFT_KEYS = ["shift_by", "shift_pool"]


def set_shift(t: int) -> None:
    st.session_state["shift_by"] = t


def fates_table(stage: Stage) -> str:
    """One row per output: its value for x and for x shifted, and what became of it."""
    name, shifted_name, _, _ = SYMBOLS[stage.name]
    rows = [f"| | {name} (x) | {shifted_name} (x shifted) | what happened |", "|---|---|---|---|"]
    for fate, value in zip(stage.fates, stage.original):
        numbers = f"{as_text(format_number(value))} | {as_text(format_number(fate.value))}"
        rows.append(f"| {fate.index + 1} | {numbers} | {verdict(fate, stage)} |")
    return "\n".join(rows)


def shift_tab(solution_text, inputs) -> None:
    layer = inputs.layer
    if layer is None:
        st.info("Fix the fields marked above to shift the input.")
        return
    remember("convolution_shift", SHIFT_KEYS)
    limit, k = shift_range(layer), len(layer.w)
    if abs(st.session_state.get("shift_by", 1)) > limit:  # x got shorter since the slider was set
        st.session_state["shift_by"] = max(-limit, min(limit, st.session_state["shift_by"]))
    st.markdown(
        "Move x along, zeros coming in and values pushed off the end lost, and run the same layer on it. Which outputs "
        "simply move with the input, and which change?"
    )
    controls = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
    t = controls.slider("Shift x by (positions; negative: to the left)", -limit, limit, 1, key="shift_by", width=320)
    controls.button("Shift by 1", on_click=set_shift, args=(1,))
    controls.button(f"Shift by k = {k}", on_click=set_shift, args=(min(k, limit),))
    pooled = st.toggle(f"Then max-pool the outputs (size {POOL}, stride {POOL}), as a CNN does", True, key="shift_pool")

    result = shift_outputs(layer, t)
    st.vega_lite_chart(spec=shift_chart(layer, t, pooled), width="content")
    st.markdown(" ".join(conv_sentences(result)))
    with st.expander("Every output, before and after the shift"):
        st.markdown(fates_table(result.conv))
    if pooled:
        st.markdown(" ".join(pool_sentences(result)))
        if result.pool.fates:
            with st.expander("Every pooled value, before and after the shift"):
                st.markdown(fates_table(result.pool))

    st.markdown(LAB_SENTENCE)
    dx = str(lab_shift(t)).replace("-", MINUS)
    links = st.container(horizontal=True, gap="medium")
    with links:
        st.page_link(
            "pages/equivariance.py", label=f"Open the lab at dx = {dx}, zero fill", icon="🔀", query_params=lab_query(t)
        )
        st.page_link(
            "pages/equivariance.py",
            label="…with BlurPool instead of max-pooling",
            icon="🔀",
            query_params=lab_query(t, blurpool=True),
        )
