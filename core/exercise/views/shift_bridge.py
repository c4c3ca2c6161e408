"""Shift the input of the 1-D layer and see, exactly, which outputs simply moved with it and which changed.

An output of the shifted input "moved" when it is an output of the original input carried along by the shift:
the shift t is a whole number u of output steps (t = u·s), and the window of ŷ_i loses nothing to the shift, so
that ŷ′_{i+u} = ŷ_i whatever the numbers. Zeros count as zeros: a padding zero that becomes a fill zero is no loss;
a value of x pushed off the end is. Any other output "changed", even when its value happens to be the same.
After a max-pool of size and stride 2 a step is 2s: a shift of s is then half a step, and nothing moves.
"""

from dataclasses import dataclass, replace
from fractions import Fraction

from core.exercise.layer.conv1d import Layer, Vector
from core.links import listed

POOL = 2  # the max-pool's size and stride, as in the lab's CNN
MOVED, NEW, LOST, OFF_GRID = "moved", "new", "lost", "off grid"


def shift_vector(x: Vector, t: int) -> Vector:
    """x moved t positions to the right (left when t < 0): zeros come in, values pushed past the end are lost."""
    n = len(x)
    return tuple(x[j - t] if 0 <= j - t < n else Fraction(0) for j in range(n))


def window_positions(layer: Layer) -> tuple[tuple[int, ...], ...]:
    """For each output, the positions of x its window meets (below 0 or from n on: the padding)."""
    k = len(layer.w)
    return tuple(tuple(layer.weight_input(i, l) - layer.padding for l in range(k)) for i in range(layer.output_length))


