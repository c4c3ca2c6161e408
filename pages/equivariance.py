"""Page 2, "Equivariance lab": an MLP and a CNN on shifted digits, and feature maps that move with the input."""

import dataclasses
import random

import streamlit as st

from core.lab.alignment import aps_aligned
from core.lab.captions import chart_note, heat_map_note, trained_sentence
from core.lab.charts import accuracy_heatmap, accuracy_vs_shift_chart
from core.lab.config import TrainConfig
from core.lab.explain import explanations, torus
from core.lab.questions import GRID_IMAGES, MAX_SHIFT, MODEL_NAMES, random_test_index, shared_lab
from core.lab.shift import shift_images
from core.lab.weights import weights_file_name
from core.lab.wording import FILL_NAMES, pair
from core.serving.timing import timed
from pages.lab_confusion import show_border_question, show_confusions
from pages.lab_own_digit import OWN_DIGIT, image_source, own_digit, test_image
from pages.lab_training import SETTINGS, trained_models, training_settings
from pages.lab_views import FILL, dark_theme, shift_controls, show_hidden_units, show_images, show_layers, show_table
from pages.page_state import adopt_renamed_parameters, remember
from pages.progress import show_progress
from pages.streamlit_internals import through_app_navigation

through_app_navigation()

lab = shared_lab()
EXPLORER = ["dx", "dy", "fill", "test_image", "random_digit", "show_grid"]
# Links made before every control's name was unique in the app.
RENAMED = {
    "augment": ("augment_shift", int),
    "hidden": ("mlp_hidden", int),
    "padding": ("cnn_padding", str),
    "head": ("cnn_head", str),
    "downsample": ("cnn_downsample", str),
    "image": ("test_image", int),
}


def pick_random_image(dataset) -> None:
    digit = dataset.class_names.index(st.session_state["random_digit"])
    st.session_state["test_image"] = random_test_index(dataset, digit, random.Random())


