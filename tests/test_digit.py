"""A learner's digit prepared the way MNIST's were, checked against MNIST's own test images."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.lab.captions import model_verdicts
from core.lab.digit import (
    BOX,
    CENTRE,
    MAX_UPLOAD_BYTES,
    WORKING_SIZE,
    NoDigit,
    PreparedDigit,
    UnreadableImage,
    centre_of_mass,
    failed_upload_message,
    prepare_digit,
    read_upload,
    small_picture_note,
)
from core.lab.questions import cache_dir
from core.serving.model_cache import DatasetStore


@pytest.fixture(scope="module")
def mnist_test_images() -> np.ndarray:
    return DatasetStore(cache_dir()).get("MNIST").x_test.numpy()


def on_transparent_sheet(ink: np.ndarray, colour=(255, 255, 255)) -> np.ndarray:
    """Strokes as the canvas returns them: RGBA, the ink's strength in the opacity."""
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = ink
    return rgba


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    rows, columns = np.nonzero(image)
    return rows.min(), rows.max(), columns.min(), columns.max()


def shifted_inside(image: np.ndarray, dx: int, dy: int, size: int) -> np.ndarray:
    """The image placed on a size × size sheet, moved by (dx, dy) with nothing cut off."""
    sheet = np.zeros((size, size), dtype=image.dtype)
    top, bottom, left, right = ink_box(image)
    ink = image[top : bottom + 1, left : right + 1]
    sheet[top + dy : bottom + 1 + dy, left + dx : right + 1 + dx] = ink
    return sheet


def png_bytes(picture: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format)
    return buffer.getvalue()


def test_mnist_test_images_come_out_of_the_preparation_unchanged(mnist_test_images):
    # MNIST's digits were made this way, so preparing one again must leave it as it is: same box, same centring.
    for image in mnist_test_images[:500]:
        prepared = prepare_digit(on_transparent_sheet(image))
        np.testing.assert_array_equal(prepared.image, image)


def test_a_digit_drawn_anywhere_and_at_any_size_is_prepared_into_the_same_centred_image(mnist_test_images):
    for image in mnist_test_images[:6]:
        reference = prepare_digit(on_transparent_sheet(image)).image
        top, bottom, left, right = ink_box(image)
        moves = [(-left, -top), (27 - right, 27 - bottom), (-left, 27 - bottom), (27 - right, -top), (1, -1)]
        for dx, dy in moves:  # to each corner of the 28 × 28 field, and one pixel off the centre
            prepared = prepare_digit(on_transparent_sheet(shifted_inside(image, dx, dy, 28)))
            np.testing.assert_array_equal(prepared.image, reference)
        # A big drawing: every pixel a 10 × 10 block, placed off centre on a 400 × 400 canvas.
        big = shifted_inside(np.kron(image, np.ones((10, 10), dtype=np.uint8)), 37, -23, 400)
        prepared = prepare_digit(on_transparent_sheet(big))
        assert np.abs(prepared.image.astype(int) - reference).max() <= 1  # float rounding of the 10 × 10 averages
        row, column = centre_of_mass(prepared.image.astype(np.float64))
        assert abs(row - CENTRE) <= 0.5 and abs(column - CENTRE) <= 0.5
        top, bottom, left, right = ink_box(prepared.image)
        assert max(bottom - top + 1, right - left + 1) == BOX


def test_the_preparation_keeps_every_step_for_the_page(mnist_test_images):
    image = np.kron(mnist_test_images[0], np.ones((10, 10), dtype=np.uint8))
    prepared = prepare_digit(on_transparent_sheet(image))
    top, bottom, left, right = ink_box(image)
    assert prepared.ink.shape == (280, 280)
    height, width = bottom - top + 1, right - left + 1
    assert prepared.cropped.shape == (height, width) and height > width
    assert prepared.scaled.shape == (BOX, round(BOX * width / height))  # the longer side 20, the aspect ratio kept
    assert prepared.image.shape == (28, 28) and prepared.image.dtype == np.uint8


def test_on_a_transparent_canvas_the_ink_is_the_opacity_whatever_the_pen_colour(mnist_test_images):
    image = np.kron(mnist_test_images[1], np.ones((10, 10), dtype=np.uint8))
    black_pen = prepare_digit(on_transparent_sheet(image, colour=(17, 24, 39))).image
    white_pen = prepare_digit(on_transparent_sheet(image, colour=(250, 250, 250))).image
    np.testing.assert_array_equal(black_pen, white_pen)


