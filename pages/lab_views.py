"""The lab's results drawn: the reference table, the feature maps layer by layer, the MLP's hidden units."""

import streamlit as st

from core.lab.captions import consistency_note, hidden_units_sentence, layer_caption, model_verdicts
from core.lab.charts import probabilities_chart
from core.lab.explain import reference_table
from core.lab.images import (
    difference_picture,
    digit_picture,
    feature_map_picture,
    hidden_picture,
    png,
    strongest_channels,
)
from core.lab.questions import CONSISTENCY_SHIFT, DEFAULT_SHIFT, MAX_SHIFT
from core.lab.wording import shifted_by
from pages.lab_training import keep_in_bounds
from pages.streamlit_internals import drop_unreadable_numbers

FILL = {"zero": "zero", "wrap": "circular"}  # the fill control's label (also in the URL) → the shift mode
FILL_HELP = "What comes in at the edge: zeros, or what fell off the other side (wrap)."
LAYER_COLUMNS = [1.2, 2, 2, 2]
DIGIT_WIDTH = 168  # pixels: six per pixel of a 28×28 digit


def dark_theme() -> bool:
    """Whether the learner sees the dark theme, so that pictures are drawn on its background, not as white tiles."""
    return st.context.theme.type == "dark"


def linked_mode(key: str) -> str:
    """The shift mode a link's fill asks for, in either spelling ("wrap" or "circular"), before its control is drawn."""
    text = st.query_params.get(key, "zero")
    return FILL.get(text, text if text in FILL.values() else "zero")


def shift_controls(
    prefix: str = "", ranges: dict | None = None, fill_help: str = FILL_HELP, page: str = "the lab"
) -> tuple[int, int, str]:
    """The dx and dy sliders and the fill control, bound to the URL as {prefix}dx, {prefix}dy and {prefix}fill:
    (dx, dy, the fill's label). A link's value out of bounds is corrected first, and said so; `ranges` adds other
    numbers of the same fragment to that check (key → (low, high, default))."""
    dx_key, dy_key, fill_key = f"{prefix}dx", f"{prefix}dy", f"{prefix}fill"
    start_dx, start_dy = DEFAULT_SHIFT
    ranges = {dx_key: (-MAX_SHIFT, MAX_SHIFT, start_dx), dy_key: (-MAX_SHIFT, MAX_SHIFT, start_dy), **(ranges or {})}
    changed = keep_in_bounds(
        {fill_key: (list(FILL), "zero")},
        ranges,
        spellings={fill_key: {mode: label for label, mode in FILL.items()}},
        page=page,
    )
    drop_unreadable_numbers(*ranges)
    if changed:
        st.info(changed, icon="🔗")
    controls = st.columns([3, 3, 2.2], gap="medium", vertical_alignment="bottom")
    dx = controls[0].slider("dx: move right →", -MAX_SHIFT, MAX_SHIFT, start_dx, key=dx_key, bind="query-params")
    dy = controls[1].slider("dy: move down ↓", -MAX_SHIFT, MAX_SHIFT, start_dy, key=dy_key, bind="query-params")
    fill = controls[2].segmented_control(
        "Fill", list(FILL), default="zero", required=True, key=fill_key, bind="query-params", help=fill_help
    )
    if fill not in FILL:  # an empty ?fill= in the URL clears even a required control; the rerun resets it
        st.rerun()
    return int(dx), int(dy), fill


def show_picture(container, picture, caption: str | None = None, width: int | str = "stretch") -> None:
    """A picture (H, W, 3) uint8 as lossless PNG, sent as written (Streamlit would otherwise decode it again and
    write a JPEG, on every slider step)."""
    container.image(png(picture), caption=caption, width=width, output_format="PNG")


def show_table(rows, shift: tuple[int, int], mode: str, images: int) -> None:
    st.table(reference_table(rows, shift, mode))
    st.caption(consistency_note(images, CONSISTENCY_SHIFT, mode))


def show_images(shown, names, shifted, shift: tuple[int, int], probabilities: dict) -> None:
    """The image (a test image, or the learner's digit: no label, so no right or wrong), the image shifted, and what
    each model makes of the shifted one."""
    label = shown.label
    dark = dark_theme()
    pictures, verdict = st.columns([2, 3], gap="medium", vertical_alignment="top")
    # Side by side where there is room for both, one above the other in a narrow column (a projector's 1024 pixels).
    digits = pictures.container(horizontal=True, gap="small")
    show_picture(digits, digit_picture(shown.image.numpy(), dark=dark), caption=shown.caption, width=DIGIT_WIDTH)
    show_picture(digits, digit_picture(shifted.numpy(), dark=dark), caption=shifted_by(shift), width=DIGIT_WIDTH)
    with verdict:
        st.markdown(model_verdicts(names, label, probabilities, shift))
        st.vega_lite_chart(spec=probabilities_chart(probabilities, names, label, shift), width="stretch")


def show_layers(comparisons, no_border: bool) -> None:
    """For each stage of the CNN: f(shift(x)), shift(f(x)) and their difference, on one scale (no border line on a
    torus, where there is no border)."""
    dark = dark_theme()
    titles = ["layer", "f(shift(x)): maps of the shifted image", "shift(f(x)): the maps, shifted", "difference"]
    for column, title in zip(st.columns(LAYER_COLUMNS, gap="small"), titles):
        column.markdown(f"**{title}**")
    for comparison in comparisons:
        channels = strongest_channels(comparison.shifted_f, 8)
        high = float(max(comparison.f_of_shifted[channels].max(), comparison.shifted_f[channels].max(), 1e-6))
        left, first, second, third = st.columns(LAYER_COLUMNS, gap="small", vertical_alignment="center")
        left.markdown(layer_caption(comparison, no_border))
        for column, maps in ((first, comparison.f_of_shifted), (second, comparison.shifted_f)):
            show_picture(column, feature_map_picture(maps[channels], 0.0, high, columns=4, dark=dark))
        show_picture(third, difference_picture(comparison.difference[channels], high, columns=4, dark=dark))
    st.caption(
        "The 8 most active channels of each stage, on one grey scale per row ("
        + ("dark 0, light high" if dark else "white 0, dark high")
        + "). Difference: red where f(shift(x)) is higher, blue where shift(f(x)) is; "
        + ("dark" if dark else "white")
        + " means they agree."
    )


def show_hidden_units(hidden, shift: tuple[int, int], dataset: str) -> None:
    st.markdown(hidden_units_sentence(len(hidden.original), hidden.correlation, shift, dataset))
    units = st.columns(2, gap="medium")
    high, dark = float(max(hidden.original.max(), hidden.shifted.max(), 1e-6)), dark_theme()
    for column, values, caption in (
        (units[0], hidden.original, "hidden units, original image"),
        (units[1], hidden.shifted, f"hidden units, {shifted_by(shift)}"),
    ):
        show_picture(column, hidden_picture(values, high, dark=dark), caption=caption)
