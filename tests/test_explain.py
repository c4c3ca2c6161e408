"""The lab's explanations hold against the numbers beside them, over every setting, with the models' results stubbed."""

import functools
import itertools
import re

import numpy as np
import pytest

from core.lab.config import TrainConfig
from core.lab.equivariance import LayerComparison, feature_shift
from core.lab.explain import explanations, reference_table
from core.lab.questions import TableRow
from core.lab.wording import percent

STAGES = (("conv1", 1, False), ("pool1", 2, True), ("conv2", 2, False), ("pool2", 4, True))
SHIFTS = ((0, 0), (1, 0), (2, 0), (4, 0), (2, -8), (8, 0), (-8, 0), (3, 0))
# (MLP original, MLP shifted, CNN original, CNN shifted, MLP without augmentation): each a case the text must follow.
NUMBERS = {
    "no loss": (0.975, 0.9748, 0.965, 0.965, 0.97),
    "small loss": (0.975, 0.95, 0.982, 0.97, 0.90),
    "gain": (0.90, 0.93, 0.9650, 0.9653, 0.91),
    "collapse": (0.975, 0.095, 0.9824, 0.136, 0.10),
    "loss": (0.975, 0.41, 0.982, 0.931, 0.487),
    "gap costs": (0.975, 0.80, 0.789, 0.789, 0.60),
    "below chance": (0.975, 0.0505, 0.9824, 0.04, 0.06),
}
ABOUT_CHANCE = (0.0667, 0.15)  # within half as much again of 10% either way


def rows(numbers, shift):
    mlp_original, mlp_shifted, cnn_original, cnn_shifted, _ = numbers
    if shift == (0, 0):
        mlp_shifted, cnn_shifted = mlp_original, cnn_original
    return [TableRow("MLP", mlp_original, mlp_shifted, 0.8), TableRow("CNN", cnn_original, cnn_shifted, 0.9)]


def stage(name, stride, downsampled, shift, error, interior=None, mean_error=None, moved=None):
    dx, dy = shift
    maps = np.zeros((1, 1, 1))
    return LayerComparison(
        name=name,
        stride=stride,
        downsampled=downsampled,
        shift=moved or (feature_shift(dx, stride), feature_shift(dy, stride)),
        whole=dx % stride == 0 and dy % stride == 0,
        f_of_shifted=maps,
        shifted_f=maps,
        difference=maps,
        relative_error=error,
        border=2,
        interior_relative_error=error / 3 if interior is None else interior,
        mean_relative_error=error / 10 if mean_error is None else mean_error,
    )


def comparisons(shift, torus, exact=False, downsample="max"):
    """As the real CNN behaves: exact on a torus for whole shifts, off otherwise; `exact` makes every error 0. On a
    torus BlurPool keeps pool2's averages when the shift is a whole number of pool1's cells (its maps do not move),
    and APS's maps move exactly, after core.lab.alignment, by the shift rounded towards zero where it is not whole."""
    result = []
    even = shift[0] % 2 == 0 and shift[1] % 2 == 0
    for name, stride, downsampled in STAGES:
        whole = shift[0] % stride == 0 and shift[1] % stride == 0
        mean_error, moved = None, None
        if torus and downsample == "aps" and shift != (0, 0):
            error, mean_error = (0.0, 0.0) if stride == 1 else (3e-8, 2e-8)
            moved = tuple(int(d / stride) for d in shift)  # rounded towards zero: another grid than the rounded one
        elif exact or shift == (0, 0):
            error = 0.0
        elif torus:
            error = 3e-8 if whole else 0.36
            mean_error = 8e-8 if whole or (downsample == "blurpool" and even) else 0.014
        else:
            error = 0.2 if whole else 0.7
        interior = float("nan") if max(map(abs, shift)) >= 8 and stride == 4 else None
        result.append(stage(name, stride, downsampled, shift, error, interior, mean_error, moved))
    return result


def config(**changes):
    return TrainConfig(**changes)


