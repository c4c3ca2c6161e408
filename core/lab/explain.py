"""The lab's table and the answers under "Why?", each sentence chosen and worded from the settings and the numbers beside it."""

from core.lab.models import IMAGE_SIZE, NUM_CLASSES
from core.lab.wording import FILL_NAMES, known, movement, pair, percent, pixels, points, relative, subject

CHANCE = 1 / NUM_CLASSES
# "About chance": within half as much again of guessing either way (13.60% is, 5.05% is below it).
NEAR_CHANCE = (CHANCE / 1.5, CHANCE * 1.5)
UNCHANGED = 0.005  # a change within half a point is no loss (nor a gain) worth a sentence
SMALL_LOSS = 0.05  # a loss up to five points is "a little"
EXACT = 1e-5  # a relative difference below this is float rounding


def reference_table(rows, shift: tuple[int, int], mode: str) -> dict[str, list[str]]:
    """The reference table's columns: each model on the original and on the shifted test images."""
    dx, dy = shift
    return {
        "model": [row.model for row in rows],
        "original test set": [percent(row.original) for row in rows],
        f"shifted by {pair((dx, dy))}, {FILL_NAMES[mode]}": [percent(row.shifted) for row in rows],
        "change": [points(row.change) for row in rows],
        "shift consistency": [percent(row.consistency) for row in rows],  # its fill: in the note under the table
    }


def verdict(original: float, shifted: float) -> str:
    """What a row of the table shows: chance-anyway, chance, below-chance, gain, unchanged, small-loss or loss."""
    change = shifted - original
    low, high = NEAR_CHANCE
    if original <= high:
        return "chance-anyway"
    if shifted < low:
        return "below-chance"
    if shifted <= high:
        return "chance"
    if change > UNCHANGED:
        return "gain"
    if change >= -UNCHANGED:
        return "unchanged"
    if change >= -SMALL_LOSS:
        return "small-loss"
    return "loss"


def outcome(row) -> str:
    """The row in words, with its numbers: "falls from 98.20% to **13.60%** (−84.60 pts), about chance …"."""
    numbers = f"{percent(row.original)} → **{percent(row.shifted)}** ({points(row.change)})"
    falls = f"falls from {percent(row.original)} to **{percent(row.shifted)}** ({points(row.change)})"
    return {
        "chance-anyway": f"is at about chance even unshifted, {numbers}"
        if row.original >= NEAR_CHANCE[0]
        else f"is below chance even unshifted, {numbers}",
        "chance": f"{falls}, about chance",
        "below-chance": f"{falls}, below chance: it picks the right class less often than a random guess would",
        "gain": f"gains, {numbers}",
        "unchanged": f"is unchanged, {numbers}" if row.change == 0 else f"keeps its accuracy, {numbers}",
        "small-loss": f"loses a little, {numbers}",
        "loss": falls,
    }[verdict(row.original, row.shifted)]


def explanations(
    rows, comparisons, config, plain_mlp_shifted: float | None, shift: tuple[int, int], mode: str
) -> list[str]:
    """The answers under the table and under "Why?", from the table's rows, the CNN's layer comparisons and the settings."""
    mlp, cnn = rows
    return [
        what_the_table_shows(mlp, cnn, comparisons, config, shift, mode),
        what_helps(mlp, cnn, config, plain_mlp_shifted, shift, mode),
        where_equivariance_holds(comparisons, config, shift, mode),
    ]


def torus(config, mode: str) -> bool:
    """No border anywhere: circular padding in the CNN and a circular shift of the image."""
    return config.cnn_padding == "circular" and mode == "circular"


def what_the_table_shows(mlp, cnn, comparisons, config, shift: tuple[int, int], mode: str) -> str:
    """Each model's row in words, and why: the MLP's weights belong to pixel positions, the CNN's kernels do not."""
    if shift == (0, 0):
        return (
            "No shift: both models see the test images as they are, the MLP at "
            f"{percent(mlp.original)} and the CNN at {percent(cnn.original)}. Move a slider to shift them."
        )
    thing = subject(config.dataset)
    return " ".join(
        [
            f"Moved {movement(shift)}, the MLP {outcome(mlp)}, and the CNN {outcome(cnn)}."
            + (
                f" Guessing would score {percent(CHANCE)} with {NUM_CLASSES} classes."
                if any("chance" in verdict(row.original, row.shifted) for row in (mlp, cnn))
                else ""
            ),
            mlp_reason(mlp, config, shift, thing),
            cnn_reason(cnn, comparisons, config, mode, thing),
        ]
    )


