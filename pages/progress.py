"""One progress bar for any background work the page waits for (trainings, sweeps), fed by core's updates."""

from collections.abc import Iterable

import streamlit as st

from core.lab.progress import Progress


def show_progress(updates: Iterable[Progress], where=st) -> None:
    """Draw each update as it comes; the bar disappears when the work is done."""
    bar = None
    for update in updates:
        if bar is None:
            bar = where.progress(update.fraction, text=update.text)
        else:
            bar.progress(update.fraction, text=update.text)
    if bar is not None:
        bar.empty()