@functools.cache
def grid():
    """Every combination of settings, shifts and numbers, with the paragraphs the lab would show for it."""
    cases = []
    for head, padding, downsample, fill, augment, shift, numbers, dataset, exact in itertools.product(
        ("flatten", "gap"),
        ("zero", "circular"),
        ("max", "blurpool", "aps"),
        ("zero", "circular"),
        (0, 2),
        SHIFTS,
        NUMBERS,
        ("MNIST", "Fashion-MNIST"),
        (False, True),
    ):
        settings = config(
            cnn_head=head, cnn_padding=padding, cnn_downsample=downsample, augment_shift=augment, dataset=dataset
        )
        table_rows = rows(NUMBERS[numbers], shift)
        baseline = NUMBERS[numbers][4] if augment else None
        stages = comparisons(shift, padding == "circular" and fill == "circular", exact, downsample)
        paragraphs = explanations(table_rows, stages, settings, baseline, shift, fill)
        cases.append((settings, fill, shift, table_rows, baseline, stages, paragraphs))
    return cases


def every_case():
    for settings, fill, shift, table_rows, baseline, stages, paragraphs in grid():
        yield settings, fill, shift, table_rows, baseline, stages, "\n".join(paragraphs)


def explain(numbers="no loss", shift=(2, 0), fill="zero", exact=False, **settings):
    chosen = config(**settings)
    table_rows = rows(NUMBERS[numbers] if isinstance(numbers, str) else numbers, shift)
    baseline = (NUMBERS[numbers] if isinstance(numbers, str) else numbers)[4] if chosen.augment_shift else None
    torus = chosen.cnn_padding == "circular" and fill == "circular"
    stages = comparisons(shift, torus, exact, chosen.cnn_downsample)
    return "\n".join(explanations(table_rows, stages, chosen, baseline, shift, fill))


# The grid: each fact checked in every setting.


def test_a_global_average_head_is_never_said_to_read_positions():
    for settings, *_, text in every_case():
        if settings.cnn_head == "gap":
            assert "position by position" not in text and "flatten head gives" not in text


def test_a_wrap_fill_never_drops_content():
    for _, fill, *_, text in every_case():
        if fill == "circular":
            assert "falls off" not in text and "zeros come in" not in text


def test_a_cnn_that_does_not_lose_is_never_said_to_lose_and_nothing_changes_at_zero_shift():
    for _, _, shift, table_rows, _, _, text in every_case():
        mlp, cnn = table_rows
        if shift == (0, 0):
            assert not re.search(r"\b(loses|falls|gains)\b", text), text
        if cnn.change >= 0:
            assert "still loses accuracy" not in text and "CNN loses" not in text and "it loses" not in text
        if cnn.change >= mlp.change:
            assert "loses as much as the MLP" not in text


def test_about_chance_means_near_ten_percent_and_below_chance_is_said_so():
    low, high = ABOUT_CHANCE
    for _, _, shift, table_rows, _, _, text in every_case():
        first = text.split("\n")[0]
        if shift != (0, 0) and any(low <= row.shifted <= high for row in table_rows):
            assert "about chance" in first
        if shift != (0, 0) and any(row.shifted < low for row in table_rows):
            assert "below chance" in first and "Guessing would score 10.00%" in first
        if all(row.shifted >= low for row in table_rows):
            assert "below chance" not in text
        if all(row.shifted > high for row in table_rows):
            assert "chance" not in text


def test_fashion_mnist_is_never_called_handwritten_digits_or_strokes():
    for settings, *_, text in every_case():
        if settings.dataset == "Fashion-MNIST":
            assert not re.search(r"handwritten|stroke|digit", text, re.IGNORECASE)


def test_every_number_is_one_on_screen_pixel_counts_are_the_shifts_components_and_agree_in_number():
    for settings, fill, shift, table_rows, baseline, _, text in every_case():
        shown = {value for column in reference_table(table_rows, shift, fill).values() for value in column}
        allowed = shown | {percent(0.1)} | ({percent(baseline)} if baseline is not None else set())
        for number in re.findall(r"\d+\.\d+%", text):
            assert number in allowed, (number, text)
        for change in re.findall(r"[+−]\d+\.\d+ pts", text):
            assert change in shown, (change, text)
        dx, dy = shift
        for count, plural in re.findall(r"(\d+) pixel(s?)\b", text):
            assert int(count) in {abs(dx), abs(dy), settings.augment_shift}, (count, shift, text)
            assert (plural == "s") == (int(count) != 1), text
        for count, direction in re.findall(r"(\d+) pixels? (right|left|down|up)", text):
            assert int(count) == (abs(dx) if direction in ("right", "left") else abs(dy)), text
            assert direction == {True: "right", False: "left"}[dx > 0] or direction in ("down", "up")
            assert direction in ("right", "left") or direction == {True: "down", False: "up"}[dy > 0]