def test_a_photo_of_dark_ink_on_light_paper_comes_out_bright_on_black(mnist_test_images):
    image = mnist_test_images[2]
    reference = prepare_digit(on_transparent_sheet(image)).image.astype(np.float64)
    rng = np.random.default_rng(0)
    for paper, ink in ((225, 30), (35, 215)):  # pencil on paper, and chalk on a board (no inverting)
        strength = np.kron(image, np.ones((12, 12))) / 255
        grey = paper + (ink - paper) * strength + rng.normal(0, 4, strength.shape)  # paper grain
        photo = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB")
        prepared = prepare_digit(read_upload(png_bytes(photo, "JPEG")))
        assert isinstance(prepared, PreparedDigit)
        result = prepared.image.astype(np.float64)
        assert result[0].max() == result[-1].max() == 0  # black all round, like MNIST
        assert np.corrcoef(result.ravel(), reference.ravel())[0, 1] > 0.95


def test_a_huge_photo_is_shrunk_before_anything_else(mnist_test_images):
    strength = np.kron(mnist_test_images[3], np.ones((100, 140))) / 255  # 2,800 × 3,920 pixels
    photo = Image.fromarray((240 - 200 * strength).astype(np.uint8)).convert("RGB")
    picture = read_upload(png_bytes(photo, "JPEG"))
    assert max(picture.shape[:2]) <= WORKING_SIZE and picture.shape[2] == 4
    assert isinstance(prepare_digit(picture), PreparedDigit)


def test_an_empty_canvas_or_a_blank_page_asks_for_a_digit_first():
    blank_paper = np.full((280, 280, 4), 255, dtype=np.uint8)
    for nothing in (None, np.zeros((280, 280, 4), dtype=np.uint8), blank_paper):
        result = prepare_digit(nothing)
        assert isinstance(result, NoDigit) and result.message.startswith("Draw a digit first")


def huge_png_header(side: int) -> bytes:
    """A PNG of a few bytes that claims to be side × side pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )


def test_files_that_are_not_readable_pictures_get_a_message_not_an_exception(mnist_test_images):
    png = png_bytes(Image.fromarray(mnist_test_images[0]))
    gif = png_bytes(Image.fromarray(mnist_test_images[0]), "GIF")
    cases = {
        b"7, drawn in a text file\n": "not a PNG or JPEG picture",
        png[: len(png) // 2]: "damaged or cut short",
        gif: "not a PNG or JPEG picture",
        huge_png_header(5_000): "PNG pictures up to 16 megapixels are accepted",  # 25 megapixels
        huge_png_header(100_000): "far more pixels than its file size suggests",  # a decompression bomb
        png + b"\0" * MAX_UPLOAD_BYTES: "up to 10 MB are accepted",
    }
    for data, message in cases.items():
        with pytest.raises(UnreadableImage, match=message):
            read_upload(data)


def test_the_verdict_on_a_learners_digit_names_no_true_class():
    probabilities = {"MLP": np.eye(10)[3] * 0.6 + 0.04, "CNN": np.eye(10)[7] * 0.9 + 0.01}
    line = model_verdicts(tuple("0123456789"), None, probabilities, (2, 0))
    assert line == "Shifted, your digit: the MLP says **3** (64%); the CNN says **7** (91%)."
    assert not any(mark in line for mark in "✅❌")


def test_a_tiny_picture_is_said_to_be_enlarged_into_blocks_and_a_normal_one_is_not(mnist_test_images):
    tiny = np.full((5, 5), 255, dtype=np.uint8)
    tiny[1, 1] = tiny[2, 3] = tiny[3, 2] = 0  # three dark pixels: a 3 × 3 ink box
    prepared = prepare_digit(read_upload(png_bytes(Image.fromarray(tiny))))
    assert prepared.cropped.shape == (3, 3)
    assert (
        small_picture_note(prepared)
        == "This picture is very small: the digit was enlarged about 7×, so it looks blocky."
    )
    sheet = np.zeros((28, 28), dtype=np.uint8)
    sheet[4:9, 10:14] = 255  # a 4 × 5 box: exactly 4×
    assert "enlarged 4×," in small_picture_note(prepare_digit(on_transparent_sheet(sheet)))
    assert small_picture_note(prepare_digit(on_transparent_sheet(mnist_test_images[0]))) is None


def test_a_failed_upload_says_what_the_pictures_show_instead():
    problem = "That file is not a PNG or JPEG picture."
    assert failed_upload_message(problem, True, 7) == f"{problem} Showing your drawing instead."
    assert failed_upload_message(problem, False, 7) == f"{problem} Showing test image 7 instead."
