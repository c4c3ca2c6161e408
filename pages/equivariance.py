"""Page 2, "Equivariance lab": an MLP and a CNN on shifted digits, and feature maps that move with the input."""

import dataclasses
import random
import time

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.exercise.numbers import fits_a_number_field
from core.lab.charts import (
    accuracy_heatmap,
    accuracy_vs_shift_chart,
    probabilities_chart,
)
from core.lab.data import DATASETS
from core.lab.explain import what_helps, why_only_unbounded, why_the_mlp_collapses
from core.lab.images import (
    difference_picture,
    digit_picture,
    feature_map_picture,
    hidden_picture,
    strongest_channels,
)
from core.lab.models import TrainConfig
from core.lab.questions import (
    GRID_IMAGES,
    MAX_SHIFT,
    MODEL_NAMES,
    random_test_index,
    shared_lab,
)
from core.lab.shift import shift_images
from core.serving.timing import timed
from pages import through_app_navigation

through_app_navigation()

lab = shared_lab()
DEFAULT = TrainConfig()
TRAIN_SIZES = sorted({1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 60_000, DEFAULT.train_size})
HIDDEN_SIZES = sorted({16, 32, 64, 128, 256, 512, DEFAULT.mlp_hidden})
# Bound widgets keep their label in the URL, so labels are short and map to the settings' values.
FILL = {"zero": "zero", "wrap": "circular"}
FILL_NAMES = {"zero": "zero fill", "circular": "circular wrap"}
PADDING = {"zero": "zero", "circular": "circular"}
HEAD = {"flatten": "flatten", "global average": "gap"}
DOWNSAMPLE = {"max pool": "max", "BlurPool": "blurpool"}


def keep_in_bounds(choices: dict, ranges: dict) -> bool:
    """Put controls emptied by the URL (?fill=) or pushed out of range back to a valid value before they are drawn.

    Returns True if something had to change, so the caller can rerun and show the corrected control.
    """
    changed = False
    for key, (allowed, default) in choices.items():
        if key in st.session_state and st.session_state[key] not in allowed:
            st.session_state[key], changed = default, True
    for key, (low, high) in ranges.items():
        value = st.session_state.get(key)
        if value is not None and not low <= value <= high:
            st.session_state[key], changed = min(max(value, low), high), True
    return changed


def drop_unreadable_numbers(*keys: str) -> None:
    """A number control's URL value that is not a finite number (?seed=inf) is dropped before the control reads it.

    Streamlit 1.67 seeds a bound control from the URL as it was when the page loaded, and int(inf) there
    raises an OverflowError it does not catch; so the value goes from that copy too (a private field).
    """
    for key in keys:
        value = st.query_params.get(key)
        if value is None or fits_a_number_field(value):
            continue
        del st.query_params[key]
        context = get_script_run_ctx()
        if context is not None:
            with context.session_state.query_params() as params:
                getattr(params, "_initial_query_params", {}).pop(key, None)


def training_settings() -> TrainConfig:
    """The sidebar form; its widgets return their last submitted values, so this is the config to train."""
    keep_in_bounds(
        {"dataset": (DATASETS, DEFAULT.dataset), "train_size": (TRAIN_SIZES, DEFAULT.train_size),
         "hidden": (HIDDEN_SIZES, DEFAULT.mlp_hidden), "padding": (PADDING, "zero"), "head": (HEAD, "flatten"),
         "downsample": (DOWNSAMPLE, "max pool")},
        {"epochs": (1, 10), "seed": (0, 9_999), "augment": (0, 4)},
    )
    drop_unreadable_numbers("epochs", "seed", "augment")
    with st.sidebar.form("training"):
        st.subheader("Training")
        dataset = st.selectbox("Dataset", DATASETS, key="dataset", bind="query-params",
                               help="MNIST ships with the app. The others need the internet for their first download.")
        train_size = st.select_slider("Training images", TRAIN_SIZES, value=DEFAULT.train_size, key="train_size",
                                      bind="query-params", format_func=lambda n: f"{n:,}")
        epochs = st.slider("Epochs", 1, 10, DEFAULT.epochs, key="epochs", bind="query-params")
        seed = st.number_input("Seed", 0, 9_999, DEFAULT.seed, key="seed", bind="query-params")
        augment = st.slider("Shift augmentation (± pixels)", 0, 4, DEFAULT.augment_shift, key="augment", bind="query-params",
                            help="Train on images moved at random by up to this many pixels: the remedy for the MLP.")
        hidden = st.select_slider("MLP hidden units", HIDDEN_SIZES, value=DEFAULT.mlp_hidden, key="hidden", bind="query-params")
        padding = st.radio("CNN padding", list(PADDING), key="padding", bind="query-params", horizontal=True,
                           help="What the convolutions see beyond the edge: zeros, or the opposite edge (a torus).")
        head = st.radio("CNN head", list(HEAD), key="head", bind="query-params", horizontal=True,
                        help="Flatten: the classifier reads every position. Global average: it averages each map over "
                        "all positions, so where a feature is no longer matters (invariance).")
        downsample = st.radio("CNN downsampling", list(DOWNSAMPLE), key="downsample", bind="query-params", horizontal=True,
                              help="BlurPool blurs before subsampling, so small shifts change the pooled maps less "
                              "(Zhang 2019, Making convolutional networks shift-invariant again).")
        st.form_submit_button("Train", type="primary", width="stretch")
    if None in (dataset, padding, head, downsample):  # cleared by an empty value in the URL; the rerun resets them
        st.rerun()
    config = dataclasses.replace(
        DEFAULT, dataset=dataset, train_size=int(train_size), epochs=int(epochs), seed=int(seed), augment_shift=int(augment),
        mlp_hidden=int(hidden), cnn_padding=PADDING[padding], cnn_head=HEAD[head], cnn_downsample=DOWNSAMPLE[downsample],
    )
    try:
        return config.validated()
    except ValueError as error:
        st.sidebar.error(f"{error} Using the default settings.")
        return DEFAULT


