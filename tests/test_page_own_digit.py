"""The lab's "Your own digit" in Streamlit's AppTest: the prompt, an upload that goes everywhere, a bad upload."""

import io

import numpy as np
import torch
from conftest import shown_text
from PIL import Image

from core.lab.captions import model_verdicts
from core.lab.config import TrainConfig
from core.lab.digit import prepare_digit, read_upload
from core.lab.questions import shared_lab

PAGE = "pages/equivariance.py"
TIMEOUT = 180  # the first run in a worker trains both default models
OWN_DIGIT = "Your own digit"  # (importing the page module needs a running app: the canvas registers itself)


def own_digit_page(open_page):
    at = open_page(PAGE, timeout=TIMEOUT)
    at.segmented_control(key="lab_image_source").set_value(OWN_DIGIT).run()
    assert not at.exception, at.exception
    return at


def captions_of(at) -> list[str]:
    return [caption for image in at.image for caption in image.captions]


def photo_of_test_image(index: int) -> bytes:
    """A test digit as a learner would photograph it: dark ink on light paper, large, off centre."""
    digit = shared_lab().datasets.get("MNIST").x_test[index].numpy()
    paper = np.full((400, 300), 235.0)
    paper[40:320, 10:290] -= 200 * np.kron(digit, np.ones((10, 10))) / 255
    buffer = io.BytesIO()
    Image.fromarray(paper.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_your_own_digit_asks_for_a_drawing_first_and_the_lab_goes_on_with_the_test_image(open_page):
    at = own_digit_page(open_page)
    assert any(info.value.startswith("Draw a digit first") for info in at.info)
    assert "Until then the pictures below show test image 0." in shown_text(at)
    assert "test_image" not in [field.key for field in at.number_input]  # the picker belongs to "Test image"
    assert at.table and any(m.value.startswith("**conv1**") for m in at.markdown)  # table and feature maps still there


def test_an_uploaded_photo_is_prepared_and_goes_everywhere_a_test_image_goes(open_page):
    at = own_digit_page(open_page)
    photo = photo_of_test_image(18)
    at.file_uploader(key="own_digit_upload").set_value(("my three.png", photo, "image/png")).run()
    assert not at.exception and not at.error
    assert "Draw a digit first" not in shown_text(at)
    prepared = prepare_digit(read_upload(photo))
    height, width = prepared.cropped.shape
    captions = captions_of(at)
    assert f"cropped to the ink: {width} × {height}" in captions and "centred by mass in 28 × 28" in captions
    assert "your digit" in captions  # the picture beside the shifted one: no test label

    lab, names = shared_lab(), tuple("0123456789")
    jobs = lab.train(TrainConfig())
    for dx in (2, -3):  # the default shift, then a slider move: the digit stays
        at.slider(key="dx").set_value(dx).run()
        probabilities = lab.probabilities(jobs, torch.from_numpy(prepared.image), dx, 0, "zero")
        assert model_verdicts(names, None, probabilities, (dx, 0)) in [m.value for m in at.markdown]
    assert not any(mark in shown_text(at) for mark in "✅❌")  # no right or wrong: only the learner knows the digit


def test_a_file_that_is_not_a_picture_gets_a_message_and_the_rest_of_the_lab_works(open_page):
    at = own_digit_page(open_page)
    at.file_uploader(key="own_digit_upload").set_value(("seven.png", b"a 7, typed\n", "image/png")).run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        "seven.png: That file is not a PNG or JPEG picture. Showing test image 0 instead."
    ]
    assert not any("Draw a digit first" in info.value for info in at.info)  # one message, not two
    assert at.table and any(m.value.startswith("**conv1**") for m in at.markdown)
