"""Page 1, "Convolution by hand": the 1-D exercise solved live and exactly, with practice mode and sharing."""

import random

import streamlit as st

from core.exercise.layer.conventions import LOSS_LABELS, OPERATION_LABELS, change_note, intro_sentence
from core.exercise.layer.descent import (
    FLOAT_NOTE,
    MAX_STEPS,
    describe_run,
    gradient_descent,
    stable_learning_rate,
)
from core.exercise.layer.fields import (
    CLASSIC_CONVENTIONS,
    CONVENTIONS,
    DEFAULTS,
    FIELDS,
    missing_layer_text,
    read_convention,
    read_inputs,
    texts_from_layer,
)
from core.exercise.practice.exercises import random_exercise
from core.exercise.views.charts import loss_chart, parameters_chart, window_chart
from core.exercise.views.window import highlight_text
from core.exercise.writing.export import exercise_markdown
from core.exercise.writing.worked_solution import AGREEMENT, worked_solution
from pages.exercise_check import gradient_check_tab
from pages.exercise_highlight import pick_highlight
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

SWITCHES = {
    "op": (
        "Operation",
        OPERATION_LABELS,
        "PyTorch's conv1d, like most libraries, computes a cross-correlation: the kernel as written (the classic "
        "exercise). A true convolution, as in signal processing, flips the kernel first: w_k meets the window first.",
    ),
    "loss": (
        "Loss",
        LOSS_LABELS,
        "½Σ: ½ Σ(ŷᵢ − yᵢ)², the classic exercise's. Σ: Σ(ŷᵢ − yᵢ)², without the ½. "
        "Mean: (1/m) Σ(ŷᵢ − yᵢ)², over the m outputs.",
    ),
}


# Session keys are global to the app: everything page 1 keeps is named for page 1 (the URL names stay x … lr).
KEPT = [
    *FIELDS,
    *CONVENTIONS,
    "exercise_mode",
    "solution_tab",
    "window_highlight",
    "descent_steps",
    "gradient_check_parameter",
    "practice_reveal",
    *PRACTICE_KEYS,
]


def set_exercise(texts: dict[str, str]) -> None:
    """Fill the fields (a callback: it runs before the widgets are drawn) and clear the practice answers."""
    for name in FIELDS:
        st.session_state[name] = texts[name]
    clear_practice()


def new_exercise() -> None:
    """Fresh numbers in the conventions the switches show (the generator checks its answers under those), dilated
    when the learner has set a dilation: the generator's default level has none."""
    operation = st.session_state.get("op", CLASSIC_CONVENTIONS["op"])
    rule = st.session_state.get("loss", CLASSIC_CONVENTIONS["loss"])
    shown = read_inputs({name: st.session_state.get(name, DEFAULTS[name]) for name in FIELDS})
    level = {"level": "dilation"} if shown.values.get("dilation", 1) > 1 else {}
    layer, y, lr = random_exercise(random.Random(), operation=operation, rule=rule, **level)
    set_exercise(texts_from_layer(layer, y, lr))


def classic_exercise() -> None:
    """The classic numbers and the classic conventions (cross-correlation, ½Σ), the URL back to a bare /convolution."""
    set_exercise(DEFAULTS)
    for name in CONVENTIONS:
        st.session_state[name] = CLASSIC_CONVENTIONS[name]
        write_the_link(name)


def field(column, name: str):
    """A text field bound to the URL query, with a slot under it for its message.

    Its default is the classic exercise's value: a link names only what differs from it, and a URL
    without the name (Back to a page visited earlier) means the classic value.
    """
    label, help_text = LABELS[name]
    with column:
        text = st.text_input(label, value=DEFAULTS[name], key=name, help=help_text, bind="query-params")
        return text or "", st.empty()


def follow_the_link() -> None:
    """Before the switches are drawn, op and loss follow the URL (a link, Back, a reload); bad values are classic.

    The switches show words, and Streamlit's bind would write those words into the URL: the page keeps
    op=correlation|convolution and loss=half|sum|mean there itself. A URL without the name is the classic value,
    unless the switch was not drawn last run (the learner comes back from another page: remember() restores it).
    """
    for name in CONVENTIONS:
        text = st.query_params.get(name)
        if text is not None:
            st.session_state[name] = read_convention(name, text)
        elif name in st.session_state:
            st.session_state[name] = CLASSIC_CONVENTIONS[name]


