"""What a page keeps for the learner while they are on another page of the app, in their own session only."""

from collections.abc import Iterable

import streamlit as st


def remember(page: str, keys: Iterable[str]) -> None:
    """Bring this page's controls back as the learner left them, and keep them from now on.

    Streamlit forgets a control's value once a run does not draw it (the learner is on another page).
    Called before the controls are drawn: a value the learner set last time comes back, unless the URL
    names it (a shared link, a reload, Back or Forward: the URL wins); then the current values are kept
    in a plain session key, which Streamlit never drops. Each browser tab is its own session.
    """
    memory = st.session_state.setdefault(f"{page}_memory", {})
    for key in keys:
        if key in st.session_state:
            memory[key] = st.session_state[key]
        elif key in memory and key not in st.query_params:
            st.session_state[key] = memory[key]


def forget(page: str, keys: Iterable[str]) -> None:
    """Clear these values for good (a new exercise clears the old answers), not only until the next run."""
    memory = st.session_state.setdefault(f"{page}_memory", {})
    for key in keys:
        memory.pop(key, None)
        st.session_state.pop(key, None)


def adopt_renamed_parameters(renamed: dict[str, tuple[str, type]]) -> None:
    """Old links keep working: a URL parameter under its old name (old → (new, type)) becomes the new control's value.

    A value that cannot be read as that type is dropped; the control then shows its default, with no error.
    """
    for old, (new, kind) in renamed.items():
        if old not in st.query_params:
            continue
        text = st.query_params[old]
        try:
            del st.query_params[old]
        except st.errors.StreamlitAPIException:  # the name is bound to a control of this session: not an old link
            continue
        if new in st.query_params:
            continue
        try:
            st.session_state[new] = kind(float(text)) if kind is int else kind(text)
        except (TypeError, ValueError, OverflowError):
            pass