def max_pool(values: Vector) -> Vector:
    """The larger of each pair (ŷ1, ŷ2), (ŷ3, ŷ4), …; an odd last output is dropped, as PyTorch's max_pool1d does."""
    return tuple(max(values[POOL * j : POOL * j + POOL]) for j in range(len(values) // POOL))


def pooled_windows(windows: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    """The positions of x each pooled value depends on: its pair's two windows."""
    pairs = range(len(windows) // POOL)
    return tuple(tuple(sorted({a for i in range(POOL * j, POOL * j + POOL) for a in windows[i]})) for j in pairs)


@dataclass(frozen=True)
class Fate:
    """What became of ŷ′_index, an output of the shifted x, against the original outputs it is compared with."""

    index: int
    value: Fraction
    why: str  # MOVED, NEW (came in at the border), LOST (its window lost values of x), OFF_GRID (t not a whole step)
    # The originals compared with: ŷ_{i−u} when t is u whole steps (none at the border); else the two that a
    # whole-step move would bring to either side of it, ŷ_{i−⌈t/s⌉} and ŷ_{i−⌊t/s⌋}, where they exist.
    sources: tuple[int, ...] = ()
    equal_to: tuple[int, ...] = ()  # the sources with the same value (a moved output always equals its source)
    lost: tuple[int, ...] = ()  # for LOST: the positions of x its source's window met that the shift pushed off

    @property
    def moved(self) -> bool:
        return self.why == MOVED


def compare(original: Vector, shifted: Vector, windows, step: int, t: int, n: int) -> tuple[Fate, ...]:
    """Each output of the shifted x against the original output(s) it would have moved from."""
    whole = t % step == 0
    back = (t // step,) if whole else (-(-t // step), t // step)  # u, or ⌈t/step⌉ and ⌊t/step⌋
    fates = []
    for i, value in enumerate(shifted):
        sources = tuple(i - b for b in back if 0 <= i - b < len(original))
        equal_to = tuple(j for j in sources if original[j] == value)
        lost: tuple[int, ...] = ()
        if not whole:
            why = OFF_GRID
        elif not sources:
            why = NEW
        else:
            # Values of x in the source's window that the shift pushes past either end; zeros stay zeros.
            lost = tuple(sorted({a for a in windows[sources[0]] if 0 <= a < n and not 0 <= a + t < n}))
            why = LOST if lost else MOVED
        fates.append(Fate(i, value, why, sources, equal_to, lost))
    return tuple(fates)


@dataclass(frozen=True)
class Stage:
    """The outputs of one stage (the convolution, or the max-pool after it) for x and for x shifted by t."""

    name: str  # "conv" or "pool"
    step: int  # positions of x between neighbouring outputs: s, or 2s after the pool
    shift: int
    original: Vector
    shifted: Vector
    centres: tuple[Fraction, ...]  # where each output's window is centred, in positions of x
    fates: tuple[Fate, ...]

    @property
    def whole_steps(self) -> bool:
        """The shift is a whole number of output steps: only then can an output move."""
        return self.shift % self.step == 0

    def moved(self) -> list[int]:
        return [fate.index for fate in self.fates if fate.moved]


def centres(layer: Layer, count: int, step: int) -> tuple[Fraction, ...]:
    """Where each output's window (or each pooled pair of windows) is centred, in positions of x."""
    first = Fraction(-layer.padding) + Fraction(layer.span - 1, 2) + Fraction(step - layer.stride, 2)
    return tuple(first + step * i for i in range(count))


@dataclass(frozen=True)
class ShiftResult:
    """The layer on x and on x shifted by t, before and after a max-pool of the outputs."""

    layer: Layer
    shift: int
    x_shifted: Vector
    conv: Stage
    pool: Stage

    @property
    def lost_inputs(self) -> tuple[int, ...]:
        """Positions of x whose values the shift pushes past the end."""
        n = len(self.layer.x)
        return tuple(j for j in range(n) if not 0 <= j + self.shift < n)


def shift_outputs(layer: Layer, t: int) -> ShiftResult:
    """Run the layer on x and on x shifted by t, and say of every output (and pooled value) whether it moved."""
    shifted_layer = replace(layer, x=shift_vector(layer.x, t))
    n, windows = len(layer.x), window_positions(layer)

    def stage(name: str, original: Vector, shifted: Vector, windows, step: int) -> Stage:
        fates = compare(original, shifted, windows, step, t, n)
        return Stage(name, step, t, original, shifted, centres(layer, len(original), step), fates)

    y, y_shifted = layer.forward(), shifted_layer.forward()
    conv = stage("conv", y, y_shifted, windows, layer.stride)
    pool = stage("pool", max_pool(y), max_pool(y_shifted), pooled_windows(windows), POOL * layer.stride)
    return ShiftResult(layer, t, shifted_layer.x, conv, pool)


def shift_range(layer: Layer) -> int:
    """The largest shift worth offering: every value of x gone, or one kernel length, whichever is more."""
    return max(1, len(layer.x), len(layer.w))


# The words: every sentence is chosen by the numbers it describes. Indices are 1-based, as on page 1.

SYMBOLS = {"conv": ("ŷ", "ŷ′", r"\hat y", "output"), "pool": ("P", "P′", "P", "pooled value")}


def plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def names(symbol: str, indices) -> str:
    """ŷ′1–ŷ′4, ŷ′6 and ŷ′7 (from 0-based indices): runs of three or more written as a range."""
    indices, parts, k = sorted(indices), [], 0
    while k < len(indices):
        end = k
        while end + 1 < len(indices) and indices[end + 1] == indices[end] + 1:
            end += 1
        if end - k >= 2:
            parts.append(f"{symbol}{indices[k] + 1}–{symbol}{indices[end] + 1}")
        else:
            parts += [f"{symbol}{i + 1}" for i in indices[k : end + 1]]
        k = end + 1
    return listed(parts)


def none_moved(count: int, noun: str) -> str:
    """No output simply moved, said for one, two or more: all of them red, none called "changed" (one may be equal)."""
    if count == 1:
        return f"the only {noun} did not simply move (red)"
    if count == 2:
        return "neither simply moved (both red)"
    return f"none of the {count} simply moved (all red)"


def _side(t: int) -> str:
    return "right" if t > 0 else "left"


def _index(letter: str, offset: int) -> str:
    """i+2, i−1 (in LaTeX), or i."""
    return letter if offset == 0 else f"{letter}{offset:+d}"


def steps_amount(stage: Stage) -> str:
    """The shift in steps of this stage: "2 output steps", "1/2 of an output step", "3/2 of a step"."""
    unit = "output step" if stage.name == "conv" else "step"
    if stage.whole_steps:
        return plural(abs(stage.shift // stage.step), unit)
    fraction = Fraction(abs(stage.shift), stage.step)
    return f"{fraction.numerator}/{fraction.denominator} of {'an' if unit[0] == 'o' else 'a'} {unit}"


def head_sentence(stage: Stage, stride: int) -> str:
    """What the shift amounts to at this stage: a whole number of output steps, or a fraction of one."""
    t, step = stage.shift, stage.step
    _, _, latex, noun = SYMBOLS[stage.name]
    conv = stage.name == "conv"
    i = "i" if conv else "j"
    amount = steps_amount(stage)
    if conv:
        text = f"A shift of {plural(abs(t), 'position')} to the {_side(t)} is {amount} (stride {stride})"
    else:
        text = (
            f"After a max-pool (size {POOL}, stride {POOL}) a step is {plural(step, 'position')} of x, and the shift "
            f"of {abs(t)} is {amount}"
        )
    if stage.whole_steps:
        windows = f"the window of ${latex}_{i}$ loses" if conv else f"the two windows of ${latex}_{i}$ lose"
        formula = rf"${latex}'_{{{_index(i, t // step)}}} = {latex}_{i}$"
        return text + f": {formula} wherever {windows} nothing to the shift."
    return text + f": {noun}s can only move by whole steps, so {none_moved(len(stage.shifted), noun)}."


def whole_step_sentences(stage: Stage) -> list[str]:
    """Which outputs moved, which came in at the border, which lost inputs, and which are equal all the same."""
    name, shifted_name, _, noun = SYMBOLS[stage.name]
    t, fates = stage.shift, stage.fates
    u = t // stage.step
    moved = [f.index for f in fates if f.why == MOVED]
    new = [f.index for f in fates if f.why == NEW]
    lost = [f for f in fates if f.why == LOST]
    if len(moved) == len(fates):
        every = {1: f"The only {noun}", 2: "Both"}.get(len(fates), f"All {len(fates)}")
        sentences = [f"{every} simply moved (green)."]
    elif moved:
        sentences = [f"{names(shifted_name, moved)} simply moved (green)."]
    else:
        sentences = [f"No {noun} simply moved."]
    if new:
        border, one = ("left" if t > 0 else "right"), len(new) == 1
        sentences.append(
            f"{names(shifted_name, new)} {'is' if one else 'are'} new at the {border} border (red): the original has "
            f"no {noun} {plural(abs(u), 'step')} to {'its' if one else 'their'} {border} to move from."
        )
    if lost:
        one = len(lost) == 1
        inputs = sorted({a for f in lost for a in f.lost})
        sentences.append(
            f"{names(shifted_name, [f.index for f in lost])} changed (red): the "
            f"{'window it' if one else 'windows they'} would have moved from met {names('x', inputs)}, which the "
            f"shift pushed off the {_side(t)} end."
        )
        same = [f for f in lost if f.equal_to]
        if same:
            if stage.name == "pool":
                why = f"the larger of {'its pair' if len(same) == 1 else 'each pair'} came out the same"
            elif len({a for f in same for a in f.lost}) == 1:
                why = "the term lost with that input is 0 here"
            else:
                why = "the terms lost with those inputs add up to 0 here"
            sentences.append(f"All the same, by the numbers {equalities(same, stage)}: {why}.")
    return sentences


def equalities(fates, stage: Stage) -> str:
    """ "P′1 = P1 and P′3 = P2": each output against the first original it equals."""
    name, shifted_name, _, _ = SYMBOLS[stage.name]
    return listed([f"{shifted_name}{f.index + 1} = {name}{f.equal_to[0] + 1}" for f in fates])


def between_sentence(stage: Stage) -> str:
    """Nothing moved: the shift carries every original off the places where outputs sit; equal only by chance."""
    name, _, latex, noun = SYMBOLS[stage.name]
    t = stage.shift
    amount = steps_amount(stage)
    if len(stage.original) == 1:
        text = f"The shift carries {name}1 {amount} to the {_side(t)}, off the place of the only {noun}"
    else:
        i = "i" if stage.name == "conv" else "j"
        text = f"The shift carries each ${latex}_{i}$ {amount} to the {_side(t)}, off the places where {noun}s sit"
    same = [f for f in stage.fates if f.equal_to]
    if same:
        return text + f"; all the same, by the numbers {equalities(same, stage)}, not by the shift."
    if not any(f.sources for f in stage.fates):
        return text + "."
    return text + f", and no {noun} of the shifted x equals an original carried next to it."


def pairing_sentence(result: ShiftResult) -> str | None:
    """Why the pool loses what the convolution kept: a shift of an odd number of output steps re-pairs the outputs."""
    conv, pool = result.conv, result.pool
    if not pool.shifted or not conv.whole_steps or pool.whole_steps or not conv.moved():
        return None
    m = len(conv.original)
    pairs = [f"(ŷ{a}, ŷ{a + 1})" for a in range(1, POOL * (m // POOL), POOL)]
    left_out = f", and leaves out ŷ{m} and ŷ′{m}, which have no partner" if m % POOL else ""
    if len(pairs) == 1:
        pooled = f"the pair {pairs[0]}, and of (ŷ′1, ŷ′2) likewise{left_out}"
        unaligned = f"{pairs[0]} does not land on (ŷ′1, ŷ′2)"
    else:
        shown = listed(pairs) if len(pairs) == 2 else ", ".join(pairs[:2]) + ", …"
        pooled = f"each pair, {shown}, of ŷ′ as of ŷ{left_out}"
        unaligned = "no pair of ŷ lands on a pair of ŷ′"
    return (
        f"Before the pool, {names('ŷ′', conv.moved())} simply moved by {plural(abs(conv.shift // conv.step), 'step')}; "
        f"but the pool takes the larger of {pooled}: after an odd number of steps {unaligned}."
    )


def stage_sentences(stage: Stage, stride: int) -> list[str]:
    rest = whole_step_sentences(stage) if stage.whole_steps else [between_sentence(stage)]
    return [head_sentence(stage, stride), *rest]


def conv_sentences(result: ShiftResult) -> list[str]:
    """What the shift did to the outputs, in sentences true for these numbers."""
    if result.shift == 0:
        return ["With no shift, x and every output stay as they are."]
    return stage_sentences(result.conv, result.layer.stride)


def pool_sentences(result: ShiftResult) -> list[str]:
    """What the shift did to the max-pooled outputs, in sentences true for these numbers."""
    if not result.pool.shifted:
        return [f"With a single output there is no pair to max-pool (size {POOL}, stride {POOL})."]
    if result.shift == 0:
        return ["With no shift, every pooled value stays as it is."]
    head, *rest = stage_sentences(result.pool, result.layer.stride)
    pairing = pairing_sentence(result)
    return [head, *([pairing] if pairing else []), *rest]


def verdict(fate: Fate, stage: Stage) -> str:
    """One output's row in the table: moved, or why it changed (and whether it equals an original by the numbers)."""
    name = SYMBOLS[stage.name][0]
    if stage.shift == 0:
        return "unchanged: no shift"
    if fate.moved:
        return f"moved: = {name}{fate.sources[0] + 1}"
    reason = {
        NEW: "changed: new at the border",
        LOST: f"changed: {names('x', fate.lost)} fell off",
        OFF_GRID: "changed: not a whole step",
    }[fate.why]
    if fate.equal_to:
        reason += f" (though = {name}{fate.equal_to[0] + 1} by the numbers)"
    return reason


# The lab: the same two stages in 2-D, with the settings that show them.

LAB_SENTENCE = (
    "**The same happens in the lab's CNN**, in 2-D. Its 3×3 convolutions have stride 1, so with zero padding their "
    "maps move with a shifted image except at the border. Each 2×2 max-pool (stride 2) keeps one value per 2 pixels: "
    "a 1-pixel shift is half a pooling cell, so pool1's maps change instead of moving; a 2-pixel shift moves pool1's "
    "maps but is half a cell of pool2 (4 pixels). BlurPool, a choice in the lab's sidebar, blurs before it "
    "subsamples, so a shift changes the pooled maps less; they still do not move exactly."
)
LAB_MAX_SHIFT = 8  # the lab's dx slider runs from −8 to 8


def lab_shift(t: int) -> int:
    """The lab's dx for this shift: the same number of pixels (1 when there is no shift), within the lab's range."""
    return max(-LAB_MAX_SHIFT, min(LAB_MAX_SHIFT, t or 1))


def lab_query(t: int, blurpool: bool = False) -> dict[str, str]:
    """The lab's URL parameters for the same shift along x, zeros coming in; BlurPool instead of max-pooling if asked."""
    query = {"dx": str(lab_shift(t)), "dy": "0", "fill": "zero"}
    if blurpool:
        query["cnn_downsample"] = "blurpool"
    return query
