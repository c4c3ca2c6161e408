"""Page 1's practice mode: the task stated in full, the learner's answers marked, the common mistakes named."""

import streamlit as st

from core.exercise.conv1d import solve
from core.exercise.practice import ANSWER_RULE, QUESTIONS, check_answers, task_text
from pages.page_state import forget

PRACTICE_KEYS = [f"practice_{key}" for key in QUESTIONS]


def clear_practice(exercise=None) -> None:
    """Empty answers, unchecked, the solution hidden: for a new exercise, or when its numbers change.

    The answers are set to "" rather than deleted: only a value set by the script reaches the browser's
    fields, which otherwise keep showing what was typed. Runs before the practice widgets are drawn.
    """
    forget("convolution", [*PRACTICE_KEYS, "practice_reveal"])
    for key in PRACTICE_KEYS:
        st.session_state[key] = ""
    st.session_state.practice_reveal = False
    st.session_state.practice_checked = False
    st.session_state.practice_exercise = exercise  # the numbers these answers are for


def practice(inputs) -> bool:
    """Draw the practice form for these inputs; True when the learner asked to see the solution."""
    if not inputs.complete:
        st.info("Practice needs every field filled in correctly.")
        return False
    layer = inputs.layer
    solution = solve(layer, inputs.y, inputs.lr, inputs.rule)
    exercise = (layer, inputs.y, inputs.lr, inputs.rule)
    if st.session_state.get("practice_exercise") != exercise:  # new numbers: the old answers were for others
        clear_practice(exercise)
    st.markdown(task_text(layer, inputs.y, inputs.lr))
    st.caption(f"Work it out on paper, then type your answers. {ANSWER_RULE}")
    with st.form("practice"):
        answers = {}
        keys = list(QUESTIONS)
        # One row of columns per row of questions: Tab then follows the reading order, across the rows.
        for row in range(0, len(keys), 3):
            for column, key in zip(st.columns(3, gap="medium"), keys[row : row + 3]):
                with column:
                    answers[key] = st.text_input(QUESTIONS[key].label, key=f"practice_{key}")
        checked = st.form_submit_button("Check my answers", type="primary")
    if checked:
        st.session_state.practice_checked = True
    if st.session_state.get("practice_checked"):
        marks = check_answers(solution, answers)
        right = sum(mark.correct is True for mark in marks.values())
        st.subheader(f"{right} of {len(marks)} right")
        for key, mark in marks.items():
            label = QUESTIONS[key].label
            if mark.correct:
                st.success(f"**{label}** — {mark.message}", icon="✅")
            elif mark.correct is False:
                st.error(f"**{label}** — {mark.message}", icon="❌")
            else:
                st.warning(f"**{label}** — {mark.message}", icon="✏️")
    return st.toggle("Show the solution", key="practice_reveal")