def test_no_border_is_blamed_where_there_is_none():
    for settings, fill, *_, text in every_case():
        if settings.cnn_padding == "circular" and fill == "circular":
            assert "border" not in text.replace("has no border", "").replace("needs no borders", "")


def test_a_pooling_stage_moves_by_whole_cells_only_when_the_shift_is_a_multiple_of_its_stride():
    for settings, _, shift, _, _, stages, text in every_case():
        if "commutes with the shift exactly" in text:
            assert stages[0].relative_error < 1e-5
        if shift == (0, 0):
            continue
        for comparison in stages:
            if not comparison.downsampled:
                continue
            sentence = re.search(rf"{comparison.name} keeps one cell[^.]*\.", text).group(0)
            assert ("is a whole number of its cells" in sentence) == comparison.whole, sentence
            # APS moves its maps by whole cells it picks, so they can move exactly under any shift.
            lined_up = comparison.whole or settings.cnn_downsample == "aps"
            assert ("move exactly" in sentence) == (lined_up and comparison.relative_error < 1e-5) or (
                "away from the border" in sentence
            ), sentence


def test_invariance_and_equivariance_are_used_exactly():
    for *_, text in every_case():
        assert "(invariance)" not in text
        assert "shift-equivariant" not in text  # a classifier's output should be invariant, its maps equivariant
        assert "output invariant" in text or "No shift" in text


# Each false statement the issue found, in the setting where it appeared.


def test_a_gap_head_that_keeps_its_accuracy_is_not_said_to_read_positions_or_to_lose():
    text = explain(
        "no loss",
        (2, 0),
        "circular",
        cnn_padding="circular",
        cnn_head="gap",
        cnn_downsample="blurpool",
        augment_shift=2,
    )
    assert "position by position" not in text and "still loses" not in text
    assert "+0.00 pts" in text and "global-average head" in text


def test_an_mlp_trained_on_the_shift_is_not_said_never_to_have_seen_it():
    text = explain("small loss", (2, 0), augment_shift=2)
    assert "never saw" not in text
    assert "Training showed it every shift up to ±2 pixels along each axis, this one included" in text


def test_a_wrap_fill_with_zero_padding_blames_the_padding_not_lost_content():
    text = explain("loss", (0, -8), "circular")
    assert "falls off" not in text
    assert "The wrap fill loses nothing" in text and "zero-padded convolutions see zeros beyond the edge" in text


def test_a_cnn_at_chance_at_dx_8_is_called_chance_not_still_excited():
    text = explain("collapse", (8, 0))
    assert "still excites" not in text and "still loses" not in text
    first = text.split("\n")[0]
    assert "the CNN falls from 98.24% to **13.60%** (−84.64 pts), about chance" in first


def test_a_cnn_exactly_invariant_on_a_torus_is_not_said_to_lose():
    numbers = (0.975, 0.60, 0.965, 0.965, 0.5)
    text = explain(numbers, (4, 0), "circular", exact=True, cnn_padding="circular", cnn_head="gap")
    assert "still loses" not in text and "loses as much" not in text
    assert "pool2's maps move exactly" in text and "do not change" in text


def test_the_cnn_is_not_said_to_lose_as_much_as_the_mlp_when_neither_loses():
    text = explain((0.975, 0.975, 0.965, 0.965, 0.9), (1, 0))
    assert "loses as much as the MLP" not in text and "still loses" not in text


def test_no_border_breaks_equivariance_on_a_torus():
    text = explain((0.975, 0.97, 0.98, 0.60, 0.9), (2, 0), "circular", cnn_padding="circular")
    assert "pooling and the borders break" not in text
    assert "wraps round like a torus" in text


def test_augmentation_helping_past_its_range_is_reported_not_denied():
    text = explain((0.975, 0.856, 0.98, 0.95, 0.487), (3, 0), augment_shift=2)
    assert "nothing more" not in text and "falls again" not in text
    assert "**85.60%**, against 48.70%" in text and "its benefit reaches past the shifts it showed" in text


def test_augmentation_that_stops_helping_past_its_range_is_reported():
    text = explain((0.975, 0.30, 0.98, 0.5, 0.31), (8, 0), augment_shift=2)
    assert "here augmentation no longer helps the MLP" in text


