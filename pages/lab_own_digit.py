"""The lab explorer's image: a test image, or the learner's own digit, drawn or uploaded and prepared like MNIST."""

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch
from streamlit_drawable_canvas import st_canvas

from core.lab.digit import (
    BOX,
    SIZE,
    NoDigit,
    PreparedDigit,
    UnreadableImage,
    failed_upload_message,
    prepare_digit,
    read_upload,
    small_picture_note,
)
from core.lab.images import grey, paper_and_ink, upscale
from pages.lab_views import show_picture
from pages.page_state import remember

TEST_IMAGE, OWN_DIGIT = "Test image", "Your own digit"
SOURCE = "lab_image_source"  # the choice stays out of the URL: a drawing cannot travel in a link
CANVAS = 280
# A 7 drawn 180 px tall with a 20 px brush comes out with 77 pixels' worth of ink, a 4 with 95; MNIST's median 7 has
# 88 and its median 4 has 94: the brush that makes a drawing look like MNIST's pen once it is scaled into 20 × 20.
STROKE = 20
STEP_WIDTH = 96  # pixels for each small picture of the preparation
UPLOADER_WIDTH = 250  # beside the canvas in a projector's 1024 pixels, sidebar open


@dataclass(frozen=True)
class ShownImage:
    """The image the explorer shifts and shows: a test image with its label, or the learner's digit (no label)."""

    image: torch.Tensor  # uint8 (28, 28)
    caption: str
    label: int | None


def image_source(dataset) -> str:
    """Test image or own digit; the canvas is for handwritten digits, so only MNIST offers it."""
    if dataset.name != "MNIST":
        return TEST_IMAGE
    remember("equivariance_image_source", [SOURCE])
    return st.segmented_control("Image", [TEST_IMAGE, OWN_DIGIT], default=TEST_IMAGE, required=True, key=SOURCE)


def test_image(dataset, index: int) -> ShownImage:
    label = int(dataset.y_test[index])
    return ShownImage(dataset.x_test[index], f"test image {index}: a {dataset.class_names[label]}", label)


def own_digit(dataset, dark: bool) -> ShownImage:
    """The canvas, the uploader and the preparation steps; until a digit is there, the test image with a prompt."""
    state = st.session_state.setdefault("own_digit", {"generation": 0, "drawing": None, "source": "drawing"})
    st.caption("Draw a digit with the mouse (or a finger), or upload a picture of one.")
    # The canvas and the uploader side by side where they fit, the uploader below the canvas on a narrow screen.
    inputs = st.container(horizontal=True, gap="medium")
    with inputs.container(width=CANVAS + 2):
        drawn = drawing(state, dark)
        st.button("Clear the drawing", on_click=clear_drawing, icon="🧽")
    with inputs.container(width=UPLOADER_WIDTH):
        uploaded, problem = upload(state)
        message = st.empty()  # filled below, once it is known what the pictures show instead
    prepared = drawn if state["source"] == "drawing" or uploaded is None else uploaded
    index = min(max(int(st.session_state.get("test_image", 0)), 0), len(dataset.x_test) - 1)
    if problem:
        message.error(failed_upload_message(problem, isinstance(prepared, PreparedDigit), index), icon="🖼️")
    if isinstance(prepared, PreparedDigit):
        show_steps(prepared, dark)
        return ShownImage(torch.from_numpy(prepared.image), "your digit", None)
    if not problem:  # one message: a failed upload's already says what the pictures show
        st.info(f"{prepared.message} Until then the pictures below show test image {index}.", icon="✏️")
    return test_image(dataset, index)


