"""The short lines beside the lab's table, pictures and charts, true at every shift (no shift included)."""

from core.lab.explain import EXACT
from core.lab.wording import FILL_NAMES, known, minus, movement, pair, pixels, relative, subject


def consistency_note(images: int, reach: int, mode: str) -> str:
    """The note under the table: what each column measured, with which fill."""
    return (
        f"Accuracy on the {images:,} test images. Shift consistency (Zhang 2019): how often the predicted class stays "
        f"the same under two random shifts of up to {pixels(reach)} each, with {FILL_NAMES[mode]} like the column "
        "beside it."
    )


def hidden_units_sentence(units: int, correlation: float, shift: tuple[int, int], dataset: str) -> str:
    """The line over the MLP's hidden units: true at zero shift (correlation 1.00) as well as for a real move."""
    thing = subject(dataset)
    if shift == (0, 0):
        return (
            f"**The MLP's {units} hidden units** for this {thing}, not shifted: both pictures show the same units, "
            f"correlation **{correlation:.2f}**. Move a slider to see what a shift does to them."
        )
    change = "barely change" if f"{correlation:.2f}" == "1.00" else "change"
    return (
        f"**The MLP's {units} hidden units** for the image and for the image moved {movement(shift)}. They do not "
        f"move with the {thing}, they {change}: correlation **{correlation:.2f}** between the two."
    )


def layer_caption(comparison, no_border: bool) -> str:
    """The panel beside one stage's maps: its stride, how far its maps should move, how far off they are and, where
    there is a border, how far off away from it."""
    if comparison.whole:
        moved = f"shifted by {pair(comparison.shift)}"
    elif comparison.relative_error < EXACT:  # APS kept the grid that moved with the image
        moved = f"shifted by {pair(comparison.shift)}, where they match"
    else:
        moved = f"≈ shifted by {pair(comparison.shift)}: not a whole cell"
    lines = [
        f"**{comparison.name}** · stride {comparison.stride}",
        moved,
        f"relative error **{relative(comparison.relative_error)}**",
    ]
    if not no_border:
        inside = known(comparison.interior_relative_error)
        lines.append(f"away from the border {relative(inside)}" if inside is not None else "no interior left")
    return "  \n".join(lines)


def model_verdicts(names, label: int | None, probabilities: dict, shift: tuple[int, int]) -> str:
    """The line over the probabilities chart: what each model says of the image, shifted or not, right or wrong for a
    test image; for the learner's own digit (label None) no right or wrong: only the learner knows what they meant."""
    verdicts = [
        f"the {model} says **{names[int(p.argmax())]}** ({p.max():.0%})"
        + ("" if label is None else " ✅" if int(p.argmax()) == label else " ❌")
        for model, p in probabilities.items()
    ]
    image = "your digit" if label is None else f"this {names[label]}"
    return f"{'Shifted' if shift != (0, 0) else 'Not shifted'}, {image}: " + "; ".join(verdicts) + "."


def chart_note(shift: tuple[int, int]) -> str | None:
    """Under the accuracy-against-shift chart when the shift moves along both axes: the chart shows neither."""
    dx, dy = shift
    if not (dx and dy):
        return None
    return minus(
        f"The chart moves the images along one axis at a time: its marks are dx = {dx} alone (solid lines) and "
        f"dy = {dy} alone (dashed lines). The shift {pair(shift)}, both at once, is in the table, and in the heat "
        "map of every (dx, dy) that the switch below shows."
    )


def trained_sentence(results: dict) -> str:
    """How long each model took to train, and whether this server trained it or loaded it from the stored models."""
    took = f"Trained in {results['mlp'].seconds:.1f} s (MLP) and {results['cnn'].seconds:.1f} s (CNN)"
    loaded = [kind for kind, result in results.items() if result.loaded_from]
    if not loaded:
        return f"{took}; "
    where = results[loaded[0]].loaded_from.rsplit("/", 1)[0] + "/"
    if len(loaded) == len(results):
        return (
            f"{took} when they were stored in {where}; this server loaded them instead of training them again "
            "(a test retrains them and checks every weight); "
        )
    return f"{took}; the {loaded[0].upper()} was loaded from {where}, not trained again; "


def heat_map_note(images: int, test_images: int) -> str | None:
    """Under heat maps that read fewer test images than the table: why a cell and the table differ."""
    if images >= test_images:
        return None
    return (
        f"These maps read the first {images:,} test images, measured once per model; the table reads all "
        f"{test_images:,}, so a cell and the table can differ by a few points."
    )
