"""Page 1, "Convolution by hand": the 1-D exercise solved live and exactly, with practice mode and sharing."""

import random

import streamlit as st

from core.exercise.charts import loss_chart, parameters_chart, window_chart
from core.exercise.conv1d import solve
from core.exercise.descent import (
    FLOAT_NOTE,
    MAX_STEPS,
    describe_run,
    gradient_descent,
    stable_learning_rate,
)
from core.exercise.export import exercise_markdown
from core.exercise.fields import DEFAULTS, FIELDS, read_inputs, texts_from_layer
from core.exercise.practice import ANSWER_RULE, QUESTIONS, check_answers, random_exercise, task_text
from core.exercise.window import highlight_text
from core.exercise.worked_solution import AGREEMENT, worked_solution
from pages.page_state import forget, remember
from pages.streamlit_internals import through_app_navigation

through_app_navigation()

LABELS = {
    "x": (
        "Input x",
        "The input values, separated by commas or spaces. Decimals, negatives and fractions like 1/2 work.",
    ),
    "w": ("Kernel w", "The weights the window multiplies by, left to right."),
    "b": ("Bias b", "One number added to every output."),
    "y": ("Targets y", "What each output should be: one number per output."),
    "stride": ("Stride s", "How far the window moves between outputs (a whole number, 1 or more)."),
    "padding": ("Padding p", "How many zeros to add at each end of the input (0 or more)."),
    "lr": ("Learning rate α", "The step size of gradient descent, above 0."),
}


PRACTICE_KEYS = [f"practice_{key}" for key in QUESTIONS]
# Session keys are global to the app: everything page 1 keeps is named for page 1 (the URL names stay x … lr).
KEPT = [
    *FIELDS,
    "exercise_mode",
    "solution_tab",
    "window_highlight",
    "descent_steps",
    "practice_reveal",
    *PRACTICE_KEYS,
]


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


def set_exercise(texts: dict[str, str]) -> None:
    """Fill the fields (a callback: it runs before the widgets are drawn) and clear the practice answers."""
    for name in FIELDS:
        st.session_state[name] = texts[name]
    clear_practice()


def new_exercise() -> None:
    layer, y, lr = random_exercise(random.Random())
    set_exercise(texts_from_layer(layer, y, lr))


def field(column, name: str):
    """A text field bound to the URL query, with a slot under it for its message.

    Its default is the classic exercise's value: a link names only what differs from it, and a URL
    without the name (Back to a page visited earlier) means the classic value.
    """
    label, help_text = LABELS[name]
    with column:
        text = st.text_input(label, value=DEFAULTS[name], key=name, help=help_text, bind="query-params")
        return text or "", st.empty()


def solution_tab(solution_text, inputs) -> None:
    for section in solution_text.sections:
        st.subheader(section.title)
        st.markdown(section.body)
    if solution_text.missing:
        st.info(solution_text.missing)
    st.caption(AGREEMENT)


def window_tab(solution_text, inputs) -> None:
    layer = inputs.layer
    options = ["all"] + [f"ŷ{i + 1}" for i in range(layer.output_length)] + [f"w{l + 1}" for l in range(len(layer.w))]
    picked = st.segmented_control(
        "Highlight an output (its window) or a weight (the terms its gradient gathers)",
        options,
        default="all",
        key="window_highlight",
    )
    highlight = None
    if picked in options and picked != "all":
        highlight = ("output" if picked.startswith("ŷ") else "weight", int(picked[1:]) - 1)
    st.vega_lite_chart(spec=window_chart(layer, highlight), width="content")
    st.markdown(highlight_text(layer, inputs.y, highlight))


def steps_tab(solution_text, inputs) -> None:
    if not inputs.complete:
        st.info("Gradient descent needs every field filled in correctly.")
        return
    steps = st.number_input(
        "Steps", min_value=1, max_value=MAX_STEPS, value=50, step=10, key="descent_steps", width=220
    )
    run = gradient_descent(inputs.layer, inputs.y, inputs.lr, steps)
    limit = stable_learning_rate(inputs.layer)
    left, right = st.columns(2, gap="large")
    left.vega_lite_chart(spec=loss_chart(run), width="stretch")
    right.vega_lite_chart(spec=parameters_chart(run), width="stretch")
    report = describe_run(run, inputs.lr, limit)
    if report.exploded:
        st.error(report.text, icon="💥")
    else:
        st.markdown(report.text)
        st.caption(FLOAT_NOTE)


def export_tab(solution_text, inputs) -> None:
    markdown = exercise_markdown(inputs.layer, inputs.y, inputs.lr, solution_text, st.context.url)
    st.download_button(
        "⬇️ Download the solution (Markdown with LaTeX)",
        markdown,
        file_name="convolution-by-hand.md",
        mime="text/markdown",
        on_click="ignore",
    )
    st.code(markdown, language="markdown", wrap_lines=True, height=480)


st.title("✍️ Convolution by hand")
st.markdown(
    "A 1-D convolution layer (strictly, a cross-correlation) with a squared-error loss, solved the way you "
    "would on paper. Change any number and the whole solution follows."
)

remember("convolution", KEPT)

with st.container(border=True):
    # The vectors in one row, the single numbers in the next: no column narrower than a projector can label.
    vectors = st.columns([3, 2, 3], gap="medium")
    numbers = st.columns(4, gap="medium", vertical_alignment="top")
    columns = dict(zip(["x", "w", "y", "b", "stride", "padding", "lr"], vectors + numbers))
    texts, slots = {}, {}
    for name in FIELDS:
        texts[name], slots[name] = field(columns[name], name)
    buttons = st.container(horizontal=True)
    buttons.button("🎲 New exercise", on_click=new_exercise, help="Random small integers with clean answers.")
    buttons.button(
        "↺ Classic exercise", on_click=set_exercise, args=(DEFAULTS,), help="x=[1,2,3,4], w=[2,1,3], b=1, y=[2,4]."
    )
    inputs = read_inputs(texts)
    for name, message in inputs.errors.items():
        slots[name].error(message)  # no icon: in a narrow column it would squeeze the message a word per line

mode = st.segmented_control(
    "Mode", ["📖 Worked solution", "🎯 Practice"], default="📖 Worked solution", key="exercise_mode", required=True
)
layer = inputs.layer
if layer is None:
    st.info(
        "Fix the field marked above to see the solution: the forward pass needs x, w, b, the stride and the padding."
    )
    st.stop()

solution_shown = True
if mode == "🎯 Practice":
    solution_shown = False
    if not inputs.complete:
        st.info("Practice needs every field filled in correctly.")
    else:
        solution = solve(layer, inputs.y, inputs.lr)
        exercise = (layer, inputs.y, inputs.lr)
        if st.session_state.get("practice_exercise") != exercise:  # new numbers: the old answers were for others
            clear_practice(exercise)
        st.markdown(task_text(*exercise))
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
        solution_shown = st.toggle("Show the solution", key="practice_reveal")

if not solution_shown:
    st.stop()

solution_text = worked_solution(layer, inputs.y, inputs.lr)
# Only the open tab's content runs (on_change="rerun"): an edit redraws just what the learner is looking at.
tabs = st.tabs(
    ["📖 Worked solution", "🔍 Sliding window", "📉 Many steps", "📤 Export"], key="solution_tab", on_change="rerun"
)
for tab, draw in zip(tabs, (solution_tab, window_tab, steps_tab, export_tab)):
    if tab.open:
        with tab:
            draw(solution_text, inputs)
