"""The lab's sidebar: the training settings, their estimate on this server, a confirmation for a long one, progress."""

import dataclasses

import streamlit as st

from core.lab.config import CHOICE_LABELS, OFFERED, TrainConfig
from core.lab.data import DATASETS
from core.lab.plan import duration
from core.lab.questions import Lab
from pages.progress import show_progress
from pages.streamlit_internals import drop_unreadable_numbers

DEFAULT = TrainConfig()
BOUNDS, CHOICES = TrainConfig.bounds(), TrainConfig.choices()
SETTINGS = [
    "dataset",
    "train_size",
    "epochs",
    "seed",
    "augment_shift",
    "mlp_hidden",
    "cnn_padding",
    "cnn_head",
    "cnn_downsample",
]


def labels(field: str) -> list[str]:
    return [CHOICE_LABELS[field][value] for value in CHOICES[field]]


def keep_in_bounds(choices: dict[str, tuple[list, object]], ranges: dict[str, tuple[int, int]]) -> None:
    """Put controls emptied by the URL (?fill=) or pushed out of range back to a valid value before they are drawn."""
    for key, (allowed, default) in choices.items():
        if key in st.session_state and st.session_state[key] not in allowed:
            st.session_state[key] = default
    for key, (low, high) in ranges.items():
        value = st.session_state.get(key)
        if value is not None and not low <= value <= high:
            st.session_state[key] = min(max(value, low), high)


def offered(field: str, label: str):
    """A slider over the values the lab offers for this setting."""
    return st.select_slider(label, OFFERED[field], value=getattr(DEFAULT, field), key=field, bind="query-params")


def training_settings() -> TrainConfig:
    """The sidebar form; its widgets return their last submitted values, so this is the config to train."""
    choices = {key: (labels(key), CHOICE_LABELS[key][getattr(DEFAULT, key)]) for key in CHOICE_LABELS}
    keep_in_bounds(
        {
            "dataset": (DATASETS, DEFAULT.dataset),
            "train_size": (OFFERED["train_size"], DEFAULT.train_size),
            "mlp_hidden": (OFFERED["mlp_hidden"], DEFAULT.mlp_hidden),
            **choices,
        },
        {key: BOUNDS[key] for key in ("epochs", "seed", "augment_shift")},
    )
    drop_unreadable_numbers("epochs", "seed", "augment_shift")
    with st.sidebar.form("training"):
        st.subheader("Training")
        values = {
            "dataset": st.selectbox(
                "Dataset",
                DATASETS,
                key="dataset",
                bind="query-params",
                help="MNIST ships with the app. The others need the internet for their first download.",
            ),
            "train_size": offered("train_size", "Training images"),
            "epochs": st.slider("Epochs", *BOUNDS["epochs"], DEFAULT.epochs, key="epochs", bind="query-params"),
            "seed": st.number_input("Seed", *BOUNDS["seed"], DEFAULT.seed, key="seed", bind="query-params"),
            "augment_shift": st.slider(
                "Shift augmentation (± pixels)",
                *BOUNDS["augment_shift"],
                DEFAULT.augment_shift,
                key="augment_shift",
                bind="query-params",
                help="Train on images moved at random by up to this many pixels: the remedy for the MLP.",
            ),
            "mlp_hidden": offered("mlp_hidden", "MLP hidden units"),
        }
        for key, label, help_text in [
            (
                "cnn_padding",
                "CNN padding",
                "What the convolutions see beyond the edge: zeros, or the opposite edge (a torus).",
            ),
            (
                "cnn_head",
                "CNN head",
                "Flatten: the classifier reads every position. Global average: it averages each map over "
                "all positions, so where a feature is no longer matters (invariance).",
            ),
            (
                "cnn_downsample",
                "CNN downsampling",
                "BlurPool blurs before subsampling, so small shifts change the pooled maps "
                "less (Zhang 2019, Making convolutional networks shift-invariant again).",
            ),
        ]:
            chosen = st.radio(label, labels(key), key=key, bind="query-params", horizontal=True, help=help_text)
            values[key] = dict(zip(labels(key), CHOICES[key])).get(chosen)
        st.form_submit_button("Train", type="primary", width="stretch")
    if None in values.values():  # cleared by an empty value in the URL; the rerun resets them
        st.rerun()
    return dataclasses.replace(
        DEFAULT, **{key: value if isinstance(value, str) else int(value) for key, value in values.items()}
    )


def confirm(config: TrainConfig) -> None:
    st.session_state.setdefault("confirmed_trainings", set()).add(config)


def trained_models(lab: Lab, config: TrainConfig) -> dict:
    """Both models for these settings, once trained; first the estimate and, for a long training, a confirmation."""
    plan = lab.plan(config)
    # One slot in the sidebar and one in the page for the estimate, the confirmation or the refusal: whatever this
    # run draws replaces what the last run drew there at once (a confirmed training shows no "Train anyway" button).
    note, ask = st.sidebar.empty(), st.empty()
    if plan.over_cap:
        note.error(f"{plan.describe()} This server allows {duration(plan.cap_seconds)}: use fewer images or epochs.")
        ask.info("These settings take longer to train than this server allows: see the sidebar.", icon="⏱️")
        st.stop()
    if plan.needs_confirmation and config not in st.session_state.get("confirmed_trainings", set()):
        note.warning(plan.describe(), icon="⏱️")
        # The question goes where the learner is looking; the sidebar's form can be taller than the screen.
        with ask.container():
            st.info(
                f"A long training: about {duration(plan.total_seconds)} on this server (see the sidebar). "
                "Train anyway, or choose fewer images or epochs.",
                icon="⏱️",
            )
            label = f"Train anyway ({duration(plan.total_seconds)})"
            st.button(label, on_click=confirm, args=(config,), type="primary")
        st.stop()
    if plan.needs_training:
        note.info(plan.describe(), icon="⏱️")
    jobs = lab.train(config)
    ask.empty()
    show_progress(lab.training_updates(jobs), where=ask)  # in the question's place: no stale button beside it
    note.empty()
    failed = [job for job in jobs.values() if job.state != "done"]
    if failed:
        st.error(" ".join(dict.fromkeys(job.message for job in failed)), icon="⚠️")
        st.button("Train again")
        st.stop()
    return jobs