def test_the_mlp_output_is_said_not_to_be_invariant_rather_than_not_equivariant():
    text = explain("no loss", (1, 0), augment_shift=2)
    assert "equivariant" not in text.split("**What helps")[1].split("**Exact")[0]
    assert "does not make the MLP's output invariant" in text


def test_the_global_average_head_is_not_offered_as_invariance_and_its_cost_is_shown():
    flatten = explain("loss", (2, 0))
    assert "lets the CNN ignore where a feature is" not in flatten
    assert "makes the head, not the network, blind" in flatten
    gap = explain("gap costs", (2, 0), cnn_head="gap", augment_shift=2)
    assert "(invariance)" not in gap
    assert "Unshifted, this CNN gets 78.90%, below the MLP's 97.50%" in gap


def test_an_even_shift_is_not_said_to_line_up_with_the_second_pooling():
    text = explain("small loss", (2, 0), "circular", cnn_padding="circular")
    assert "an even shift lines up with the pooling grid" not in text
    assert "pool1 keeps one cell per 2 × 2 input pixels: the shift is a whole number of its cells, (1, 0)" in text
    assert "pool2 keeps one cell per 4 × 4 input pixels: a shift of (2, 0) is not a whole number of its cells" in text


def test_exact_equivariance_is_headed_as_needing_no_borders_not_an_unbounded_domain():
    text = explain("no loss", (4, 0), "circular", cnn_padding="circular")
    assert "Only on an unbounded domain" not in text
    assert "Exact equivariance needs no borders: an unbounded image, or a circular one (a torus)." in text


def test_a_shift_of_2_and_minus_8_moves_2_right_and_8_up_not_10_pixels():
    text = explain("loss", (2, -8))
    assert "10 pixels" not in text and "Moved 2 pixels right and 8 pixels up" in text


def test_fashion_mnist_items_are_not_strokes():
    text = explain("loss", (3, 0), dataset="Fashion-MNIST")
    assert "stroke" not in text and "digit" not in text and "a moved item" in text


@pytest.mark.parametrize(
    ("shift", "correlation", "expected", "wrong"),
    [
        ((0, 0), 1.0, "the same units, correlation **1.00**", "they change"),
        ((2, 0), 0.41, "moved 2 pixels right. They do not move with the digit, they change: correlation **0.41**", ""),
        ((1, 0), 0.999, "they barely change: correlation **1.00**", "they change:"),
    ],
)
def test_the_hidden_units_sentence_is_true_at_every_shift(shift, correlation, expected, wrong):
    from core.lab.captions import hidden_units_sentence

    text = hidden_units_sentence(256, correlation, shift, "MNIST")
    assert expected in text and "**The MLP's 256 hidden units**" in text
    assert not wrong or wrong not in text


def test_the_hidden_units_sentence_names_the_item_for_fashion_mnist():
    from core.lab.captions import hidden_units_sentence

    text = hidden_units_sentence(128, 0.3, (0, 3), "Fashion-MNIST")
    assert "do not move with the item" in text and "digit" not in text and "3 pixels down" in text


def test_every_relative_difference_has_two_significant_digits_written_or_says_below_0_001():
    for *_, text in every_case():
        for value in re.findall(
            r"(?:relative difference|the difference is|relative error)(?: is)? \*{0,2}(\d[\d.e+-]*?|below 0\.001)(?=[^\d.]|\.(?!\d)|$)",
            text,
        ):
            assert value == "below 0.001" or value == "0" or re.fullmatch(r"0\.0*[1-9]\d|[1-9]\.\d|[1-9]\d+", value), (
                value,
                text,
            )


def test_learners_read_a_true_minus_sign_never_a_hyphen_before_a_number():
    for *_, text in every_case():
        assert not re.search(r"(?<![\w*])-\d", text), text
    assert "shifted by (2, −8), zero fill" in reference_table(rows(NUMBERS["loss"], (2, -8)), (2, -8), "zero")


def test_an_mlp_at_5_percent_is_below_chance_not_about_chance():
    first = explain("below chance", (8, 0)).split("\n")[0]
    assert "the MLP falls from 97.50% to **5.05%** (−92.45 pts), below chance: it picks the right class less often" in (
        first
    )
    assert "the CNN falls from 98.24% to **4.00%** (−94.24 pts), below chance" in first
    assert "about chance" not in first and "Guessing would score 10.00% with 10 classes." in first


