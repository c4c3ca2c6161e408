"""The lab's table and the answers under "Why?", each sentence chosen and worded from the settings and the numbers beside it."""

import math

from core.lab.models import IMAGE_SIZE, NUM_CLASSES

FILL_NAMES = {"zero": "zero fill", "circular": "circular wrap"}
CONSISTENCY_NOTE = (
    "Accuracy on the {images:,} test images. Shift consistency (Zhang 2019): how often the predicted class stays the "
    "same under two random shifts of up to {reach} pixels each."
)
CHANCE = 1 / NUM_CLASSES
NEAR_CHANCE = CHANCE + 0.05  # at or below this accuracy a model is "about chance"
UNCHANGED = 0.005  # a change within half a point is no loss (nor a gain) worth a sentence
SMALL_LOSS = 0.05  # a loss up to five points is "a little"
EXACT = 1e-5  # a relative difference below this is float rounding
# What one test image shows, per dataset: only MNIST has handwritten digits.
SUBJECTS = {"MNIST": "digit", "Fashion-MNIST": "item", "KMNIST": "character"}


def percent(value: float) -> str:
    """Every accuracy in the lab, table and sentences alike, to the same two decimals."""
    return f"{100 * value:.2f}%"


def points(change: float) -> str:
    """A change of accuracy in percentage points, as the table's change column shows it."""
    return f"{100 * change:+.2f} pts"


def known(value: float) -> float | None:
    """None for nan (no interior left at a large shift)."""
    return None if math.isnan(value) else value


def pixels(count: int) -> str:
    return f"{count} pixel{'' if count == 1 else 's'}"


def subject(dataset: str) -> str:
    return SUBJECTS.get(dataset, "image")


def reference_table(rows, shift: tuple[int, int], mode: str) -> dict[str, list[str]]:
    """The reference table's columns: each model on the original and on the shifted test images."""
    dx, dy = shift
    return {
        "model": [row.model for row in rows],
        "original test set": [percent(row.original) for row in rows],
        f"shifted by ({dx}, {dy}), {FILL_NAMES[mode]}": [percent(row.shifted) for row in rows],
        "change": [points(row.change) for row in rows],
        "shift consistency": [percent(row.consistency) for row in rows],
    }


def movement(shift: tuple[int, int]) -> str:
    """(2, −8) → "2 pixels right and 8 pixels up": each component on its own, never their sum."""
    dx, dy = shift
    parts = []
    if dx:
        parts.append(f"{pixels(abs(dx))} {'right' if dx > 0 else 'left'}")
    if dy:
        parts.append(f"{pixels(abs(dy))} {'down' if dy > 0 else 'up'}")
    return " and ".join(parts) or "not at all"


def verdict(original: float, shifted: float) -> str:
    """What a row of the table shows: chance-anyway, chance, gain, unchanged, small-loss or loss."""
    change = shifted - original
    if original <= NEAR_CHANCE:
        return "chance-anyway"
    if shifted <= NEAR_CHANCE:
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
    return {
        "chance-anyway": f"is at about chance even unshifted, {numbers}",
        "chance": (
            f"falls from {percent(row.original)} to **{percent(row.shifted)}** ({points(row.change)}), about chance"
        ),
        "gain": f"gains, {numbers}",
        "unchanged": f"is unchanged, {numbers}" if row.change == 0 else f"keeps its accuracy, {numbers}",
        "small-loss": f"loses a little, {numbers}",
        "loss": f"falls from {percent(row.original)} to **{percent(row.shifted)}** ({points(row.change)})",
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
                if any(verdict(row.original, row.shifted).startswith("chance") for row in (mlp, cnn))
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
            "chance-anyway": "",
            "gain": f" Here it costs nothing: the CNN even gains ({points(cnn.change)}).",
            "unchanged": f" Here it costs nothing measurable ({points(cnn.change)}).",
        }.get(result, f" Here the CNN's accuracy changes by {points(cnn.change)}.")
    text += (
        " Its global-average head averages each of the last maps over all positions, so the head itself is invariant "
        "to where a feature sits; the maps it averages change with the shift wherever they are not exactly "
        "equivariant."
    )
    last = comparisons[-1]
    if torus(config, mode) and last.relative_error < EXACT:
        text += (
            f" On this test image {last.name}'s maps move exactly (relative difference {last.relative_error:.2g}), "
            "so their averages, and the prediction, do not change."
        )
    return text + {
        "chance": " Here the CNN is about chance all the same.",
        "chance-anyway": "",
        "gain": f" Over the test set the CNN even gains ({points(cnn.change)}).",
        "unchanged": f" Over the test set its accuracy changes by {points(cnn.change)}.",
    }.get(result, f" Over the test set its accuracy changes by {points(cnn.change)}.")


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
    text = f"{heading} For conv1 the relative difference between f(shift(x)) and shift(f(x)) is **{first.relative_error:.2g}**. "
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
            text += f"; away from the border the difference is {inside:.2g}"
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
        text = f"{cells}: the shift is a whole number of its cells, {stage.shift}, and{where} "
        if error < EXACT:
            return text + f"its maps move exactly (relative difference {error:.2g})."
        return text + f"the relative difference is {error:.2g}."
    text = (
        f"{cells}: a shift of {shift} is not a whole number of its cells, so no shift of its maps matches "
        f"f(shift(x)) exactly: relative difference {error:.2g}{where}."
    )
    if config.cnn_downsample == "blurpool":
        text += " BlurPool makes the pooled maps change gradually with the shift; it cannot make them move exactly."
    return text


def hidden_units_sentence(units: int, correlation: float, shift: tuple[int, int], dataset: str) -> str:
    """The line over the MLP's hidden units: true at zero shift (correlation 1.00) as well as for a real move."""
    thing = subject(dataset)
    if shift == (0, 0):
        return (
            f"**The MLP's {units} hidden units** for the image and for the same image unshifted: the same units, "
            f"correlation **{correlation:.2f}**. Move a slider to see what a shift does to them."
        )
    change = "barely change" if f"{correlation:.2f}" == "1.00" else "change"
    return (
        f"**The MLP's {units} hidden units** for the image and for the image moved {movement(shift)}. They do not "
        f"move with the {thing}, they {change}: correlation **{correlation:.2f}** between the two."
    )