@st.fragment
@timed("fragment lab-shift-explorer")
def shift_explorer(jobs: dict, dataset, config: TrainConfig) -> None:
    """Everything the shift sliders change; a slider reruns only this part of the page."""
    remember("equivariance_explorer", EXPLORER)
    dx, dy, fill = shift_controls(ranges={"test_image": (0, len(dataset.x_test) - 1, 0)})
    mode, shift = FILL[fill], (dx, dy)
    for job in jobs.values():
        lab.prepare_sweep(job, dataset, mode)
    rows = lab.table(jobs, dataset, dx, dy, mode)
    # The table across the page (its five columns need it on a projector), then the explanation beside the chart.
    st.subheader("Accuracy on shifted test images")
    show_table(rows, shift, mode, len(dataset.x_test))
    st.page_link(
        "pages/compare.py",
        label=f"Compare every fix side by side at {pair(shift)}",  # short enough for a projector's 1024 pixels
        help="The CNN with each fix for shifts (shift augmentation, circular padding, a global-average head, "
        "BlurPool, APS), one at a time, then the combination that makes it exactly invariant to circular shifts; "
        "the MLP beside them. At this shift and fill.",
        icon="⚖️",
        query_params={"compare_dx": str(dx), "compare_dy": str(dy), "compare_fill": fill},
    )
    left, right = st.columns([1, 1.25], gap="large")
    chart_slot = right.empty()
    # Filled last, across the page under the chart: the question needs the CNN's sweep, the matrices their counts.
    border_slot, confusion_slot = st.container(), st.container()

    st.subheader("Feature maps: do they move with the image?")
    if image_source(dataset) == OWN_DIGIT:
        shown = own_digit(dataset, dark_theme())
    else:
        picker = st.container(horizontal=True, vertical_alignment="bottom")  # wraps rather than cuts on a narrow screen
        index = int(
            picker.number_input(
                "Test image", 0, len(dataset.x_test) - 1, 0, key="test_image", bind="query-params", width=160
            )
        )
        picker.selectbox("Random image of", dataset.class_names, key="random_digit", width=200)
        picker.button("🎲 Pick", on_click=pick_random_image, args=(dataset,), help="A random test image of that class.")
        shown = test_image(dataset, index)
    image = shown.image
    probabilities = lab.probabilities(jobs, image, dx, dy, mode)
    show_images(shown, dataset.class_names, shift_images(image, dx, dy, mode), shift, probabilities)
    layers = lab.layers(jobs["cnn"], image, dx, dy, mode)
    comparisons = aps_aligned(layers, config.cnn_downsample, mode, jobs["cnn"].result.model, image)
    show_layers(comparisons, no_border=torus(config, mode))
    show_hidden_units(lab.hidden(jobs["mlp"], image, dx, dy, mode), shift, config.dataset)

    plain_mlp = lab.plain_mlp_accuracy(config, dataset, dx, dy, mode) if config.augment_shift else None
    why_collapse, *why = explanations(rows, comparisons, config, plain_mlp, shift, mode)
    left.markdown(why_collapse)
    st.subheader("Why?")
    for paragraph in why:
        st.markdown(paragraph)

    stored = lab.stored_confusions(jobs, mode)  # held here: what the label says is what the maps read
    grid_images = len(dataset.x_test) if stored else GRID_IMAGES
    if st.toggle(
        f"Show accuracy over every (dx, dy): {grid_images:,} test images, computed once per model",
        key="show_grid",
        bind="query-params",
    ):
        with st.spinner(f"Measuring {(2 * MAX_SHIFT + 1) ** 2} shifts…"):
            grids = {
                MODEL_NAMES[kind]: lab.grid(job, dataset, mode, stored and stored[kind]) for kind, job in jobs.items()
            }
        maps = st.container(horizontal=True, gap="large")  # side by side where they fit, else one above the other
        for name, grid in grids.items():
            title = f"{name}: accuracy over (dx, dy), {FILL_NAMES[mode]}"
            maps.vega_lite_chart(spec=accuracy_heatmap(grid, title, shift), width="content")
        note = heat_map_note(grid_images, len(dataset.x_test))
        if note:
            st.caption(note)

    with chart_slot.container():
        show_progress(lab.sweep_updates(jobs, dataset, mode))
        chart = accuracy_vs_shift_chart(lab.sweeps(jobs, mode), config.augment_shift, shift)
        st.vega_lite_chart(spec=chart, width="stretch")
        note = chart_note(shift)
        if note:
            st.caption(note)
    with border_slot:
        show_border_question(lab.border_room(dataset), config, mode, shift, lab.ready_sweep(jobs["cnn"], mode))
    with confusion_slot:
        show_confusions(lab, jobs, dataset, shift, mode)
    lab.prepare_around(jobs, dataset, dx, dy, mode)  # the next slider step's matrices, in the background


st.title("🔀 Equivariance lab")
st.markdown(
    "Train a fully connected network (MLP) and a convolutional one (CNN) on small grey images (handwritten digits "
    "unless you pick another dataset), then move the test images a few pixels. Which model still recognises them, "
    "and why?"
)

adopt_renamed_parameters(RENAMED)
remember("equivariance", SETTINGS)
config = training_settings()
dataset, dataset_message = lab.dataset(config.dataset)
if dataset_message:
    st.warning(dataset_message, icon="📡")
    config = dataclasses.replace(config, dataset=dataset.name)
jobs = trained_models(lab, config)

results = {kind: job.result for kind, job in jobs.items()}
summary = st.columns([3, 2], vertical_alignment="center")
summary[0].caption(
    f"{dataset.name}: {config.train_size:,} training images, {config.epochs} epoch{'s' if config.epochs > 1 else ''}"
    + (f", shifts up to ±{config.augment_shift}" if config.augment_shift else "")
    + ". "
    + trained_sentence(results)
    + "every student with these settings shares these models."
)
downloads = summary[1].container(horizontal=True, horizontal_alignment="right")
for kind in MODEL_NAMES:
    downloads.download_button(
        f"⬇️ {MODEL_NAMES[kind]} weights",
        lab.weights_file(jobs[kind], config),
        file_name=weights_file_name(kind, config),
        mime="application/octet-stream",
        on_click="ignore",
    )

shift_explorer(jobs, dataset, config)
