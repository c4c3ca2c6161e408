"""Page "Compare the fixes": the CNN as it is and with each fix, the MLP beside them, one budget, side by side."""

import streamlit as st

from core.lab.comparison import SEED_COUNTS, Comparison, members
from core.lab.comparison_chart import comparison_chart, off_chart_caption
from core.lab.comparison_words import (
    accurate_means_consistent,
    average_is_a_blur,
    budget_sentence,
    comparison_tables,
    cost_sentence,
    invariant_sentence,
    seeds_sentence,
    table_note,
    why_circular,
)
from core.lab.config import OFFERED, TrainConfig
from core.lab.questions import shared_lab
from core.lab.wording import pair
from core.serving.timing import timed
from pages.lab_training import BOUNDS, keep_in_bounds, train_as_planned
from pages.lab_views import FILL, linked_mode, shift_controls
from pages.page_state import remember
from pages.progress import show_progress
from pages.streamlit_internals import drop_unreadable_numbers, through_app_navigation

through_app_navigation()

lab = shared_lab()
comparison = Comparison(lab.cache)
DEFAULT = TrainConfig()
BUDGET = ["compare_images", "compare_epochs", "compare_seeds"]
SHIFT = ["compare_dx", "compare_dy", "compare_fill"]


def budget() -> tuple[int, int, int]:
    """Training images, epochs and seeds, the same for every variant."""
    changed = keep_in_bounds(
        {},
        {"compare_epochs": (*BOUNDS["epochs"], DEFAULT.epochs)},
        {"compare_images": (OFFERED["train_size"], DEFAULT.train_size), "compare_seeds": (SEED_COUNTS, 1)},
        page="this page",
    )
    if changed:
        st.info(changed, icon="🔗")
    drop_unreadable_numbers("compare_epochs")
    row = st.columns([3, 2, 2], gap="medium", vertical_alignment="bottom")
    images = row[0].select_slider(
        "Training images (each model)",
        OFFERED["train_size"],
        value=DEFAULT.train_size,
        key="compare_images",
        bind="query-params",
    )
    epochs = row[1].slider("Epochs", *BOUNDS["epochs"], DEFAULT.epochs, key="compare_epochs", bind="query-params")
    seeds = row[2].segmented_control(
        "Seeds per model",
        SEED_COUNTS,
        default=1,
        required=True,
        key="compare_seeds",
        bind="query-params",
        help="Train each model 3 or 5 times from different random starts: the table then shows mean ± spread, and "
        "the chart a band per model, so you can see which differences are larger than chance.",
    )
    if seeds not in SEED_COUNTS:  # an empty ?compare_seeds= clears even a required control; the rerun resets it
        st.rerun()
    return int(images), int(epochs), int(seeds)


@st.fragment
@timed("fragment compare-view")
def compare_view(jobs: dict, dataset) -> None:
    """Everything the shift controls change; a slider reruns only this part of the page."""
    dx, dy, fill = shift_controls(
        "compare_",
        fill_help="What comes in at the edge: zeros, or what fell off the other side (wrap). The table shows both "
        "fills' accuracy; the rest follows this choice.",
        page="this page",
    )
    mode, shift = FILL[fill], (dx, dy)
    show_progress(comparison.measure_updates(jobs, dataset, mode))
    with st.spinner(f"Measuring every model at {pair(shift)}…"):
        rows = comparison.rows(jobs, dataset, *shift, mode)
    comparison.prepare_around(jobs, dataset, dx, dy, mode)  # the next slider step's numbers, in the background

    accuracy, inside = comparison_tables(rows, shift, mode)
    st.subheader("Every fix side by side")
    st.table(accuracy)
    st.subheader("One pixel, and inside the network")
    st.table(inside)
    st.caption(table_note(mode, comparison.images, len(dataset.x_test)))
    st.page_link(
        "pages/equivariance.py",
        label=f"Open the lab at {pair(shift)}: the feature maps, your own digit, what the models confuse",
        icon="🔀",
        query_params={"dx": str(dx), "dy": str(dy), "fill": fill},
    )
    cost = cost_sentence(rows)
    if cost:
        st.markdown(cost)
    invariant = invariant_sentence(rows)
    if invariant:
        st.markdown(invariant)

    st.vega_lite_chart(spec=comparison_chart(rows, mode, shift), width="stretch")
    off_chart = off_chart_caption(shift)
    if off_chart:
        st.caption(off_chart)
    seeds = seeds_sentence(rows, mode, shift)
    if seeds:
        st.markdown(seeds)
    st.subheader("Questions learners ask")
    with st.expander("Is a more accurate CNN also more shift-consistent?"):
        st.markdown(accurate_means_consistent(rows, mode))
    with st.expander("Why is average pooling already a blur?"):
        st.markdown(average_is_a_blur(rows, mode))
    with st.expander("Why does exactly 100% need circular shifts and circular padding?"):
        st.markdown(why_circular(rows))


st.title("⚖️ Compare the fixes")
st.markdown(
    "The CNN as it is and with each fix for shifts, one at a time, then the combination that makes it exactly "
    "invariant to circular shifts; the MLP beside them. Every model trains with the same budget, once for the whole "
    "class."
)
remember("compare", BUDGET + SHIFT)
images, epochs, seeds = budget()
chosen = members(images, epochs, seeds)
dataset, _ = lab.dataset("MNIST")
jobs = train_as_planned(
    comparison.plan(chosen),
    ("compare", images, epochs, seeds),
    lambda: comparison.train(chosen),
    # the measurements start as each model is trained, under the fill the link or the last visit chose
    lambda jobs: comparison.training_updates(jobs, dataset, linked_mode("compare_fill")),
    page_default=(images, epochs, seeds) == (DEFAULT.train_size, DEFAULT.epochs, 1),
    fewer="images, epochs or seeds",
)
st.caption(budget_sentence(images, epochs, tuple(sorted({member.seed for member in chosen})), len(chosen)))
compare_view(jobs, dataset)
