"""Worksheets: a seeded set of exercises for a class, with the answer key, as PDF and Markdown, made again from its URL."""

import streamlit as st

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS
from core.exercise.layer.conventions import LOSS_LABELS, OPERATION_LABELS
from core.exercise.practice.exercises import LEVELS
from core.exercise.practice.worksheet import (
    BOUNDS,
    MAX_EXERCISES,
    OPERATION_NAMES,
    PAPERS,
    RULE_NAMES,
    URL_NAMES,
    SheetSettings,
    make_worksheet,
    settings_from_link,
    sheet_link,
    sheet_markdown,
    sheet_pages_png,
    sheet_pdf,
)
from pages.page_state import remember
from pages.streamlit_internals import correct_the_link, through_app_navigation

through_app_navigation()

DEFAULT = SheetSettings()
# The level list and the convention switches show words (the level's name, page 1's labels); a bound control would
# write those words into the URL ("With+%E2%88%82L…", "True+convolution"), so these keep the URL themselves, under
# their short keys (sheet_level=input_gradient, sheet_op=convolution, sheet_loss=sum), as page 1 does for its switches.
NAMED = {URL_NAMES[name]: name for name in ("level", "operation", "rule")}
PREVIEW_PPI = 110


@st.cache_data(max_entries=16, show_spinner=False)
def typeset(count: int, level: str, operation: str, rule: str, seed: int, paper: str, page_url: str) -> dict:
    """Both sheets in both formats, and the first page of each as a picture: cached, a sheet is made once."""
    settings = SheetSettings(count, level, operation, rule, seed, paper)
    sheet, link = make_worksheet(settings), sheet_link(settings, page_url)
    return {
        "link": link,
        "student.pdf": sheet_pdf(sheet, key=False, link=link),
        "key.pdf": sheet_pdf(sheet, key=True, link=link),
        "student.md": sheet_markdown(sheet, key=False, link=link),
        "key.md": sheet_markdown(sheet, key=True, link=link),
        "student.png": sheet_pages_png(sheet, key=False, link=link, ppi=PREVIEW_PPI)[0],
        "key.png": sheet_pages_png(sheet, key=True, link=link, ppi=PREVIEW_PPI)[0],
    }


def follow_the_link() -> str:
    """Before the controls are drawn: a value the URL gives that no control can take becomes the nearest one it
    can, in the control and in the address bar; returns what was changed, for the page to say."""
    asked, notes = settings_from_link(st.query_params.to_dict())
    for name, url_name in URL_NAMES.items():
        text = st.query_params.get(url_name)
        value = getattr(asked, name)
        if url_name in NAMED:
            if text is not None and url_name not in st.session_state:  # a link opened, not a control changed
                st.session_state[url_name] = value
        elif text is not None and text != str(value):
            st.session_state[url_name] = value
            correct_the_link(url_name, str(value))
    return " ".join(notes)


def named_control(draw, label: str, url_name: str, words: dict[str, str], **options) -> str:
    """A control that shows words and keeps its key in the URL, left out at the default as a bound control does."""
    default = getattr(DEFAULT, NAMED[url_name])
    st.session_state.setdefault(url_name, default)
    value = draw(label, list(words), format_func=words.get, key=url_name, **options)
    if value == default:
        st.query_params.pop(url_name, None)
    elif st.query_params.get(url_name) != value:
        st.query_params[url_name] = value
    return value


st.title("🖨️ Worksheets")
st.markdown(
    "Exercise sheets for a class, each with its answer key, to print or to share. The same seed always gives the "
    "same exercises, so the link below makes this sheet again; every answer on the key comes from the exact solver."
)

remember("worksheets", URL_NAMES.values())
changed = follow_the_link()
if changed:
    st.info(changed, icon="🔗")

with st.container(border=True):
    # The level's name needs the room; the switches wrap onto a line of their own in a narrow column.
    level_column, count_column, seed_column = st.columns([2, 1, 1], gap="medium")
    level = named_control(
        level_column.selectbox, "Level", URL_NAMES["level"], LEVELS,
        help="Stride 1 only; then stride and padding; then ∂L/∂x as well; then dilation too.",
    )  # fmt: skip
    count = count_column.number_input(
        "Exercises", *BOUNDS["count"], DEFAULT.count, key="sheet_count", bind="query-params",
        help=f"1 to {MAX_EXERCISES}. The student sheet gives each exercise a box with room to work it out.",
    )  # fmt: skip
    seed = seed_column.number_input(
        "Seed", *BOUNDS["seed"], DEFAULT.seed, key="sheet_seed", bind="query-params",
        help="Another seed, other exercises: one per class, or one per row of desks.",
    )  # fmt: skip
    switches = st.container(horizontal=True, gap="small")
    operation = named_control(
        switches.segmented_control, "Operation", URL_NAMES["operation"], OPERATION_LABELS, required=True,
        help=" · ".join(OPERATION_NAMES[operation] for operation in OPERATIONS),
    )  # fmt: skip
    rule = named_control(
        switches.segmented_control, "Loss", URL_NAMES["rule"], LOSS_LABELS, required=True,
        help=" · ".join(RULE_NAMES[rule] for rule in LOSS_RULES),
    )  # fmt: skip
    paper = switches.segmented_control(
        "Paper", list(PAPERS), default=DEFAULT.paper, required=True, key="sheet_paper", bind="query-params"
    )

with st.spinner(f"Typesetting {count} exercise{'s' if count != 1 else ''} and their answers…"):
    files = typeset(count, level, operation, rule, seed, paper, st.context.url or "")

name = f"convlab-worksheet-{level}-seed{seed}"
downloads = st.container(horizontal=True)
for label, suffix, mime in (
    ("Student sheet (PDF)", "student.pdf", "application/pdf"),
    ("Answer key (PDF)", "key.pdf", "application/pdf"),
    ("Student sheet (Markdown)", "student.md", "text/markdown"),
    ("Answer key (Markdown)", "key.md", "text/markdown"),
):
    downloads.download_button(
        label, files[suffix], f"{name}-{suffix}", mime, icon="⬇️", on_click="ignore", key=f"sheet_download_{suffix}"
    )
st.markdown("**This sheet again** (the same seed gives the same exercises):")
st.code(files["link"], language=None, wrap_lines=True)

# A border for each page: white paper on the app's white would have no edge.
for column, (picture, caption) in zip(
    st.columns(2, gap="medium"), (("student.png", "Student sheet, page 1"), ("key.png", "Answer key, page 1"))
):
    column.container(border=True).image(files[picture], caption=caption, width="stretch")
