"""How much empty border a dataset's test images have, so how far they move before ink leaves the frame, and the
answer to "why are small shifts cheap for a CNN?" worded from those numbers."""

from dataclasses import dataclass

import numpy as np
import torch

from core.lab.explain import NEAR_CHANCE, SMALL_LOSS, UNCHANGED
from core.lab.wording import FILL_NAMES, pair, percent, pixels, subject

LARGEST_SHIFT = 8
MOST = 3 / 4  # "about s pixels of room": at least three in four images keep all their ink moved s either way


@dataclass(frozen=True)
class BorderRoom:
    """Empty columns (left, right) and rows (top, bottom) of each image: the pixels it can move that way and keep
    all its ink in the frame (the whole width for a blank image)."""

    left: np.ndarray
    right: np.ndarray
    top: np.ndarray
    bottom: np.ndarray

    @property
    def images(self) -> int:
        return len(self.left)

    def keeps_ink(self, dx: int, dy: int) -> float:
        """Fraction of images whose ink all stays in the frame when moved by (dx, dy)."""
        across = self.right >= dx if dx >= 0 else self.left >= -dx
        down = self.bottom >= dy if dy >= 0 else self.top >= -dy
        return float(np.mean(across & down))

    def either_way(self, axis: str, s: int) -> float:
        """Fraction of images that keep all their ink moved s pixels either way along x (left and right) or y."""
        near, far = (self.left, self.right) if axis == "x" else (self.top, self.bottom)
        return float(np.mean(np.minimum(near, far) >= s))

    def reach(self, axis: str, share: float = MOST) -> int:
        """The largest shift (at most LARGEST_SHIFT) that at least `share` of the images survive either way."""
        return max(s for s in range(LARGEST_SHIFT + 1) if self.either_way(axis, s) >= share)

    def half_have(self, axis: str) -> int:
        """At least half the images have this many empty columns (x) or rows (y) on their narrower side."""
        near, far = (self.left, self.right) if axis == "x" else (self.top, self.bottom)
        narrower = np.sort(np.minimum(near, far))
        return int(narrower[(len(narrower) - 1) // 2]) if len(narrower) else 0


def empty_border(images: torch.Tensor) -> BorderRoom:
    """The empty border of each uint8 image (N, H, W): a pixel above 0 is ink."""
    ink = (torch.as_tensor(images) > 0).numpy()
    columns, rows = ink.any(axis=1), ink.any(axis=2)  # (N, W): a column has ink; (N, H): a row has ink

    def empty_run(lines: np.ndarray) -> np.ndarray:
        """Lines before the first with ink; all of them when none has ink."""
        return np.where(lines.any(axis=1), lines.argmax(axis=1), lines.shape[1])

    return BorderRoom(empty_run(columns), empty_run(columns[:, ::-1]), empty_run(rows), empty_run(rows[:, ::-1]))


def border_table(room: BorderRoom) -> dict[str, list[str]]:
    """For each shift 0..8: the share of images that keep all their ink moved that far either way, along x and y."""
    shifts = range(LARGEST_SHIFT + 1)
    return {
        "px": [str(s) for s in shifts],
        "along x": [percent(room.either_way("x", s)) for s in shifts],
        "along y": [percent(room.either_way("y", s)) for s in shifts],
    }


def border_question(room: BorderRoom) -> str:
    reach = room.reach("x")
    if reach == 0:
        return "Is there any empty border to shift into?"
    return f"Why should shifts up to about {pixels(reach)} be cheap for a CNN, and are they for this one?"


def border_answer(room: BorderRoom, config, mode: str, shift: tuple[int, int], cnn_sweep=None) -> list[str]:
    """The answer under the question, paragraph by paragraph; the last one only once the CNN's sweep is measured."""
    thing = subject(config.dataset)
    paragraphs = [border_sentence(room, config.dataset, thing), fills_sentence(room, shift, thing)]
    paragraphs.append(network_sentence(config, thing))
    if cnn_sweep is not None and room.reach("x") > 0:
        paragraphs.append(verdict_sentence(room, config, mode, cnn_sweep, thing))
    return paragraphs


def border_sentence(room: BorderRoom, dataset: str, thing: str) -> str:
    reach, half, rows = room.reach("x"), room.half_have("x"), room.half_have("y")
    columns = f"{half} empty column{'s' if half != 1 else ''}"
    if reach == 0:
        text = (
            f"Fewer than three in four of the {room.images:,} test images keep all their ink moved even 1 pixel left or "
            f"right (**{percent(room.either_way('x', 1))}**): many {thing}s reach the edge, so a shift pushes ink out of "
            "the frame, and what has left it no layer can see."
        )
    else:
        text = (
            f"The {room.images:,} test images have an empty border: **{percent(room.either_way('x', reach))}** keep all "
            f"their ink in the frame whether moved {pixels(reach)} left or {pixels(reach)} right"
        )
        if reach < LARGEST_SHIFT:
            text += f" ({percent(room.either_way('x', reach + 1))} at {pixels(reach + 1)})"
        text += "."
    if dataset == "MNIST":
        text += (
            " MNIST's digits were scaled to fit a 20 × 20 box and centred by their centre of mass in the 28 × 28 frame."
        )
    text += (
        f" Half the images have at least {columns} on their narrower side (left or right) and "
        f"{rows} empty row{'s' if rows != 1 else ''} on theirs (top or bottom)"
    )
    if rows != half:
        text += f": there is {'less' if rows < half else 'more'} room up and down"
    return text + "."


def fills_sentence(room: BorderRoom, shift: tuple[int, int], thing: str) -> str:
    text = (
        f"For an image whose ink stays in the frame, the zero fill brings in zeros and a wrap brings in empty border "
        f"from the other side: both fills give the very same image, the {thing} moved on an empty background."
    )
    if shift != (0, 0):
        text += (
            f" At the current shift {pair(shift)}, that is **{percent(room.keeps_ink(*shift))}** of the test images."
        )
    return text


def network_sentence(config, thing: str) -> str:
    text = (
        "The CNN slides the same 3 × 3 kernels over every position: on such an image they meet the same strokes on the "
        f"same empty background, only elsewhere, so their maps move with the {thing}"
    )
    if config.cnn_padding == "circular":
        text += (
            ", even at the frame: the circular padding wraps round onto empty border, just as the shift brings empty "
            "border in."
        )
    else:
        text += ", except near the frame, where the zero padding stays put."
    if config.cnn_downsample == "aps":
        text += (
            " The pooling grid need not get in the way: APS keeps, for each image, whichever of the 4 grids of each "
            f"stride-2 pooling has the largest norm, the one that moved with the {thing}, so the maps move by whole "
            "cells whatever the shift"
        )
        text += (
            "."
            if config.cnn_padding == "circular"
            else ", unless what the zero padding changes near the frame tips the norms towards another grid."
        )
    else:
        pools = "max pools'" if config.cnn_downsample == "max" else "BlurPools'"
        text += (
            f" What still changes is where the {thing} falls on the {pools} grid: after both, the maps keep one cell "
            "per 4 × 4 pixels, so only a shift by a multiple of 4 moves them by whole cells"
        )
        text += ", and BlurPool only smooths that change." if config.cnn_downsample == "blurpool" else "."
    if config.cnn_head == "flatten":
        return text + (
            " Then the flatten head gives every position of the last maps its own weights: even maps that move "
            "exactly meet different weights."
        )
    return text + " The global-average head reads only each map's average, wherever a feature sits."


def verdict_sentence(room: BorderRoom, config, mode: str, sweep, thing: str) -> str:
    reach = room.reach("x")
    shifts = [int(s) for s in sweep.shifts]
    original = float(sweep.horizontal[shifts.index(0)])
    moved = {side: float(sweep.horizontal[shifts.index(sign * reach)]) for side, sign in (("left", -1), ("right", 1))}
    text = (
        f"**Here**, with {FILL_NAMES[mode]}, the CNN gets **{percent(moved['left'])}** moved {pixels(reach)} left and "
        f"**{percent(moved['right'])}** moved {pixels(reach)} right, from {percent(original)} unshifted"
    )
    if original <= NEAR_CHANCE[1]:
        return text + ": it is at about chance even unshifted, so there is little to lose."
    worst = max(moved, key=lambda side: original - moved[side])
    fall = original - moved[worst]
    if fall <= SMALL_LOSS:
        text += f": cheap, at most {100 * max(fall, 0):.2f} pts lost."
        if config.cnn_head == "gap":
            return text + " Its head does not care where a feature sits."
        if config.augment_shift >= reach:
            return text + f" It was trained on shifts up to ±{pixels(config.augment_shift)}."
        return text
    text += f": not cheap, {100 * fall:.2f} pts lost moved {worst}."
    lost_ink = 1 - room.keeps_ink(reach if worst == "right" else -reach, 0)
    lose = "lose ink" if mode == "zero" else "have ink wrap round to the other side"
    if fall - lost_ink > UNCHANGED:
        text += (
            f" Only {percent(lost_ink)} of the images {lose} at that shift: even if all of them were misread now, at "
            f"least **{100 * (fall - lost_ink):.2f} pts** of the fall would come from images whose ink stayed in the frame. "
            f"For them the input is the same {thing}, moved: what changed is inside the network."
        )
    return text