def mlp_reason(mlp, config, shift: tuple[int, int], thing: str) -> str:
    reach, trained = max(abs(shift[0]), abs(shift[1])), config.augment_shift
    text = (
        f"Each of the MLP's {IMAGE_SIZE * IMAGE_SIZE * config.mlp_hidden:,} first-layer weights is tied to one pixel "
        f"position, so a moved {thing} drives different hidden units: nothing in the MLP makes its output invariant "
        "to a shift."
    )
    if trained == 0:
        return text + " It was trained on the images as they come, without shifted copies."
    if reach > trained:
        return text + f" Training showed it shifts up to ±{pixels(trained)} along each axis; this one goes beyond that."
    holds = {
        "gain": "it holds up here",
        "unchanged": "it holds up here",
        "small-loss": "it loses only a little here",
    }.get(verdict(mlp.original, mlp.shifted), "yet it still loses here: having seen a shift is no guarantee")
    return (
        text + f" Training showed it every shift up to ±{pixels(trained)} along each axis, this one included: {holds}."
    )


def cnn_reason(cnn, comparisons, config, mode: str, thing: str) -> str:
    text = (
        f"The CNN's kernels slide over every position, so its convolutions answer a moved {thing} the same way, "
        "only elsewhere: its feature maps move with the image (they are equivariant), except where "
        + ("the pooling grid gets" if torus(config, mode) else "the borders and the pooling grid get")
        + " in the way (see *Why?*)."
    )
    result = verdict(cnn.original, cnn.shifted)
    if config.cnn_head == "flatten":
        text += (
            " Its flatten head gives every position of the last maps its own weights, so maps that move reach "
            "different weights: the head is not invariant to a shift."
        )
        return text + {
            "chance": " Here that costs everything: the CNN is about chance.",
            "below-chance": " Here that costs everything: the CNN is below chance.",
            "chance-anyway": "",
            "gain": f" Here it costs nothing: the CNN even gains ({points(cnn.change)}).",
            "unchanged": f" Here it costs nothing measurable ({points(cnn.change)}).",
        }.get(result, f" Here the CNN's accuracy changes by {points(cnn.change)}.")
    text += (
        " Its global-average head averages each of the last maps over all positions, so the head itself is invariant "
        "to where a feature sits; the maps it averages change with the shift wherever they are not exactly "
        "equivariant."
    )
    text += " " + averages_sentence(comparisons, config, mode)
    return text + {
        "chance": " Here the CNN is about chance all the same.",
        "below-chance": " Here the CNN is below chance all the same.",
        "chance-anyway": "",
        "gain": f" Over the test set the CNN even gains ({points(cnn.change)}).",
        "unchanged": f" Over the test set its accuracy changes by {points(cnn.change)}.",
    }.get(result, f" Over the test set its accuracy changes by {points(cnn.change)}.")


def averages_sentence(comparisons, config, mode: str) -> str:
    """What a global-average head reads from the last maps on this test image, and, where the settings make it
    exact, why the averages cannot change although the maps do not move."""
    *_, before, last = comparisons
    maps_move, averages_kept = last.relative_error < EXACT, last.mean_relative_error < EXACT
    text = (
        f"On this test image {last.name}'s maps {'move' if maps_move else 'do not move'} exactly (relative "
        f"difference {relative(last.relative_error)})"
    )
    averages = f"relative difference {relative(last.mean_relative_error)}"
    if maps_move and averages_kept:
        return text + f", so their averages, all the head reads, and the prediction do not change ({averages})."
    if maps_move:  # a zero fill pushed part of them off the edge
        return text + f", but part of them left the image, so their averages, all the head reads, change ({averages})."
    if not averages_kept:
        return text + f", and their averages, all the head reads, change too ({averages})."
    text += f", yet each map's average, all the head reads, is the same as for the unshifted image ({averages})"
    if torus(config, mode) and config.cnn_downsample == "blurpool" and before.relative_error < EXACT:
        # The binomial blur [1, 2, 1]/4 with stride 2 sums to half the line, whichever cells it keeps.
        return text + (
            f": on the torus {before.name}'s maps move by whole cells, and so does BlurPool's max over each 2 × 2 "
            "window, which changes no map's average; its blur then keeps every second cell, and that keeps a quarter "
            "of each map's total whichever cells it keeps. That holds for every image: the head reads the same "
            "numbers, and the prediction cannot change."
        )
    return text + "."


def what_helps(mlp, cnn, config, baseline_mlp_shifted: float | None, shift: tuple[int, int], mode: str) -> str:
    """Augmentation and the CNN's options: what each buys and what it does not, with the numbers on screen."""
    return " ".join(
        ["**What helps, and what it does not.**", augmentation_effect(mlp, config, baseline_mlp_shifted, shift)]
        + cnn_options(mlp, cnn, config, mode)
    )


