"""Page 1's practice mode: the task stated in full, the learner's answers marked, the common mistakes named, hints."""

import streamlit as st

from core.exercise.layer.conv1d import solve
from core.exercise.practice.exercises import ANSWER_RULE, MATRIX_RULE, check_answers, task_text
from core.exercise.practice.hints import hint
from core.exercise.practice.questions import ALL_QUESTIONS, EXTRA_QUESTIONS, QUESTIONS
from pages.page_state import forget

ANSWER_KEYS = [f"practice_{key}" for key in ALL_QUESTIONS]
# Everything practice keeps in the session: the answers, and the learner's choice of extra questions and hints.
PRACTICE_KEYS = [*ANSWER_KEYS, "practice_more", "practice_hints"]
MATRIX_EXAMPLE = "2, 1, 0; 0, 2, 1"


def clear_practice(exercise=None) -> None:
    """Empty answers, unchecked, the solution hidden: for a new exercise, or when its numbers change.

    The answers are set to "" rather than deleted: only a value set by the script reaches the browser's
    fields, which otherwise keep showing what was typed. Runs before the practice widgets are drawn.
    The extra questions and the hints switch are the learner's settings: they stay.
    """
    forget("convolution", [*ANSWER_KEYS, "practice_reveal"])
    for key in ANSWER_KEYS:
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
    settings = st.container(horizontal=True, vertical_alignment="bottom", gap="large")
    more = settings.pills(
        "Also ask",
        list(EXTRA_QUESTIONS),
        format_func=lambda key: EXTRA_QUESTIONS[key].label,
        selection_mode="multi",
        key="practice_more",
    )
    hints = settings.toggle("💡 Hints", key="practice_hints", help="The first term of each answer, with the numbers.")
    extra = [key for key in EXTRA_QUESTIONS if key in (more or [])]
    keys = [*QUESTIONS, *extra]
    st.markdown(task_text(layer, inputs.y, inputs.lr, inputs.rule, extra))
    rules = f"{ANSWER_RULE} {MATRIX_RULE}" if "W" in extra else ANSWER_RULE
    st.caption(f"Work it out on paper, then type your answers. {rules}")
    with st.form("practice"):
        answers = {}
        # One row of columns per row of questions: Tab then follows the reading order, across the rows.
        for row in range(0, len(keys), 3):
            for column, key in zip(st.columns(3, gap="medium"), keys[row : row + 3]):
                with column:
                    answers[key] = st.text_input(
                        ALL_QUESTIONS[key].label,
                        key=f"practice_{key}",
                        placeholder=MATRIX_EXAMPLE if key == "W" else None,
                    )
                    if hints:
                        st.caption(f"💡 {hint(solution, key)}")
        checked = st.form_submit_button("Check my answers", type="primary")
    if checked:
        st.session_state.practice_checked = True
    if st.session_state.get("practice_checked"):
        marks = check_answers(solution, answers, keys)
        right = sum(mark.correct is True for mark in marks.values())
        st.subheader(f"{right} of {len(marks)} right")
        for key, mark in marks.items():
            label = ALL_QUESTIONS[key].label
            if mark.correct:
                st.success(f"**{label}** — {mark.message}", icon="✅")
            elif mark.correct is False:
                st.error(f"**{label}** — {mark.message}", icon="❌")
            else:
                st.warning(f"**{label}** — {mark.message}", icon="✏️")
    return st.toggle("Show the solution", key="practice_reveal")