def test_a_gap_head_on_a_torus_with_blurpool_says_why_pool2s_averages_hold_though_its_maps_do_not_move():
    settings = {"cnn_padding": "circular", "cnn_head": "gap", "cnn_downsample": "blurpool"}
    text = explain("no loss", (2, 0), "circular", **settings)
    first = text.split("\n")[0]
    assert (
        "pool2's maps do not move exactly (relative difference 0.36), yet each map's average, all the head reads, "
        "is the same as for the unshifted image (relative difference below 0.001)" in first
    )
    assert "BlurPool's max over each 2 × 2 window" in first and "keeps a quarter of each map's total" in first
    assert "Over the test set its accuracy changes by +0.00 pts" in first
    odd = explain("no loss", (1, 1), "circular", **settings).split("\n")[0]
    assert (
        "keeps a quarter" not in odd
        and "their averages, all the head reads, change too (relative difference 0.014)" in odd
    )
    max_pool = explain("no loss", (2, 0), "circular", cnn_padding="circular", cnn_head="gap").split("\n")[0]
    assert "keeps a quarter" not in max_pool and "change too" in max_pool


def test_the_layer_panel_has_no_border_line_on_a_torus():
    from core.lab.captions import layer_caption

    zero = comparisons((2, 0), torus=False)[0]
    assert layer_caption(zero, no_border=False).split("  \n") == [
        "**conv1** · stride 1",
        "shifted by (2, 0)",
        "relative error **0.20**",
        "away from the border 0.067",
    ]
    torus = comparisons((-2, 0), torus=True)[1]
    assert layer_caption(torus, no_border=True).split("  \n") == [
        "**pool1** · stride 2",
        "shifted by (−1, 0)",
        "relative error **below 0.001**",
    ]


def test_at_no_shift_the_pictures_and_verdicts_do_not_speak_of_a_shift():
    from core.lab.captions import hidden_units_sentence, model_verdicts
    from core.lab.wording import shifted_by

    probabilities = {"MLP": np.eye(10)[7], "CNN": np.eye(10)[1]}
    assert model_verdicts(tuple("0123456789"), 7, probabilities, (0, 0)).startswith(
        "Not shifted, this 7: the MLP says **7** (100%) ✅; the CNN says **1** (100%) ❌"
    )
    assert model_verdicts(tuple("0123456789"), 7, probabilities, (0, -1)).startswith("Shifted, this 7:")
    assert shifted_by((0, 0)) == "not shifted" and shifted_by((3, -1)) == "shifted by (3, −1)"
    sentence = hidden_units_sentence(256, 1.0, (0, 0), "MNIST")
    assert "same image unshifted" not in sentence and "for this digit, not shifted" in sentence


def test_the_note_under_the_table_names_the_fill_the_shift_consistency_was_measured_with():
    from core.lab.captions import consistency_note

    assert consistency_note(10_000, 4, "circular").endswith(
        "two random shifts of up to 4 pixels each, with circular wrap like the column beside it."
    )


def test_a_diagonal_shift_is_said_to_be_in_the_table_not_on_the_one_axis_chart():
    from core.lab.captions import chart_note

    assert chart_note((2, 0)) is None and chart_note((0, -8)) is None and chart_note((0, 0)) is None
    note = chart_note((-3, 5))
    assert "dx = −3 alone (solid lines) and dy = 5 alone (dashed lines)" in note
    assert "The shift (−3, 5), both at once, is in the table" in note


def test_a_relative_difference_of_0_or_below_0_001_never_sits_beside_maps_said_to_differ():
    differ = r"no shift of its maps matches|do not move|\bdiffer\b|still change"
    for *_, text in every_case():
        # Each claim that maps differ, with the first relative difference after it in its sentence: its number.
        for claim in re.finditer(
            rf"(?:{differ})[^.;]*?relative difference(?: is)? (below 0\.001|\d(?:[\d.]*\d)?)", text
        ):
            assert claim.group(1) not in ("0", "below 0.001"), claim.group(0)