def wait_for(jobs: dict) -> bool:
    """Show one progress bar for the trainings these settings need; True when every model is ready."""
    bar = None
    while not all(job.finished for job in jobs.values()):
        for job in jobs.values():
            job.seen()
        running = [job for job in jobs.values() if not job.finished]
        names = " and ".join(MODEL_NAMES[job.kind] for job in running)
        fraction = sum(job.fraction for job in jobs.values()) / len(jobs)
        losses = [f"{MODEL_NAMES[job.kind]} loss {job.loss:.3f}" for job in running if job.loss is not None]
        text = f"Training the {names}… {fraction:.0%}" + (f" · {', '.join(losses)}" if losses else "")
        if bar is None:
            bar = st.progress(fraction, text=text)
        else:
            bar.progress(fraction, text=text)
        time.sleep(0.1)
    if bar is not None:
        bar.empty()
    return all(job.state == "done" for job in jobs.values())


def known(value: float) -> float | None:
    """None for nan (no interior left at a large shift)."""
    return None if value != value else value


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def reference_table(rows, dx: int, dy: int, mode: str) -> None:
    shifted = f"shifted by ({dx}, {dy}), {FILL_NAMES[mode]}"
    st.table(
        {
            "model": [row.model for row in rows],
            "original test set": [percent(row.original) for row in rows],
            shifted: [percent(row.shifted) for row in rows],
            "change": [f"{100 * row.change:+.2f} pts" for row in rows],
            "shift consistency": [percent(row.consistency) for row in rows],
        }
    )
    st.caption(
        "Accuracy on the 10,000 test images. Shift consistency (Zhang 2019): how often the predicted class stays the "
        "same under two random shifts of up to 4 pixels each."
    )


def show_layers(comparisons) -> None:
    """For each stage of the CNN: f(shift(x)), shift(f(x)) and their difference, on one scale."""
    header = st.columns([1.2, 2, 2, 2], gap="small")
    for column, title in zip(header, ["layer", "f(shift(x)): maps of the shifted image", "shift(f(x)): the maps, shifted", "difference"]):
        column.markdown(f"**{title}**")
    for comparison in comparisons:
        channels = strongest_channels(comparison.shifted_f, 8)
        high = float(max(comparison.f_of_shifted[channels].max(), comparison.shifted_f[channels].max(), 1e-6))
        left, first, second, third = st.columns([1.2, 2, 2, 2], gap="small", vertical_alignment="center")
        moved = f"shifted by {comparison.shift}" if comparison.whole else f"≈ shifted by {comparison.shift}: not a whole cell"
        inside = known(comparison.interior_relative_error)
        interior = f"away from the border {inside:.2g}" if inside is not None else "no interior left"
        left.markdown(
            f"**{comparison.name}** · stride {comparison.stride}  \n{moved}  \n"
            f"relative error **{comparison.relative_error:.2g}**  \n{interior}"
        )
        first.image(feature_map_picture(comparison.f_of_shifted[channels], 0.0, high, columns=4), width="stretch")
        second.image(feature_map_picture(comparison.shifted_f[channels], 0.0, high, columns=4), width="stretch")
        third.image(difference_picture(comparison.difference[channels], high, columns=4), width="stretch")
    st.caption(
        "The 8 most active channels of each stage, on one grey scale per row (white 0, dark high). "
        "Difference: red where f(shift(x)) is higher, blue where shift(f(x)) is; white means they agree."
    )


