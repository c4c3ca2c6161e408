"""Page 1, "Convolution by hand": the 1-D exercise solved live and exactly, with practice mode and sharing."""

import random

import streamlit as st

from core.exercise.charts import loss_chart, parameters_chart, window_chart
from core.exercise.conv1d import solve
from core.exercise.descent import (
    EXPLOSION_FACTOR,
    MAX_STEPS,
    gradient_descent,
    stable_learning_rate,
)
from core.exercise.fields import DEFAULTS, FIELDS, read_inputs, texts_from_layer
from core.exercise.numbers import format_number
from core.exercise.practice import QUESTIONS, check_answers, random_exercise
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


def set_exercise(texts: dict[str, str]) -> None:
    """Fill the fields (a callback: it runs before the widgets are drawn) and clear the practice answers."""
    for name in FIELDS:
        st.session_state[name] = texts[name]
    forget("convolution", [*PRACTICE_KEYS, "practice_checked"])


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
    stability = (
        f"Gradient descent on this loss converges for α below 2/λ_max ≈ {limit:.4g} "
        "(λ_max is the largest curvature of the loss)."
        if limit is not None
        else "This loss is flat in every direction the step can take."
    )
    if run.exploded_at is not None:
        stopped = f" The run stopped after {run.diverged_at} steps, past 10¹⁰⁰." if run.diverged_at else ""
        st.error(
            f"**The loss exploded**: after {run.exploded_at} steps it was over {EXPLOSION_FACTOR:,} times its start, "
            f"and each step makes it worse.{stopped} α = {format_number(inputs.lr)} is too large. {stability}",
            icon="💥",
        )
    else:
        st.markdown(
            f"After {run.steps} steps: loss **{run.losses[-1]:.6g}** (from {run.losses[0]:.6g}), "
            f"w = [{', '.join(f'{v:.4g}' for v in run.weights[-1])}], b = {run.biases[-1]:.4g}. {stability}"
        )
        st.caption("Many steps are computed in floating point (64-bit); the worked solution is exact.")


def export_tab(solution_text, inputs) -> None:
    markdown = solution_text.to_markdown()
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
    top = st.columns([3, 3, 1.4, 3], gap="medium")
    bottom = st.columns([1.4, 1.4, 1.4, 3, 1.4], gap="medium", vertical_alignment="top")
    texts, slots = {}, {}
    for column, name in zip(top + bottom[:3], FIELDS):
        texts[name], slots[name] = field(column, name)
    with bottom[3]:
        st.write("")  # line the buttons up with the fields, under their labels
        buttons = st.container(horizontal=True)
        buttons.button("🎲 New exercise", on_click=new_exercise, help="Random small integers with clean answers.")
        buttons.button(
            "↺ Classic exercise", on_click=set_exercise, args=(DEFAULTS,), help="x=[1,2,3,4], w=[2,1,3], b=1, y=[2,4]."
        )
    inputs = read_inputs(texts)
    for name, message in inputs.errors.items():
        slots[name].error(message, icon="⚠️")

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
        st.markdown(
            "Work the exercise out on paper, then type your answers (vectors as `1, 2, 3`). "
            "Answers rounded to two decimals count as right."
        )
        with st.form("practice"):
            columns = st.columns(3, gap="medium")
            answers = {}
            for index, (key, (label, _)) in enumerate(QUESTIONS.items()):
                with columns[index % 3]:
                    answers[key] = st.text_input(label, key=f"practice_{key}")
            checked = st.form_submit_button("Check my answers", type="primary")
        if checked:
            st.session_state.practice_checked = True
        if st.session_state.get("practice_checked"):
            marks = check_answers(solution, answers)
            right = sum(mark.correct is True for mark in marks.values())
            st.subheader(f"{right} of {len(marks)} right")
            for key, mark in marks.items():
                label = QUESTIONS[key][0]
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
