"""The lab's table and the answers under "Why?", each sentence chosen and worded from the settings and the numbers beside it."""

from core.lab.equivariance import feature_shift
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


def aps_torus(config, mode: str) -> bool:
    """The CNN's maps move exactly under every circular shift: no border, and APS picks the grid that moves."""
    return torus(config, mode) and config.cnn_downsample == "aps"


def rounded_shift(stage, shift: tuple[int, int]) -> tuple[int, int]:
    """The input shift in the stage's cells, rounded: where the maps of a fixed pooling grid move (nearly)."""
    return feature_shift(shift[0], stage.stride), feature_shift(shift[1], stage.stride)


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
            cnn_reason(cnn, comparisons, config, mode, shift, thing),
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


def cnn_reason(cnn, comparisons, config, mode: str, shift: tuple[int, int], thing: str) -> str:
    text = (
        f"The CNN's kernels slide over every position, so its convolutions answer a moved {thing} the same way, "
        "only elsewhere: its feature maps move with the image (they are equivariant), "
        + {
            (True, True): "and on the torus APS keeps, for each image, the pooling grid that moves with it, so they "
            "move exactly, by a whole number of cells APS picks (see *Why?*).",
            (True, False): "except where the pooling grid gets in the way (see *Why?*).",
            (False, True): "except where the borders get in the way, and with them which pooling grid APS keeps "
            "(see *Why?*).",
            (False, False): "except where the borders and the pooling grid get in the way (see *Why?*).",
        }[torus(config, mode), config.cnn_downsample == "aps"]
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
    text += " " + averages_sentence(comparisons, config, mode, shift)
    return text + {
        "chance": " Here the CNN is about chance all the same.",
        "below-chance": " Here the CNN is below chance all the same.",
        "chance-anyway": "",
        "gain": f" Over the test set the CNN even gains ({points(cnn.change)}).",
        "unchanged": f" Over the test set its accuracy changes by {points(cnn.change)}.",
    }.get(result, f" Over the test set its accuracy changes by {points(cnn.change)}.")


def averages_sentence(comparisons, config, mode: str, shift: tuple[int, int]) -> str:
    """What a global-average head reads from the last maps on this image (a test image or the learner's own), and,
    where the settings make it exact, why the averages cannot change, whether or not the maps move."""
    *_, before, last = comparisons
    maps_move, averages_kept = last.relative_error < EXACT, last.mean_relative_error < EXACT
    by = f", by {pair(last.shift)}" if maps_move and last.shift != rounded_shift(last, shift) else ""
    text = (
        f"On this image {last.name}'s maps {'move' if maps_move else 'do not move'} exactly{by} (relative "
        f"difference {relative(last.relative_error)})"
    )
    averages = f"relative difference {relative(last.mean_relative_error)}"
    if maps_move and averages_kept:
        text += f", so their averages, all the head reads, and the prediction do not change ({averages})."
        if aps_torus(config, mode) and all(stage.relative_error < EXACT for stage in comparisons):
            text += (
                " That holds for every image and every circular shift: the convolutions commute with it, APS keeps "
                "the grid that moved, and the averages ignore where a feature sits, so the prediction cannot change."
            )
        return text
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
    if config.cnn_downsample != "aps":
        sentences.append(
            "APS keeps, for each image, whichever of the 4 grids a stride of 2 can keep has the largest norm: with "
            "circular padding and a wrap fill that grid moves with the image, so the maps move exactly, by a whole "
            "number of cells APS picks."
        )
    elif torus(config, mode):
        sentences.append(
            "APS, chosen here, keeps for each image whichever of the 4 grids has the largest norm: on this torus that "
            "grid moves with the image, so the pooled maps move exactly, by a whole number of cells APS picks."
        )
    else:
        sentences.append(
            "APS, chosen here, keeps for each image whichever of the 4 grids has the largest norm: under a circular "
            "shift with circular padding that grid moves with the image, but "
            + ("the zero padding" if config.cnn_padding == "zero" else "the zero fill")
            + " changes the maps near the edges, and with them the norms, so APS can keep another grid."
        )
    if config.cnn_head == "flatten":
        sentences.append(
            "A global-average head averages each map over all positions: it makes the head, not the network, blind to "
            "where a feature sits, and it throws away where each feature sits, which can cost accuracy even on "
            "unshifted images."
        )
        return sentences
    if aps_torus(config, mode):
        text = (
            "The global-average head chosen here reads only each map's average, and on this torus with APS the maps "
            "move exactly: the whole CNN is invariant to circular shifts. "
        )
    else:
        changes = {
            (True, False): "with the pooling grid",
            (False, True): "at the borders, and with the grid APS keeps",
            (False, False): "at the borders and with the pooling grid",
        }[torus(config, mode), config.cnn_downsample == "aps"]
        text = (
            "The global-average head chosen here makes the head blind to where a feature sits, not the network: the "
            f"maps it averages still change {changes}. "
        )
    text += f"Unshifted, this CNN gets {percent(cnn.original)}"
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
            sentence = aps_sentence if config.cnn_downsample == "aps" else pooling_sentence
            text += " " + sentence(stage, config, shift, mode)
    return text


def measured(stage, no_border: bool) -> tuple[float, str]:
    """The error a sentence quotes, away from the border where there is one, and where it was measured."""
    inside = None if no_border else known(stage.interior_relative_error)
    if inside is not None:
        return inside, " away from the border"
    return stage.relative_error, "" if no_border else " over the whole map (no interior is left at this shift)"


def pooling_sentence(stage, config, shift: tuple[int, int], mode: str) -> str:
    """One pooling stage: does the shift line up with its cells, and how far do its maps differ (from its numbers)."""
    cells = f"{stage.name} keeps one cell per {stage.stride} × {stage.stride} input pixels"
    error, where = measured(stage, torus(config, mode))
    if stage.whole:
        text = f"{cells}: the shift is a whole number of its cells, {pair(stage.shift)}, and{where} "
        if error < EXACT:
            return text + f"its maps move exactly (relative difference {relative(error)})."
        return text + f"the relative difference is {relative(error)}."
    if error < EXACT:  # a map with nothing in it (or a pattern that repeats) matches all the same
        return (
            f"{cells}: a shift of {pair(shift)} is not a whole number of its cells, yet{where} its maps match "
            f"f(shift(x)) moved by {pair(stage.shift)} (relative difference {relative(error)})."
        )
    text = (
        f"{cells}: a shift of {pair(shift)} is not a whole number of its cells, so no shift of its maps matches "
        f"f(shift(x)) exactly: relative difference {relative(error)}{where}."
    )
    if config.cnn_downsample == "blurpool":
        text += " BlurPool makes the pooled maps change gradually with the shift; it cannot make them move exactly."
    return text


def aps_sentence(stage, config, shift: tuple[int, int], mode: str) -> str:
    """One APS stage: its grid is picked per image, so its maps may move by a cell more or less than the rounded
    shift; they are compared at the whole-cell shift that matches best (core.lab.alignment), with either fill."""
    cells = f"{stage.name} keeps one cell per {stage.stride} × {stage.stride} input pixels, on the grid APS picks"
    error, where = measured(stage, torus(config, mode))
    rounded = rounded_shift(stage, shift)
    if stage.whole and stage.shift == rounded:
        text = f"{cells}: the shift is a whole number of its cells, {pair(stage.shift)}, and{where} "
        if error < EXACT:
            return text + f"its maps move exactly (relative difference {relative(error)})."
        return text + f"the relative difference is {relative(error)}."
    line = "is a whole number of its cells" if stage.whole else "is not a whole number of its cells"
    text = f"{cells}: a shift of {pair(shift)} {line}"
    if mode != "circular":  # compared at the whole-cell shift that matches best, shifted with the zero fill
        text += f"; APS may keep another grid, which moves its maps by a cell more or less than {pair(rounded)}"
        if error < EXACT:
            return (
                text
                + f", yet here,{where} they move exactly by {pair(stage.shift)} (relative difference "
                + f"{relative(error)})."
            )
        closest = f"{pair(stage.shift)} itself" if stage.shift == rounded else pair(stage.shift)
        return text + (
            f": of its maps' whole-cell shifts within a cell of {pair(rounded)}, {closest} comes closest to "
            f"f(shift(x)), and there the relative difference is {relative(error)}{where}."
        )
    if error < EXACT:
        moved = f"by {pair(stage.shift)}" + (f", not {pair(rounded)}" if stage.shift != rounded else "")
        return text + (
            f", and APS keeps the grid that moved with the image:{where} its maps move exactly, {moved} (relative "
            f"difference {relative(error)})."
        )
    return text + (
        f"; APS picks its grid per image, and of its maps' whole-cell shifts within a cell of {pair(rounded)}, "
        f"{pair(stage.shift)} comes closest to f(shift(x)): there the relative difference is {relative(error)}{where}."
    )