def write_the_link(name: str) -> None:
    """The switch's value in the URL under its plain name; left out when it is the classic one, like the fields."""
    value = st.session_state.get(name, CLASSIC_CONVENTIONS[name])
    if value == CLASSIC_CONVENTIONS[name]:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def switch(column, name: str) -> str:
    label, words, help_text = SWITCHES[name]
    st.session_state.setdefault(name, CLASSIC_CONVENTIONS[name])
    with column:
        st.segmented_control(
            label,
            list(words),
            format_func=words.get,
            required=True,
            key=name,
            help=help_text,
            on_change=write_the_link,
            args=(name,),
            width="content",
        )
    write_the_link(name)  # a bad value (op=foo) leaves the URL; one restored by remember() comes back into it
    return st.session_state[name]


def solution_tab(solution_text, inputs) -> None:
    for section in solution_text.sections:
        st.subheader(section.title)
        st.markdown(section.body)
    if solution_text.missing:
        st.info(solution_text.missing)
    st.caption(AGREEMENT)


def window_tab(solution_text, inputs) -> None:
    layer = inputs.layer
    highlight = pick_highlight(layer)  # the same pick as the matrix tab's
    st.vega_lite_chart(spec=window_chart(layer, highlight), width="content")
    st.markdown(highlight_text(layer, inputs.y, highlight, inputs.rule))


def steps_tab(solution_text, inputs) -> None:
    if not inputs.complete:
        st.info("Gradient descent needs every field filled in correctly.")
        return
    steps = st.number_input(
        "Steps", min_value=1, max_value=MAX_STEPS, value=50, step=10, key="descent_steps", width=220
    )
    run = gradient_descent(inputs.layer, inputs.y, inputs.lr, steps, inputs.rule)
    limit = stable_learning_rate(inputs.layer, inputs.rule)
    left, right = st.columns(2, gap="large")
    left.vega_lite_chart(spec=loss_chart(run), width="stretch")
    right.vega_lite_chart(spec=parameters_chart(run), width="stretch")
    report = describe_run(run, inputs.lr, limit, inputs.rule)
    if report.exploded:
        st.error(report.text, icon="💥")
    else:
        st.markdown(report.text)
        st.caption(FLOAT_NOTE)


def export_tab(solution_text, inputs) -> None:
    markdown = exercise_markdown(inputs.layer, inputs.y, inputs.lr, solution_text, st.context.url, inputs.rule)
    st.download_button(
        "⬇️ Download the solution (Markdown with LaTeX)",
        markdown,
        file_name="convolution-by-hand.md",
        mime="text/markdown",
        on_click="ignore",
    )
    st.code(markdown, language="markdown", wrap_lines=True, height=480)


st.title("✍️ Convolution by hand")
intro = st.empty()  # its words follow the operation switch, drawn below

follow_the_link()
remember("convolution", KEPT)

with st.container(border=True):
    # The vectors in one row, the single numbers in the next: no column narrower than a projector can label.
    # Four to a row at most: a fifth column is too narrow at 1024 px for a field's message to keep its words whole.
    vectors = st.columns([3, 2, 3], gap="medium")
    numbers = st.columns(4, gap="medium", vertical_alignment="top")
    step, conventions = st.columns([1, 3], gap="medium", vertical_alignment="top")
    columns = dict(zip(["x", "w", "y", "b", "stride", "padding", "dilation", "lr"], [*vectors, *numbers, step]))
    texts, slots = {}, {}
    for name in FIELDS:
        texts[name], slots[name] = field(columns[name], name)
    with conventions:
        # Side by side where they fit, one under the other in a projector's narrow column.
        switches = st.container(horizontal=True, gap="medium")
        texts["op"], texts["loss"] = switch(switches, "op"), switch(switches, "loss")
    buttons = st.container(horizontal=True)
    buttons.button("🎲 New exercise", on_click=new_exercise, help="Random small integers with clean answers.")
    buttons.button(
        "↺ Classic exercise",
        on_click=classic_exercise,
        help="x=[1,2,3,4], w=[2,1,3], b=1, y=[2,4], a cross-correlation and L = ½Σ(ŷ − y)².",
    )
    inputs = read_inputs(texts)
    for name, message in inputs.errors.items():
        slots[name].error(message)  # no icon: in a narrow column it would squeeze the message a word per line
    note = change_note(inputs.layer, inputs.rule) if inputs.layer else None
    if note:
        st.caption(f"**Not the classic convention.** {note}")
intro.markdown(intro_sentence(inputs.operation))

mode = st.segmented_control(
    "Mode", ["📖 Worked solution", "🎯 Practice"], default="📖 Worked solution", key="exercise_mode", required=True
)
layer = inputs.layer
if layer is None:
    st.info(missing_layer_text(inputs))
    st.stop()

solution_shown = mode != "🎯 Practice" or practice(inputs)
if not solution_shown:
    st.stop()

solution_text = worked_solution(layer, inputs.y, inputs.lr, inputs.rule)
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
