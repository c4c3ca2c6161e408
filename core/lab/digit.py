"""A learner's own digit, drawn or photographed, prepared the way MNIST's digits were: ink cropped to its box, scaled
into 20 × 20, centred by its centre of mass in 28 × 28.

LeCun, Cortes and Burges: the NIST digits "were size normalized to fit in a 20x20 pixel box while preserving their
aspect ratio" with anti-aliasing, then "centered in a 28x28 image by computing the center of mass of the pixels, and
translating the image so as to position this point at the center of the 28x28 field". Measured on MNIST's 10,000
test images, that centre is pixel (14, 14) counted from 0: every centre of mass lies within half a pixel of it, as a
translation by whole pixels leaves it.
"""

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 28
BOX = 20
CENTRE = 14.0  # row and column of MNIST's centre of mass, counted from 0 (see the module's docstring)
WORKING_SIZE = 800  # an upload is shrunk to this many pixels a side before anything else is done with it
MAX_UPLOAD_BYTES = 10 * 2**20
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo is fine: a JPEG decodes at an eighth of its size
MAX_PNG_PIXELS = 16_000_000  # a PNG decodes whole: 4,000 × 4,000 is 64 MB in memory before it is shrunk
NO_INK = 0.05  # ink below 5% of full strength anywhere: nothing drawn
PAPER = 0.25  # in a photo, anything below a quarter of the darkest ink's strength is paper, shadow or grain
SMALL_INK = 10  # an ink box whose longer side is under 10 pixels is enlarged more than 2× and looks blocky


class UnreadableImage(ValueError):
    """An upload that is not a picture this page can read; its message says why, for the learner."""


@dataclass(frozen=True)
class NoDigit:
    """Nothing to prepare: the canvas is empty, or the picture is one flat colour."""

    message: str


@dataclass(frozen=True)
class PreparedDigit:
    """Every step of the preparation, ink as 0 (paper) to 1 (full ink), and the result as MNIST stores it."""

    ink: np.ndarray  # the drawing or photo at working size
    cropped: np.ndarray  # the ink's bounding box
    scaled: np.ndarray  # the box scaled so that its longer side is 20 pixels
    image: np.ndarray  # 28 × 28 uint8, ink bright on black like MNIST, centre of mass at (14, 14) to within 0.5