def pick_random_image(dataset) -> None:
    digit = dataset.class_names.index(st.session_state["random_digit"])
    st.session_state["image"] = random_test_index(dataset, digit, random.Random())


def wait_for_sweeps(jobs: dict, dataset, mode: str) -> dict:
    """Both models' sweeps, with a progress bar while they are measured (in the background, or here)."""
    bar = None
    while True:
        sweeps = {kind: lab.ready_sweep(job, mode) for kind, job in jobs.items()}
        missing = [kind for kind, sweep in sweeps.items() if sweep is None]
        if not missing:
            if bar is not None:
                bar.empty()
            return {MODEL_NAMES[kind]: sweep for kind, sweep in sweeps.items()}
        under_way = {kind: lab.sweep_progress(jobs[kind], mode) for kind in missing}
        if None in under_way.values():  # nobody is measuring it: measure it here (a failure shows its message)
            kind = next(kind for kind, progress in under_way.items() if progress is None)
            with st.spinner(f"Measuring the {MODEL_NAMES[kind]} at {4 * MAX_SHIFT + 1} shifts…"):
                lab.sweep(jobs[kind], dataset, mode)
            continue
        fraction = (len(jobs) - len(missing) + sum(under_way.values())) / len(jobs)
        text = f"Measuring accuracy at {4 * MAX_SHIFT + 1} shifts on the {len(dataset.x_test):,} test images… {fraction:.0%}"
        if bar is None:
            bar = st.progress(fraction, text=text)
        else:
            bar.progress(fraction, text=text)
        for job in jobs.values():
            job.seen()
        time.sleep(0.5)


