"""The lab's confusion matrices at the current shift, and the question about the digits' empty border."""

import streamlit as st

from core.lab.border import border_answer, border_question, border_table
from core.lab.confusion import confusion_charts, largest_confusion
from core.lab.progress import MODEL_NAMES
from core.lab.wording import FILL_NAMES, shifted_by


def show_confusions(lab, jobs: dict, dataset, shift: tuple[int, int], mode: str) -> None:
    """One matrix per model at this shift and fill, each with its largest confusion in words under it."""
    st.subheader("What the models confuse")
    caption = shifted_by(shift) + (f", {FILL_NAMES[mode]}" if shift != (0, 0) else "")
    with st.spinner(f"Counting which class each model reads on the {len(dataset.x_test):,} test images…"):
        matrices = {MODEL_NAMES[kind]: lab.confusion(job, dataset, *shift, mode) for kind, job in jobs.items()}
    charts = confusion_charts(matrices, dataset.class_names, caption)
    row = st.container(horizontal=True, gap="large")  # side by side where they fit, else one above the other
    for model, matrix in matrices.items():
        column = row.container(width="content")
        column.vega_lite_chart(spec=charts[model], width="content")
        column.markdown(largest_confusion(matrix, dataset.class_names, f"the {model}"), width=340)
    st.caption(
        "Rows: the true class; columns: what the model says. Each cell counts test images; the diagonal (blue) is read "
        "right, the orange cells are confusions, darker for a larger share of the true class's images."
    )


def show_border_question(room, config, mode: str, shift: tuple[int, int], cnn_sweep) -> None:
    """A learner's question about the empty border, answered with this dataset's numbers."""
    with st.expander(border_question(room)):
        for paragraph in border_answer(room, config, mode, shift, cnn_sweep):
            st.markdown(paragraph)
        st.caption(
            "Share of the test images that keep all their ink in the frame when moved that many pixels either way:"
        )
        # A markdown table: the page's one st.table stays the reference table (tests and readers find it by that).
        columns = border_table(room)
        lines = [" | ".join(columns), " | ".join("---:" for _ in columns)]
        lines += [" | ".join(row) for row in zip(*columns.values())]
        st.markdown("\n".join(lines))
