"""Page 1, "Convolution by hand": the 1-D exercise solved live and exactly, with practice mode and sharing."""

import random

import streamlit as st

from core.exercise.charts import loss_chart, parameters_chart, window_chart
from core.exercise.conv1d import LOSS_RULES, OPERATIONS
from core.exercise.descent import (
    FLOAT_NOTE,
    MAX_STEPS,
    describe_run,
    gradient_descent,
    stable_learning_rate,
)
from core.exercise.export import exercise_markdown
from core.exercise.fields import CONVENTIONS, DEFAULTS, FIELDS, read_inputs, texts_from_layer
from core.exercise.practice import random_exercise
from core.exercise.window import highlight_text
from core.exercise.worked_solution import AGREEMENT, worked_solution
from pages.exercise_check import gradient_check_tab
from pages.exercise_matrix import matrix_tab
from pages.exercise_practice import PRACTICE_KEYS, clear_practice, practice
from pages.exercise_shift import shift_tab
from pages.page_state import remember
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
    "dilation": (
        "Dilation d",
        "The gap between the inputs a window meets: d − 1 inputs skipped between neighbouring weights (1: none).",
    ),
    "lr": ("Learning rate α", "The step size of gradient descent, above 0."),
}


# Session keys are global to the app: everything page 1 keeps is named for page 1 (the URL names stay x … lr).
KEPT = [
    *FIELDS,
    *CONVENTIONS,
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
    numbers = st.columns(5, gap="medium", vertical_alignment="top")
    columns = dict(zip(["x", "w", "y", "b", "stride", "padding", "dilation", "lr"], vectors + numbers))
    texts, slots = {}, {}
    for name in FIELDS:
        texts[name], slots[name] = field(columns[name], name)
    buttons = st.container(horizontal=True)
    buttons.button("🎲 New exercise", on_click=new_exercise, help="Random small integers with clean answers.")
    buttons.button(
        "↺ Classic exercise", on_click=set_exercise, args=(DEFAULTS,), help="x=[1,2,3,4], w=[2,1,3], b=1, y=[2,4]."
    )
    switches = st.columns(2, gap="medium")
    texts["op"] = switches[0].segmented_control(
        "Operation", OPERATIONS, default=OPERATIONS[0], required=True, key="op", bind="query-params"
    )
    texts["loss"] = switches[1].segmented_control(
        "Loss", LOSS_RULES, default=LOSS_RULES[0], required=True, key="loss", bind="query-params"
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

solution_shown = mode != "🎯 Practice" or practice(inputs)
if not solution_shown:
    st.stop()

solution_text = worked_solution(layer, inputs.y, inputs.lr)
# Only the open tab's content runs (on_change="rerun"): an edit redraws just what the learner is looking at.
TABS = {
    "📖 Worked solution": solution_tab,
    "🔍 Sliding window": window_tab,
    "🧮 As a matrix": matrix_tab,
    "🧪 Gradient check": gradient_check_tab,
    "↔️ Shift the input": shift_tab,
    "📉 Many steps": steps_tab,
    "📤 Export": export_tab,
}
tabs = st.tabs(list(TABS), key="solution_tab", on_change="rerun")
for tab, draw in zip(tabs, TABS.values()):
    if tab.open:
        with tab:
            draw(solution_text, inputs)