def augmentation_effect(mlp, config, baseline: float | None, shift: tuple[int, int]) -> str:
    trained = config.augment_shift
    if trained == 0:
        return (
            "Shift augmentation (set it to 2 or 3 and train again) shows both models shifted copies of the training "
            "images, so they learn those positions too; it makes neither model's output invariant by construction."
        )
    text = f"These models were trained on images shifted at random by up to ±{pixels(trained)} along each axis."
    if shift == (0, 0):
        return text + " Move a slider to see what that buys."
    helped = baseline is not None and mlp.shifted - baseline > UNCHANGED
    if baseline is not None:
        text += (
            f" At this shift the MLP gets **{percent(mlp.shifted)}**, against {percent(baseline)} for the same MLP "
            "trained without augmentation."
        )
    if max(abs(shift[0]), abs(shift[1])) <= trained:
        text += " This shift is within the trained range."
    else:
        text += " This shift goes beyond the trained range"
        if baseline is None:
            text += "."
        elif helped:
            text += ", and augmentation still helps here: its benefit reaches past the shifts it showed."
        else:
            text += ", and here augmentation no longer helps the MLP."
    return text + " Augmentation shows a model positions; it does not make the MLP's output invariant by construction."


def cnn_options(mlp, cnn, config, mode: str) -> list[str]:
    """One sentence per option of the CNN: for the chosen ones what they did here, for the others what to try."""
    sentences = []
    if config.cnn_padding == "zero":
        sentences.append("Circular padding leaves the convolutions no border to see.")
    if config.cnn_downsample == "max":
        sentences.append(
            "BlurPool blurs before it subsamples, so the pooled maps change less under a shift that is not a whole "
            "number of pooling cells; it does not make them move exactly."
        )
    if config.cnn_head == "flatten":
        sentences.append(
            "A global-average head averages each map over all positions: it makes the head, not the network, blind to "
            "where a feature sits, and it throws away where each feature sits, which can cost accuracy even on "
            "unshifted images."
        )
        return sentences
    text = (
        "The global-average head chosen here makes the head blind to where a feature sits, not the network: the maps "
        f"it averages still change {'with the pooling grid' if torus(config, mode) else 'at the borders and with the pooling grid'}. "
        f"Unshifted, this CNN gets {percent(cnn.original)}"
    )
    if cnn.original < mlp.original - UNCHANGED:
        text += (
            f", below the MLP's {percent(mlp.original)}: the average throws away where each feature sits, which can "
            "cost accuracy. Switch the head to flatten to compare."
        )
    else:
        text += f" (the MLP: {percent(mlp.original)})."
    sentences.append(text)
    return sentences


def where_equivariance_holds(comparisons, config, shift: tuple[int, int], mode: str) -> str:
    """conv1, then each pooling stage, from its own comparison: exact, or how far off and why."""
    heading = "**Exact equivariance needs no borders: an unbounded image, or a circular one (a torus).**"
    if shift == (0, 0):
        return heading + " Move a slider to compare f(shift(x)) with shift(f(x)) layer by layer."
    first = comparisons[0]
    text = (
        f"{heading} For conv1 the relative difference between f(shift(x)) and shift(f(x)) is "
        f"**{relative(first.relative_error)}**. "
    )
    if torus(config, mode):
        text += "With circular padding and a wrap fill the image has no border, it wraps round like a torus"
        text += (
            ", and convolution commutes with the shift exactly: what is left is float rounding."
            if first.relative_error < EXACT
            else "."
        )
    else:
        if mode == "circular":
            text += (
                "The wrap fill loses nothing, what leaves one edge comes back at the other, but the zero-padded "
                "convolutions see zeros beyond the edge, so the kernels along the border differ"
            )
        elif config.cnn_padding == "circular":
            text += (
                "The convolutions wrap round (circular padding), but the zero fill does not: content falls off one "
                "edge and zeros come in at the other, so the maps near the edges differ"
            )
        else:
            text += (
                "Content falls off one edge and zeros come in at the other, and the kernels near the border see "
                "padding where the shifted image had pixels"
            )
        inside = known(first.interior_relative_error)
        if inside is not None:
            text += f"; away from the border the difference is {relative(inside)}"
        text += ". Choose circular padding and a wrap fill to take the borders away."
    for stage in comparisons:
        if stage.downsampled:
            text += " " + pooling_sentence(stage, config, shift, torus(config, mode))
    return text


def pooling_sentence(stage, config, shift: tuple[int, int], no_border: bool) -> str:
    """One pooling stage: does the shift line up with its cells, and how far do its maps differ (from its numbers)."""
    cells = f"{stage.name} keeps one cell per {stage.stride} × {stage.stride} input pixels"
    inside = None if no_border else known(stage.interior_relative_error)
    error = inside if inside is not None else stage.relative_error
    where = " away from the border" if inside is not None else ""
    if not no_border and inside is None:
        where = " over the whole map (no interior is left at this shift)"
    if stage.whole:
        text = f"{cells}: the shift is a whole number of its cells, {pair(stage.shift)}, and{where} "
        if error < EXACT:
            return text + f"its maps move exactly (relative difference {relative(error)})."
        return text + f"the relative difference is {relative(error)}."
    text = (
        f"{cells}: a shift of {pair(shift)} is not a whole number of its cells, so no shift of its maps matches "
        f"f(shift(x)) exactly: relative difference {relative(error)}{where}."
    )
    if config.cnn_downsample == "blurpool":
        text += " BlurPool makes the pooled maps change gradually with the shift; it cannot make them move exactly."
    return text