def test_aps_on_a_torus_moves_its_maps_exactly_by_the_shift_it_picks_and_a_gap_head_makes_the_cnn_invariant():
    settings = {"cnn_padding": "circular", "cnn_head": "gap", "cnn_downsample": "aps"}
    text = explain("no loss", (1, 0), "circular", **settings)
    assert "no shift of its maps matches" not in text and "still change" not in text and "BlurPool" not in text
    two = explain("no loss", (2, 0), "circular", **settings)
    assert "pool2's maps move exactly, by (0, 0) (relative difference below 0.001), so their averages" in two
    assert "the prediction cannot change" in text and "the whole CNN is invariant to circular shifts" in text
    assert (
        "pool1 keeps one cell per 2 × 2 input pixels, on the grid APS picks: a shift of (1, 0) is not a whole number "
        "of its cells, and APS keeps the grid that moved with the image: its maps move exactly, by (0, 0), not (1, 0)"
    ) in text
    flatten = explain("no loss", (1, 0), "circular", **{**settings, "cnn_head": "flatten"})
    assert "they move exactly, by a whole number of cells APS picks" in flatten
    assert "the head is not invariant to a shift" in flatten and "cannot change" not in flatten


def test_maps_are_said_to_move_exactly_only_beside_a_relative_difference_of_0_or_below_0_001():
    from core.lab.captions import layer_caption

    exactly = r"(?<!not )(?<!them )moves? exactly(?:(?!\. )[^;])*?relative difference(?: is)? (below 0\.001|[\d.]*\d)"
    for *_, stages, text in every_case():
        for claim in re.finditer(exactly, text):
            assert claim.group(1) in ("0", "below 0.001"), claim.group(0)
        for comparison in stages:
            if "where they match" in layer_caption(comparison, no_border=False):
                assert comparison.relative_error == 0 or "below 0.001" in layer_caption(comparison, no_border=False)


def test_aps_with_a_zero_fill_names_the_whole_cell_shift_it_was_compared_at_not_the_rounded_one():
    from core.lab.captions import layer_caption

    settings = config(cnn_downsample="aps")
    stages = comparisons((2, 0), torus=False, downsample="aps")
    stages[3] = stage("pool2", 4, True, (2, 0), 0.45, interior=0.3, moved=(0, 0))  # APS kept another grid
    text = "\n".join(explanations(rows(NUMBERS["loss"], (2, 0)), stages, settings, None, (2, 0), "zero"))
    assert (
        "a cell more or less than (1, 0): of its maps' whole-cell shifts within a cell of (1, 0), (0, 0) comes closest "
        "to f(shift(x)), and there the relative difference is 0.30 away from the border."
    ) in text
    assert "the shift is a whole number of its cells, (1, 0), and away from the border the relative" in text  # pool1
    assert "compared at (1, 0)" not in text and "exactly by (0, 0)" not in text
    assert layer_caption(stages[3], no_border=False).split("  \n")[1:3] == [
        "≈ shifted by (0, 0): not a whole cell",
        "relative error **0.45**",
    ]


def test_aps_with_a_border_is_not_promised_exact_maps():
    text = explain("loss", (1, 0), "zero", cnn_downsample="aps", cnn_head="gap")
    assert "APS can keep another grid" in text and "the whole CNN is invariant" not in text
    assert "APS may keep another grid, which moves its maps by a cell more or less than (1, 0)" in text


def test_the_image_the_explanation_speaks_of_may_be_the_learners_own_digit():
    for *_, text in every_case():
        assert "test image" not in text.replace("test images", "")
    assert "On this image pool2's maps" in explain("no loss", (2, 0), cnn_head="gap")


def test_the_learners_own_digit_gets_no_right_or_wrong_and_is_not_called_a_test_image():
    from core.lab.captions import model_verdicts

    probabilities = {"MLP": np.eye(10)[7], "CNN": np.eye(10)[1]}
    line = model_verdicts(tuple("0123456789"), None, probabilities, (2, 0))
    assert line == "Shifted, your digit: the MLP says **7** (100%); the CNN says **1** (100%)."


def test_the_layer_panel_calls_a_match_at_a_shift_apss_grid_picked_exact_not_approximate():
    from core.lab.captions import layer_caption

    aps = comparisons((1, 0), torus=True, downsample="aps")[1]  # pool1, moved by (0, 0) with no difference
    assert layer_caption(aps, no_border=True).split("  \n")[1:] == [
        "shifted by (0, 0), where they match",
        "relative error **below 0.001**",
    ]
    off = comparisons((1, 0), torus=True)[1]
    assert layer_caption(off, no_border=True).split("  \n")[1] == "≈ shifted by (1, 0): not a whole cell"
