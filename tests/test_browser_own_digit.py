"""The lab's "Your own digit" in a real Chromium at a projector's 1024 × 768: a digit drawn with the mouse, uploads."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from bench.browsing import goto, main_text, screenshot, wait_idle
from core.lab.questions import cache_dir
from core.serving.model_cache import DatasetStore

pytestmark = pytest.mark.browser
PROJECTOR = pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
SEVEN = [(80, 60), (200, 60), (130, 230)]  # canvas pixels: the bar, then the stem


def open_own_digit(page) -> None:
    goto(page, "/equivariance")
    expect(page.locator("[data-testid='stTable']").first).to_be_visible(timeout=180_000)
    wait_idle(page)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Your own digit").click()
    wait_idle(page)


def canvas(page):
    """The canvas the strokes are drawn on (the component's, inside its shadow root)."""
    return page.locator("canvas.dc-canvas.lower-canvas")


def draw(page, points) -> None:
    box = canvas(page).bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
    page.mouse.up()
    wait_idle(page, settle=1.0)


def inked_pixels(page) -> int:
    return canvas(page).evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 == 3 && v > 0).length"
    )


def verdict(page) -> str:
    return page.get_by_text("your digit: the MLP says").inner_text()


def uploader(page):
    return page.locator("[data-testid='stFileUploader'] input[type='file']")


@PROJECTOR
def test_a_seven_drawn_with_the_mouse_is_prepared_predicted_and_stays_while_the_slider_moves(browser_page):
    page = browser_page
    open_own_digit(page)
    expect(page.get_by_text("Draw a digit first")).to_be_visible()
    canvas(page).scroll_into_view_if_needed()
    draw(page, SEVEN)

    expect(page.get_by_text("Prepared the way MNIST was")).to_be_visible()
    expect(page.get_by_text("Draw a digit first")).to_have_count(0)
    for step in ("grey, 280 × 280", "cropped to the ink", "scaled into 20 × 20", "centred by mass in 28 × 28"):
        expect(page.get_by_text(step)).to_be_visible()
    assert verdict(page).startswith("Shifted, your digit: the MLP says")
    assert "✅" not in main_text(page) and "❌" not in main_text(page)
    ink = inked_pixels(page)
    assert ink > 2_000  # a 20-pixel brush over about 400 pixels of stroke
    page.get_by_text("Prepared the way MNIST was").scroll_into_view_if_needed()
    screenshot(page, "own-digit")

    page.locator("[data-testid='stSlider']").filter(has_text="dx: move right").locator("input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_idle(page, settle=1.0)
    expect(page.get_by_text("shifted by (4, 0)", exact=True)).to_be_visible()
    assert verdict(page).startswith("Shifted, your digit:")
    assert inked_pixels(page) == ink  # the drawing is still on the canvas


@PROJECTOR
def test_an_uploaded_picture_is_predicted_and_a_text_file_named_png_gets_a_message(browser_page, tmp_path):
    page = browser_page
    open_own_digit(page)
    digit = DatasetStore(cache_dir()).get("MNIST").x_test[0].numpy()  # a 7
    photo = 235 - 200 * np.kron(digit, np.ones((12, 12))) / 255  # dark ink on light paper, 336 × 336
    buffer = io.BytesIO()
    Image.fromarray(photo.astype(np.uint8)).save(buffer, format="PNG")
    uploader(page).set_input_files(
        files=[{"name": "my seven.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    wait_idle(page, settle=1.0)
    expect(page.get_by_text("Prepared the way MNIST was")).to_be_visible()
    assert verdict(page).startswith("Shifted, your digit: the MLP says")

    not_a_picture = tmp_path / "seven.png"
    not_a_picture.write_text("a 7, typed\n")
    uploader(page).set_input_files(str(not_a_picture))
    wait_idle(page, settle=1.0)
    expect(page.get_by_text("seven.png: That file is not a PNG or JPEG picture.")).to_be_visible()
    expect(page.get_by_text("Showing test image")).to_be_visible()  # no digit now: the test image, said once
    expect(page.get_by_text("Draw a digit first")).to_have_count(0)
    expect(page.locator("[data-testid='stTable']").first).to_be_visible()
