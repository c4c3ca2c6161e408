"""Small arrays turned into crisp pictures: digits, feature maps and their differences, as RGB uint8.

Every picture is drawn for a theme: dark ink on white paper (light), or light ink on the dark theme's
background (dark), so that no picture is a bright tile on a dark page.
"""

import io

import numpy as np
from PIL import Image

# Difference maps: blue below zero, the paper at zero, red above, so "no difference" reads as blank.
_NEGATIVE = np.array([37, 99, 235], dtype=np.float64)
_POSITIVE = np.array([220, 38, 38], dtype=np.float64)
_WHITE = np.array([255, 255, 255], dtype=np.float64)
_INK = np.array([17, 24, 39], dtype=np.float64)
_DARK_PAPER = np.array([14, 17, 23], dtype=np.float64)  # Streamlit's dark background
_LIGHT_INK = np.array([250, 250, 250], dtype=np.float64)
GAP = {False: 200, True: 70}  # the grey between tiles of a mosaic, per theme (dark: True)


def paper_and_ink(dark: bool) -> tuple[np.ndarray, np.ndarray]:
    return (_DARK_PAPER, _LIGHT_INK) if dark else (_WHITE, _INK)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement, so a 7×7 map shows as 7×7 blocks rather than a blur."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def grey(values: np.ndarray, low: float, high: float, dark: bool = False) -> np.ndarray:
    """Values from low (the paper) to high (the ink): ink on paper reads well on a projector."""
    paper, ink = paper_and_ink(dark)
    t = np.clip((values - low) / max(high - low, 1e-12), 0, 1)[..., None]
    return (paper * (1 - t) + ink * t).round().astype(np.uint8)


def diverging(values: np.ndarray, limit: float, dark: bool = False) -> np.ndarray:
    """Signed values on a blue–paper–red scale that saturates at ±limit."""
    paper, _ = paper_and_ink(dark)
    t = np.clip(values / max(limit, 1e-12), -1, 1)[..., None]
    colour = np.where(t < 0, paper + (_NEGATIVE - paper) * (-t), paper + (_POSITIVE - paper) * t)
    return colour.round().astype(np.uint8)


def mosaic(maps: np.ndarray, columns: int, gap: int = 1, fill: int = 200) -> np.ndarray:
    """Channels (C, h, w, 3) laid out in a grid with thin grey gaps."""
    count, h, w = maps.shape[:3]
    rows = -(-count // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap, 3), fill, dtype=np.uint8)
    for index in range(count):
        r, c = divmod(index, columns)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = maps[index]
    return out


def feature_map_picture(
    maps: np.ndarray, low: float, high: float, columns: int, size: int = 28, dark: bool = False
) -> np.ndarray:
    """Feature maps (C, h, w) as one picture, each map enlarged to about `size` pixels a side."""
    factor = max(1, round(size / maps.shape[-1]))
    tiles = np.stack([upscale(grey(m, low, high, dark), factor) for m in maps])
    return upscale(mosaic(tiles, columns, fill=GAP[dark]), 3)


def difference_picture(maps: np.ndarray, limit: float, columns: int, size: int = 28, dark: bool = False) -> np.ndarray:
    factor = max(1, round(size / maps.shape[-1]))
    tiles = np.stack([upscale(diverging(m, limit, dark), factor) for m in maps])
    return upscale(mosaic(tiles, columns, fill=GAP[dark]), 3)


def digit_picture(image: np.ndarray, scale: int = 6, dark: bool = False) -> np.ndarray:
    """A 28×28 uint8 digit as ink on the theme's paper, enlarged."""
    return upscale(grey(image.astype(np.float64), 0, 255, dark), scale)


def strongest_channels(maps: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` channels (C, h, w) with the most activation, in channel order."""
    energy = np.abs(maps).reshape(len(maps), -1).sum(axis=1)
    return np.sort(np.argsort(-energy, kind="stable")[:count])


def hidden_picture(
    units: np.ndarray, high: float, columns: int = 32, scale: int = 10, dark: bool = False
) -> np.ndarray:
    """A vector of hidden activations as a strip of squares, one per unit."""
    rows = -(-len(units) // columns)
    padded = np.zeros(rows * columns)
    padded[: len(units)] = units
    return upscale(grey(padded.reshape(rows, columns), 0.0, high, dark), scale)


def png(picture: np.ndarray) -> bytes:
    """A picture (H, W, 3) uint8 as PNG bytes, compressed lightly: lossless for blocky pixel art, and written in
    a third of the time Pillow's default level takes, so a redraw's sixteen pictures cost little (py-spy). Shown
    through pages/lab_views.show_picture, which sends them as written."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