def drawing(state: dict, dark: bool) -> PreparedDigit | NoDigit:
    """The canvas, kept across reruns by a stable key; after a remount it starts from the learner's last drawing."""
    key = f"own_digit_canvas_{state['generation']}"
    if key not in st.session_state:  # mounted this run (first visit, back from a test image or another page)
        state["initial"] = state["drawing"]
    _, ink = paper_and_ink(dark)
    canvas = st_canvas(
        stroke_width=STROKE,
        stroke_color="#{:02x}{:02x}{:02x}".format(*ink.astype(int)),
        background_color="",  # transparent: the ink is the stroke's opacity, whatever the theme
        height=CANVAS,
        width=CANVAS,
        drawing_mode="freedraw",
        initial_drawing=state.get("initial"),
        return_image_data=True,
        key=key,
    )
    rgba = canvas.image_data
    if rgba is None:  # the canvas has not sent its picture yet this mount: keep what it showed before
        return state.get("drawn") or prepare_digit(None)
    objects = (canvas.json_data or {}).get("objects") or []
    signature = hashlib.sha1(json.dumps(objects, sort_keys=True).encode()).hexdigest() if objects else None
    if signature != state.get("drawing_signature") and objects:
        state["source"] = "drawing"  # the learner drew since the last upload
    state["drawing"], state["drawing_signature"] = (canvas.json_data if objects else None), signature
    state["drawn"] = prepare_digit(rgba if objects else None)
    return state["drawn"]


def clear_drawing() -> None:
    state = st.session_state["own_digit"]
    state.update(generation=state["generation"] + 1, drawing=None, drawing_signature=None, drawn=None)
    state["source"] = "drawing"


def upload(state: dict) -> tuple[PreparedDigit | NoDigit | None, str | None]:
    """The uploaded picture prepared (read once per file), or None with no file; and what went wrong, if anything."""
    file = st.file_uploader(
        "…or upload a picture of a digit (PNG or JPEG, up to 10 MB)",
        type=["png", "jpg", "jpeg"],
        key="own_digit_upload",
        max_upload_size=10,
    )
    if file is None:
        state["upload"] = None
        state["source"] = "drawing"
        return None, None
    cached = state.get("upload")
    if cached is None or cached[0] != file.file_id:
        try:
            result = prepare_digit(read_upload(file.getvalue()))
            problem = None if isinstance(result, PreparedDigit) else "No digit found: the picture is one flat colour."
        except UnreadableImage as error:
            result, problem = None, str(error)
        state["upload"] = cached = (file.file_id, result, problem)
        state["source"] = "upload"  # a new file: the learner wants to see it
    _, result, problem = cached
    problem = problem and f"{file.name}: {problem}"  # which file: the uploader may list an earlier one too
    return (result if isinstance(result, PreparedDigit) else None), problem


def show_steps(prepared: PreparedDigit, dark: bool) -> None:
    """Each step of MNIST's preparation, small, in one row."""
    height, width = prepared.cropped.shape
    small_height, small_width = prepared.scaled.shape
    steps = (
        (prepared.ink, f"grey, {prepared.ink.shape[1]} × {prepared.ink.shape[0]}"),
        (prepared.cropped, f"cropped to the ink: {width} × {height}"),
        (framed(prepared.scaled, BOX), f"scaled into {BOX} × {BOX}: {small_width} × {small_height}"),
        (prepared.image / 255, f"centred by mass in {SIZE} × {SIZE}"),
    )
    st.markdown("**Prepared the way MNIST was**")
    row = st.container(horizontal=True, gap="small")
    for ink, caption in steps:
        show_picture(row, step_picture(ink, dark), caption=caption, width=STEP_WIDTH)
    note = small_picture_note(prepared)
    if note:
        row.caption(note, width=STEP_WIDTH * 2)


def framed(ink: np.ndarray, side: int) -> np.ndarray:
    """Ink placed in the middle of a side × side square, to show the box it was scaled into."""
    square = np.zeros((side, side))
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    square[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return square


def step_picture(ink: np.ndarray, dark: bool) -> np.ndarray:
    """Ink on the theme's paper, as a square with a grey edge, small arrays enlarged pixel by pixel."""
    side = max(ink.shape)
    square = framed(ink, side)
    picture = grey(square, 0.0, 1.0, dark)
    picture = upscale(picture, max(1, STEP_WIDTH // side))
    edge = np.array([70, 70, 70] if dark else [200, 200, 200], dtype=np.uint8)
    picture[[0, -1], :], picture[:, [0, -1]] = edge, edge
    return picture
