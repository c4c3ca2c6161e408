"""The lab's sidebar: the training settings, their estimate on this server, a confirmation for a long one, progress."""

import dataclasses
from collections.abc import Callable

import streamlit as st

from core.lab.config import CHOICE_LABELS, OFFERED, SETTING_HELP, TrainConfig
from core.lab.data import DATASETS
from core.lab.plan import TrainingPlan, duration
from core.lab.questions import Lab
from core.links import choice_from_link, number_from_link
from pages.progress import show_progress
from pages.streamlit_internals import correct_the_link, drop_unreadable_numbers

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


def keep_in_bounds(
    choices: dict[str, tuple[list, object]],
    ranges: dict[str, tuple[int, int, int]],
    offered_values: dict[str, tuple[tuple[int, ...], int]] | None = None,
    spellings: dict[str, dict[str, str]] | None = None,
    page: str = "the lab",
) -> str:
    """Before the controls are drawn: a value the URL asks for that the lab does not allow becomes the nearest allowed
    one (or the default), and a control emptied (?fill=) or pushed out of range goes back to a valid value.
    choices: key → (allowed, default); ranges: key → (low, high, default); offered_values: key → (the values, default);
    spellings: key → {another spelling: the allowed value} (any case), followed without a word, the URL then written
    the control's way; page: what the sentences say shows the values ("the lab", "this page").

    Returns one sentence per value changed, for the page to say (Streamlit alone would silently show the default).
    """
    offered_values = offered_values or {}
    notes = []
    for key in [*choices, *ranges, *offered_values]:
        text = st.query_params.get(key)
        if text is None:
            continue
        if key in choices:
            value, note = choice_from_link(key, text, *choices[key], (spellings or {}).get(key), page=page)
        elif key in ranges:
            value, note = number_from_link(key, text, *ranges[key], page=page)
        else:
            values, default = offered_values[key]
            value, note = number_from_link(key, text, min(values), max(values), default, values, page=page)
        if text != str(value):  # Streamlit would not read this text as the value: give the control the value itself
            st.session_state[key] = value
            correct_the_link(key, str(value))
        notes += [note] if note else []
    for key, (allowed, default) in [*choices.items(), *offered_values.items()]:
        if key in st.session_state and st.session_state[key] not in allowed:
            st.session_state[key] = default
    for key, (low, high, _) in ranges.items():
        value = st.session_state.get(key)
        if value is not None and not low <= value <= high:
            st.session_state[key] = min(max(value, low), high)
    return " ".join(notes)


def offered(field: str, label: str):
    """A slider over the values the lab offers for this setting."""
    return st.select_slider(label, OFFERED[field], value=getattr(DEFAULT, field), key=field, bind="query-params")


def training_settings() -> TrainConfig:
    """The sidebar form; its widgets return their last submitted values, so this is the config to train."""
    choices = {key: (labels(key), CHOICE_LABELS[key][getattr(DEFAULT, key)]) for key in CHOICE_LABELS}
    changed = keep_in_bounds(
        {"dataset": (DATASETS, DEFAULT.dataset), **choices},
        {key: (*BOUNDS[key], getattr(DEFAULT, key)) for key in ("epochs", "seed", "augment_shift")},
        {key: (OFFERED[key], getattr(DEFAULT, key)) for key in ("train_size", "mlp_hidden")},
        CHOICE_LABELS,  # the settings as the code writes them (gap, blurpool) → their labels
    )
    if changed:
        st.info(changed, icon="🔗")
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
                help=SETTING_HELP["augment_shift"],
            ),
            "mlp_hidden": offered("mlp_hidden", "MLP hidden units"),
        }
        for key, label in [
            ("cnn_padding", "CNN padding"),
            ("cnn_head", "CNN head"),
            ("cnn_downsample", "CNN downsampling"),
        ]:
            chosen = st.radio(label, labels(key), key=key, bind="query-params", horizontal=True, help=SETTING_HELP[key])
            values[key] = dict(zip(labels(key), CHOICES[key])).get(chosen)
        st.form_submit_button("Train", type="primary", width="stretch")
    if None in values.values():  # cleared by an empty value in the URL; the rerun resets them
        st.rerun()
    return dataclasses.replace(
        DEFAULT, **{key: value if isinstance(value, str) else int(value) for key, value in values.items()}
    )


def confirm(setting) -> None:
    st.session_state.setdefault("confirmed_trainings", set()).add(setting)


def trained_models(lab: Lab, config: TrainConfig) -> dict:
    """Both models for these settings, once trained; first the estimate and, for a long training, a confirmation."""
    return train_as_planned(
        lab.plan(config), config, lambda: lab.train(config), lab.training_updates, page_default=config == TrainConfig()
    )


def train_as_planned(
    plan: TrainingPlan,
    setting,
    train: Callable[[], dict],
    updates: Callable,
    page_default: bool = False,
    fewer: str = "images or epochs",
) -> dict:
    """The models a page needs (train() starts or finds them), once trained: first the estimate in the sidebar and,
    for a long training, a confirmation; `setting` (hashable) is what the learner confirms; updates(jobs) follows them.

    The page's own default setting is never put to the learner: it is what a teacher sends a class to, and a busy
    server (thirty students opening it at once) makes even the default's estimate long. The estimate still shows.
    `fewer` names what the learner can reduce ("images or epochs").
    """
    # One slot in the sidebar and one in the page for the estimate, the confirmation or the refusal: whatever this
    # run draws replaces what the last run drew there at once (a confirmed training shows no "Train anyway" button).
    note, ask = st.sidebar.empty(), st.empty()
    if plan.over_cap:
        note.error(f"{plan.describe()} This server allows {duration(plan.cap_seconds)}: use fewer {fewer}.")
        ask.info("These settings take longer to train than this server allows: see the sidebar.", icon="⏱️")
        st.stop()
    confirmed = page_default or setting in st.session_state.get("confirmed_trainings", set())
    if plan.needs_confirmation and not confirmed:
        note.warning(plan.describe(), icon="⏱️")
        # The question goes where the learner is looking; the sidebar's form can be taller than the screen.
        with ask.container():
            st.info(
                f"A long training: about {duration(plan.total_seconds)} on this server (see the sidebar). "
                f"Train anyway, or choose fewer {fewer}.",
                icon="⏱️",
            )
            label = f"Train anyway ({duration(plan.total_seconds)})"
            st.button(label, on_click=confirm, args=(setting,), type="primary")
        st.stop()
    if plan.needs_training:
        note.info(plan.describe(), icon="⏱️")
    jobs = train()
    ask.empty()
    show_progress(updates(jobs), where=ask)  # in the question's place: no stale button beside it
    note.empty()
    failed = [job for job in jobs.values() if job.state != "done"]
    if failed:
        st.error(" ".join(dict.fromkeys(job.message for job in failed)), icon="⚠️")
        st.button("Train again")
        st.stop()
    return jobs