@st.fragment
@timed("fragment lab-shift-explorer")
def shift_explorer(jobs: dict, dataset, config: TrainConfig) -> None:
    """Everything the shift sliders change; a slider reruns only this part of the page."""
    shift_bounds = {"dx": (-MAX_SHIFT, MAX_SHIFT), "dy": (-MAX_SHIFT, MAX_SHIFT), "image": (0, len(dataset.x_test) - 1)}
    keep_in_bounds({"fill": (FILL, "zero")}, shift_bounds)
    drop_unreadable_numbers("dx", "dy", "image")
    controls = st.columns([3, 3, 2], gap="large", vertical_alignment="bottom")
    dx = controls[0].slider("dx: move right →", -MAX_SHIFT, MAX_SHIFT, 2, key="dx", bind="query-params")
    dy = controls[1].slider("dy: move down ↓", -MAX_SHIFT, MAX_SHIFT, 0, key="dy", bind="query-params")
    fill = controls[2].segmented_control("Fill", list(FILL), default="zero", required=True, key="fill", bind="query-params",
                                         help="What comes in at the edge: zeros, or what fell off the other side (wrap).")
    if fill not in FILL:  # an empty ?fill= in the URL clears even a required control; the rerun resets it
        st.rerun()
    mode = FILL[fill]

    for kind in MODEL_NAMES:
        lab.prepare_sweep(jobs[kind], dataset, mode)
    rows = lab.table(jobs, dataset, dx, dy, mode)
    mlp_row, cnn_row = rows

    left, right = st.columns([1, 1.25], gap="large")
    with left:
        st.subheader("Accuracy on shifted test images")
        reference_table(rows, dx, dy, mode)
        st.markdown(why_the_mlp_collapses((mlp_row.original, mlp_row.shifted), (cnn_row.original, cnn_row.shifted), (dx, dy), config.mlp_hidden))
    chart_slot = right.empty()

    st.subheader("Feature maps: do they move with the image?")
    picker = st.columns([1.2, 1.2, 0.8, 3], gap="medium", vertical_alignment="bottom")
    index = picker[0].number_input("Test image", 0, len(dataset.x_test) - 1, 0, key="image", bind="query-params")
    picker[1].selectbox("Random image of", dataset.class_names, key="random_digit")
    picker[2].button("🎲 Pick", on_click=pick_random_image, args=(dataset,), help="A random test image of that class.")
    image = dataset.x_test[int(index)]
    label = int(dataset.y_test[int(index)])
    pictures = st.columns([1, 1, 3], gap="medium", vertical_alignment="top")
    pictures[0].image(digit_picture(image.numpy()), caption=f"test image {index}: a {dataset.class_names[label]}", width=168)
    pictures[1].image(digit_picture(shift_images(image, dx, dy, mode).numpy()), caption=f"shifted by ({dx}, {dy})", width=168)
    probabilities = lab.probabilities(jobs, image, dx, dy, mode)
    with pictures[2]:
        verdicts = [
            f"the {name} says **{dataset.class_names[int(p.argmax())]}** ({p.max():.0%})"
            + (" ✅" if int(p.argmax()) == label else " ❌")
            for name, p in probabilities.items()
        ]
        st.markdown(f"Shifted, this {dataset.class_names[label]}: " + "; ".join(verdicts) + ".")
        st.vega_lite_chart(spec=probabilities_chart(probabilities, dataset.class_names, label), width="stretch")
    comparisons = lab.layers(jobs["cnn"], image, dx, dy, mode)
    show_layers(comparisons)

    hidden = lab.hidden(jobs["mlp"], image, dx, dy, mode)
    st.markdown(
        f"**The MLP's {len(hidden.original)} hidden units** for the image and for the shifted image. They do not move "
        f"with the digit, they change: correlation **{hidden.correlation:.2f}** between the two."
    )
    units = st.columns(2, gap="medium")
    high = float(max(hidden.original.max(), hidden.shifted.max(), 1e-6))
    units[0].image(hidden_picture(hidden.original, high), caption="hidden units, original image", width="stretch")
    units[1].image(hidden_picture(hidden.shifted, high), caption=f"hidden units, shifted by ({dx}, {dy})", width="stretch")

    st.subheader("Why?")
    baseline = None
    if config.augment_shift:
        plain = lab.cache.request("mlp", dataclasses.replace(config, augment_shift=0))
        if plain.state == "done":
            baseline = lab.accuracy(plain, dataset, dx, dy, mode)
    st.markdown(what_helps(config.augment_shift, mlp_row.shifted, baseline, (dx, dy), config.cnn_head == "gap"))
    first = comparisons[0]
    pooled = next(c for c in comparisons if c.stride == 2 and c.name.startswith("pool"))
    st.markdown(
        why_only_unbounded(
            config.cnn_padding, mode, first.relative_error, known(first.interior_relative_error),
            known(pooled.interior_relative_error), (dx, dy),
        )
    )

    if st.toggle(f"Show accuracy over every (dx, dy): {GRID_IMAGES:,} test images, computed once per model", key="show_grid"):
        with st.spinner(f"Measuring {(2 * MAX_SHIFT + 1) ** 2} shifts…"):
            grids = {MODEL_NAMES[kind]: lab.grid(job, dataset, mode) for kind, job in jobs.items()}
        columns = st.columns(len(grids))
        for column, (name, grid) in zip(columns, grids.items()):
            column.vega_lite_chart(spec=accuracy_heatmap(grid, f"{name}: accuracy over (dx, dy), {FILL_NAMES[mode]}"), width="content")

    with chart_slot.container():
        sweeps = wait_for_sweeps(jobs, dataset, mode)
        st.vega_lite_chart(spec=accuracy_vs_shift_chart(sweeps, config.augment_shift, (dx, dy)), width="stretch")


st.title("🔀 Equivariance lab")
st.markdown(
    "Train a fully connected network (MLP) and a convolutional one (CNN) on handwritten digits, then move the test "
    "images a few pixels. Which model still recognises them, and why?"
)

config = training_settings()
dataset, dataset_message = lab.dataset(config.dataset)
if dataset_message:
    st.warning(dataset_message, icon="📡")
    config = dataclasses.replace(config, dataset=dataset.name)

jobs = lab.train(config)
if not wait_for(jobs):
    failed = [job for job in jobs.values() if job.state != "done"]
    st.error(" ".join(dict.fromkeys(job.message for job in failed)), icon="⚠️")
    st.button("Train again")
    st.stop()

results = {kind: job.result for kind, job in jobs.items()}
summary = st.columns([4, 1, 1], vertical_alignment="center")
summary[0].caption(
    f"{dataset.name}: {config.train_size:,} training images, {config.epochs} epoch{'s' if config.epochs > 1 else ''}"
    + (f", shifts up to ±{config.augment_shift}" if config.augment_shift else "")
    + f". Trained in {results['mlp'].seconds:.1f} s (MLP) and {results['cnn'].seconds:.1f} s (CNN); "
    "every student with these settings shares these models."
)
for column, kind in zip(summary[1:], MODEL_NAMES):
    column.download_button(
        f"⬇️ {MODEL_NAMES[kind]} weights",
        lab.weights_file(jobs[kind], config),
        file_name=f"convlab-{kind}-{config.dataset.lower()}-seed{config.seed}.pt",
        mime="application/octet-stream",
        on_click="ignore",
    )

shift_explorer(jobs, dataset, config)