def read_upload(data: bytes) -> np.ndarray:
    """PNG or JPEG bytes → RGBA uint8 (h, w, 4) at most WORKING_SIZE a side; UnreadableImage with the reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableImage(
            f"That file is {len(data) / 2**20:.1f} MB; pictures up to {MAX_UPLOAD_BYTES // 2**20} MB are accepted."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(data))  # reads the header only
            if picture.format not in ("PNG", "JPEG"):
                raise UnreadableImage("That file is not a PNG or JPEG picture.")
            width, height = picture.size
            limit = MAX_PIXELS if picture.format == "JPEG" else MAX_PNG_PIXELS
            if width * height > limit:
                raise UnreadableImage(
                    f"That picture is {width:,} × {height:,} pixels; {picture.format} pictures up to "
                    f"{limit // 1_000_000} megapixels are accepted."
                )
            picture.draft("RGB", (WORKING_SIZE, WORKING_SIZE))  # a JPEG decodes straight at 1/2, 1/4 or 1/8 size
            if picture.mode not in (
                "L",
                "RGB",
                "RGBA",
            ):  # palette, 1-bit, 16-bit: modes that shrink badly or not at all
                picture = picture.convert("RGBA")
            picture.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BOX)
            picture = ImageOps.exif_transpose(picture).convert("RGBA")  # a phone's photo the way up it was taken
        except UnreadableImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UnreadableImage("That picture unpacks to far more pixels than its file size suggests.") from None
        except UnidentifiedImageError:
            raise UnreadableImage("That file is not a PNG or JPEG picture.") from None
        except (OSError, SyntaxError, ValueError):  # Pillow's words for a picture it cannot decode to the end
            raise UnreadableImage("That picture cannot be read: the file is damaged or cut short.") from None
    return np.asarray(picture)


def ink_of(rgba: np.ndarray) -> np.ndarray | None:
    """Ink from 0 to 1 for an RGBA picture (h, w, 4), or None when there is none.

    Strokes on a transparent sheet (the canvas, a transparent PNG): the ink is the opacity, whatever its colour.
    An opaque picture: the ink is how far each pixel is from the paper, the median of the border, so dark ink on
    light paper and light chalk on a dark board both come out bright on black; faint paper grain is dropped.
    """
    alpha = rgba[..., 3].astype(np.float64) / 255
    if alpha.min() < 0.98:
        return alpha if alpha.max() >= NO_INK else None
    grey = rgba[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    contrast = np.abs(grey - np.median(border))
    strongest = contrast.max()
    if strongest < NO_INK:
        return None
    return np.clip((contrast / strongest - PAPER) / (1 - PAPER), 0, 1)


def prepare_digit(rgba: np.ndarray | None) -> PreparedDigit | NoDigit:
    """An RGBA drawing or photo (or None: nothing drawn yet) prepared like an MNIST digit, every step kept."""
    ink = None if rgba is None else ink_of(rgba)
    if ink is None:
        return NoDigit("Draw a digit first (or upload a picture of one): the canvas is still empty.")
    rows, columns = np.nonzero(ink > 0)
    cropped = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    scaled = fit_in_box(cropped)
    return PreparedDigit(ink=ink, cropped=cropped, scaled=scaled, image=centre_by_mass(scaled))


def fit_in_box(cropped: np.ndarray) -> np.ndarray:
    """Scaled so that the longer side is BOX pixels, keeping the aspect ratio, anti-aliased.

    Shrinking averages the area each new pixel covers (its share of ink); a drawing smaller than the box is
    enlarged bilinearly rather than into blocks.
    """
    height, width = cropped.shape
    factor = BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    if size == (width, height):
        return cropped
    resample = Image.Resampling.BOX if factor < 1 else Image.Resampling.BILINEAR
    picture = Image.fromarray(cropped.astype(np.float32), mode="F").resize(size, resample)
    return np.clip(np.asarray(picture, dtype=np.float64), 0, 1)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass, pixels counted from 0."""
    rows, columns = np.indices(image.shape)
    total = image.sum()
    return float((rows * image).sum() / total), float((columns * image).sum() / total)


def centre_by_mass(scaled: np.ndarray) -> np.ndarray:
    """The scaled box placed in SIZE × SIZE, moved by whole pixels so that its centre of mass is nearest CENTRE."""
    height, width = scaled.shape
    row, column = centre_of_mass(scaled)
    # round half down, as MNIST did: its centres of mass run from 13.5 up to, not including, 14.5
    top = min(max(int(np.ceil(CENTRE - row - 0.5)), 0), SIZE - height)
    left = min(max(int(np.ceil(CENTRE - column - 0.5)), 0), SIZE - width)
    image = np.zeros((SIZE, SIZE))
    image[top : top + height, left : left + width] = scaled
    return (image * 255).round().astype(np.uint8)


def small_picture_note(prepared: PreparedDigit) -> str | None:
    """A word beside the steps when the ink was so small that scaling it into the box enlarged it into blocks."""
    side = max(prepared.cropped.shape)
    if side >= SMALL_INK:
        return None
    factor = BOX / side
    times = f"{factor:.0f}×" if factor == round(factor) else f"about {factor:.0f}×"
    return f"This picture is very small: the digit was enlarged {times}, so it looks blocky."


def failed_upload_message(problem: str, drawing_shown: bool, test_index: int) -> str:
    """Why an upload is not shown, and what the pictures show instead: the drawing, or the test image."""
    instead = "your drawing" if drawing_shown else f"test image {test_index}"
    return f"{problem} Showing {instead} instead."
