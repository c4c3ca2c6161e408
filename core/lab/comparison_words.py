"""What the comparison of the fixes says: its table, and every sentence beside it, computed from its numbers."""

from __future__ import annotations

import pandas as pd

from core.lab.compare import INVARIANT, differs
from core.lab.comparison import CONSISTENCY_SHIFT, MAP_IMAGES, Stat, VariantRow
from core.lab.wording import FILL_NAMES, pair, percent, points, relative
from core.links import listed

PLAIN = "CNN"
COSTLY = 0.01  # a fix "costs accuracy" when the unshifted images lose more than a point against the plain CNN
LEARNED = 0.5  # below this on the unshifted images, a model's consistency says little on its own
FAR_BELOW = 0.2  # nor when it is this far below the plain CNN
SHORT_FILL = {"zero": "zero", "circular": "wrap"}


def shown(value: Stat, as_percent: bool = True) -> str:
    """A mean, with ± its spread when there are several seeds."""
    if as_percent:
        text = percent(value.mean)
        return f"{text[:-1]} ± {100 * value.spread:.2f}%" if len(value.values) > 1 else text
    text = relative(value.mean)
    return f"{text} ± {relative(value.spread)}" if len(value.values) > 1 else text


def comparison_tables(rows: list[VariantRow], shift: tuple[int, int], mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tables, one row a variant each, narrow enough for a projector: accuracy and consistency under both fills;
    then Azulay & Weiss's two numbers and the last maps' error, under the chosen fill."""
    fill = SHORT_FILL[mode]
    accuracy, inside = [], []
    for row in rows:
        accuracy.append(
            {
                "variant": row.variant.name,
                "unshifted": shown(row.original),
                f"at {pair(shift)}, zero": shown(row.shifted["zero"]),
                f"at {pair(shift)}, wrap": shown(row.shifted["circular"]),
                "consistency, zero": shown(row.consistency["zero"]),
                "consistency, wrap": shown(row.consistency["circular"]),
            }
        )
        inside.append(
            {
                "variant": row.variant.name,
                f"top-1 changes at 1 px ({fill})": shown(row.top1_change),
                f"mean |Δp| of the top class ({fill})": shown(row.mean_top_change),
                f"last maps' error at {pair(shift)} ({fill})": (
                    shown(row.map_error, as_percent=False) if row.map_error else "— (no maps)"
                ),
            }
        )
    return pd.DataFrame(accuracy).set_index("variant"), pd.DataFrame(inside).set_index("variant")


def table_note(mode: str, images: int, test_images: int) -> str:
    """What the tables measured; `test_images` is the whole test set, which the lab measures its models on."""
    whole = (
        ""
        if images >= test_images
        else f" of the {test_images:,} (the lab measures on all of them, so its figures for the same models can "
        "differ a little)"
    )
    return (
        f"All on the first {min(images, test_images):,} test images{whole}. Consistency (Zhang 2019): the same class under two random "
        f"shifts of up to {CONSISTENCY_SHIFT} pixels along each axis. Top-1 changes and mean |Δp| (Azulay & Weiss "
        "2019): each image against itself moved one pixel right, left, down and up: how often the class changes, and "
        "how far the probability of the class picked for the unmoved image moves. Last maps' error: "
        "‖f(shift x) − shift(f x)‖ / ‖shift(f x)‖ for the maps the head reads, at the whole map shift that matches "
        f"best, on the first {min(MAP_IMAGES, images):,} images, with {FILL_NAMES[mode]}; 0 means the maps only moved."
    )


def budget_sentence(train_size: int, epochs: int, seeds: tuple[int, ...], count: int) -> str:
    runs = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]} to {seeds[-1]}"
    return (
        f"The same budget for every model: {train_size:,} training images, {epochs} epoch{'s' if epochs > 1 else ''}, "
        f"{runs}; {count} model{'s' if count > 1 else ''} in all, shared by every student who opens this view "
        "with this budget."
    )


def row_named(rows: list[VariantRow], name: str) -> VariantRow | None:
    return next((row for row in rows if row.variant.name == name), None)


def cost_sentence(rows: list[VariantRow]) -> str | None:
    """The fixes that cost accuracy on the unshifted images at this budget, with their numbers (None if none does)."""
    plain = row_named(rows, PLAIN)
    if plain is None:
        return None
    costly = [
        row
        for row in rows
        if row.variant.kind == "cnn"
        and row is not plain
        and plain.original.mean - row.original.mean > max(COSTLY, row.original.spread + plain.original.spread)
    ]
    if not costly:
        return (
            f"At this budget no fix costs the CNN more than {100 * COSTLY:.0f} point of accuracy on the unshifted "
            f"images (the plain CNN: {percent(plain.original.mean)})."
        )
    names = listed(f"{row.variant.name} {percent(row.original.mean)}" for row in costly)
    text = (
        f"Some fixes cost accuracy at this budget: on the unshifted images the plain CNN reaches "
        f"{percent(plain.original.mean)}, against {names}."
    )
    if any("global average" in row.variant.name for row in costly):
        text += (
            " A global average throws away where each feature is, so the classifier has fewer clues to tell digits "
            "apart with, and it learns more slowly in the same number of steps."
        )
    return text + " Change the budget above to see how the gap moves."


def invariant_sentence(rows: list[VariantRow]) -> str | None:
    """Why the circular + APS + global-average CNN reaches 100% consistency under wrap, and what zero fill changes."""
    row = row_named(rows, INVARIANT)
    if row is None:
        return None
    wrap, zero = row.consistency["circular"], row.consistency["zero"]
    pairs = sum(steady.pairs for steady in row.steady["zero"])
    losing = sum(steady.pairs_losing_ink for steady in row.steady["zero"])
    kept = sum(steady.disagreements_keeping_ink for steady in row.steady["zero"])
    seeds = len(wrap.values)
    each = "" if seeds == 1 else f" for each of the {seeds} seeds"
    if min(wrap.values) == 1.0:
        first = (
            f"**{INVARIANT}: {percent(1.0)} consistency under wrap{each}.** Circular padding leaves no edge, so each "
            "convolution sees a wrapped image as the same image moved; APS keeps the polyphase component with the "
            "largest norm, and a circular shift only changes which component that is, so each downsampling moves its "
            "maps instead of changing them; the global average does not care where anything is. The class cannot "
            "change."
        )
    else:
        first = (
            f"**{INVARIANT}: {shown(wrap)} consistency under wrap**, not 100%: a few images had two polyphase "
            "components of nearly equal norm, and rounding picked a different one after the shift."
        )
    if zero.mean == 1.0:
        second = (
            f"Under zero fill it is {shown(zero)} too here: in {losing:,} of {pairs:,} pairs a copy lost ink over the "
            "edge, and the model still agreed."
        )
    else:
        where = (
            "every disagreement is among them"
            if kept == 0
            else f"{kept:,} disagreement{'s' if kept > 1 else ''} kept all their ink"
        )
        second = (
            f"Under zero fill it is {shown(zero)}: a zero-fill shift equals a circular one only while no ink crosses "
            f"the edge. In {losing:,} of {pairs:,} pairs a copy lost ink, and {where}."
        )
    return " ".join(part for part in (first, learned_clause(row, row_named(rows, PLAIN)), second) if part)


def learned_clause(row: VariantRow, plain: VariantRow | None) -> str | None:
    """A warning beside a consistency claim when the model has learned little: a constant classifier is consistent."""
    mine = row.original.mean
    theirs = plain.original.mean if plain else None
    if mine < LEARNED:
        how = f"it has barely learned ({shown(row.original)} on the unshifted images)"
    elif theirs is not None and theirs - mine > FAR_BELOW:
        how = f"it has learned far less than the plain CNN ({shown(row.original)} against {shown(plain.original)})"
    else:
        return None
    return (
        f"But {how}: a model that gives every image the same class is 100% consistent too; consistency means "
        "something only beside accuracy."
    )


def seeds_sentence(rows: list[VariantRow], mode: str, shift: tuple[int, int]) -> str | None:
    """With several seeds: which differences from the plain CNN are larger than the seeds' spread, each the difference
    of the means as the table rounds them."""
    plain = row_named(rows, PLAIN)
    if plain is None or len(plain.original.values) < 2:
        return None
    larger, within = [], []
    for row in rows:
        if row.variant.kind != "cnn" or row is plain:
            continue
        for label, mine, theirs in (
            ("consistency", row.consistency[mode], plain.consistency[mode]),
            (f"accuracy at {pair(shift)}", row.shifted[mode], plain.shifted[mode]),
        ):
            shown = round(100 * mine.mean, 2) - round(100 * theirs.mean, 2)
            words = f"{row.variant.name}'s {label} ({points(shown / 100)})"
            (larger if differs(mine.values, theirs.values) else within).append(words)
    seeds = len(plain.original.values)
    parts = [
        f"Against the plain CNN, over {seeds} seeds (a difference counts when the two means are further apart than "
        f"their two standard deviations added, with {FILL_NAMES[mode]}):"
    ]
    parts.append(f"larger than the spread: {listed(larger)}." if larger else "no difference is larger.")
    if within:
        parts.append(f"Within the spread, so not shown to be real: {listed(within)}.")
    return " ".join(parts)


# -- questions learners ask, answered with the numbers beside them -------------------------------------------------


def percent_range(values: list[float]) -> str:
    low, high = min(values), max(values)
    return percent(low) if percent(low) == percent(high) else f"{percent(low)[:-1]}–{percent(high)}"


def accurate_means_consistent(rows: list[VariantRow], mode: str) -> str:
    """A model right on both shifted copies gives both the same class: consistency ≥ a₁ + a₂ − 1. Then what the bound
    says for these rows: nothing when every CNN is too inaccurate, and whether accuracy and consistency rank the CNNs
    alike."""
    lines, cnns = [], []
    for row in rows:
        if row.variant.kind != "cnn":
            continue
        steadies = row.steady[mode]
        first = sum(s.first_accuracy for s in steadies) / len(steadies)
        second = sum(s.second_accuracy for s in steadies) / len(steadies)
        bound = max(first + second - 1, 0.0)
        consistency = row.consistency[mode].mean
        cnns.append((row.variant.name, (first + second) / 2, min(first, second), bound, consistency))
        lines.append(
            f"- {row.variant.name}: a₁ = {percent(first)}, a₂ = {percent(second)}, so at least {percent(bound)}; "
            f"measured {percent(consistency)}"
        )
    text = (
        "Consistency compares two randomly shifted copies of each image. Every image the model classifies correctly "
        "in both copies gets the same class twice, and at most (1 − a₁) + (1 − a₂) of the images miss in one copy or "
        "the other, so consistency is at least a₁ + a₂ − 1, where a₁ and a₂ are the accuracies on the two sets of "
        f"copies ({FILL_NAMES[mode]}). Near 100% on both sets of copies the bound leaves no room for disagreement: a "
        "model that stays accurate on shifted images has to be consistent. The converse does not hold: a model can "
        "agree with itself while wrong."
    )
    if not cnns:
        return text
    verdict = []
    if all(bound == 0 for *_, bound, _ in cnns):
        verdict.append(
            f"Here the bound says nothing: on copies shifted up to {CONSISTENCY_SHIFT} px the CNNs are only "
            f"{percent_range([accurate for _, accurate, *_ in cnns])} accurate, so a₁ + a₂ − 1 is not above zero for "
            "any of them."
        )
    else:
        verdict.append(
            f"Here the bound accounts for {percent_range([bound / consistency if consistency else 0.0 for *_, bound, consistency in cnns])} of "
            "the measured consistency (the bound divided by the measured value, across the CNNs); the rest is "
            "agreement that accuracy alone does not force."
        )
    accurate = max(cnns, key=lambda cnn: cnn[1])
    steady = max(cnns, key=lambda cnn: cnn[4])
    if accurate[1] - steady[1] > COSTLY and steady[4] - accurate[4] > COSTLY:
        name, shifted, worst, _, consistency = steady
        verdict.append(
            f"Accuracy and consistency do not rank the CNNs alike: the most consistent, {name} "
            f"({percent(consistency)}), is {percent(shifted)} accurate on the shifted copies, against "
            f"{percent(accurate[1])} for {accurate[0]}, which is {percent(accurate[4])} consistent. A model that gives "
            f"many images the same class agrees with itself without being right: {name} gives both copies the same "
            f"wrong class for at least {percent(max(consistency - worst, 0.0))} of the images."
        )
    return f"{text}\n\n{' '.join(verdict)}\n\n" + "\n".join(lines)


def average_is_a_blur(rows: list[VariantRow], mode: str) -> str:
    plain, blur, average = (row_named(rows, name) for name in (PLAIN, "CNN, BlurPool", "CNN, global average"))
    text = (
        "Averaging 2×2 pixels and keeping one value in four is a 2×2 box blur followed by subsampling: the blur "
        "removes much of the fine detail that would otherwise alias, the jumps a one-pixel shift causes when it "
        "decides which pixels the subsampling keeps. BlurPool (Zhang 2019) keeps max pooling's strength, the max "
        "taken densely with stride 1, and puts a [1, 2, 1] × [1, 2, 1] / 16 blur before the subsampling. A global "
        "average is the widest blur of all: one value per map, so the head cannot alias, though the poolings inside "
        "the network still can."
    )
    if plain and blur and average:
        text += (
            f" Here, consistency with {FILL_NAMES[mode]}: plain CNN {shown(plain.consistency[mode])}, BlurPool "
            f"{shown(blur.consistency[mode])}, global average {shown(average.consistency[mode])}."
        )
    return text


def why_circular(rows: list[VariantRow]) -> str:
    invariant, circular = row_named(rows, INVARIANT), row_named(rows, "CNN, circular padding")
    text = (
        "Exact invariance needs every step to treat the image the same wherever its content sits. With zero padding "
        "the frame's edge is a place: a filter near it sees zeros, and moving the digit changes what it sees. With "
        "zero fill, ink that crosses the edge is gone, so the shifted image holds less than the original. Only a "
        "circular shift with circular padding makes every convolution's output the same maps moved; then APS keeps "
        "the downsampling from choosing different pixels, and the global average forgets where the features were."
    )
    if invariant and circular:
        text += (
            f" Circular padding alone is not enough: the max pools still subsample on a fixed grid (its consistency "
            f"under wrap: {shown(circular.consistency['circular'])}; with APS and the global average: "
            f"{shown(invariant.consistency['circular'])})."
        )
    return text
