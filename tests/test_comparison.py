"""Compare the fixes, in core: one budget for every variant, and every sentence true for the numbers it sits beside."""

import dataclasses

import torch

from core.lab.compare import INVARIANT, VARIANTS
from core.lab.comparison import (
    SWEEP_SHIFTS,
    Stat,
    Steady,
    VariantRow,
    measure_consistency,
    measure_one_pixel,
    members,
    stat,
)
from core.lab.comparison_chart import comparison_chart, off_chart_caption
from core.lab.comparison_words import (
    accurate_means_consistent,
    comparison_tables,
    cost_sentence,
    invariant_sentence,
    seeds_sentence,
    table_note,
)
from core.lab.models import CNN
from core.links import choice_from_link, number_from_link


def steady(consistency=0.98, first=0.97, second=0.97, losing=0, kept=0) -> Steady:
    return Steady(consistency, first, second, 2000, losing, kept)


def row(name: str, original=(0.98,), consistency=None, shifted=None, steadies=None) -> VariantRow:
    variant = next(v for v in VARIANTS if v.name == name)
    consistency = consistency or {"zero": (0.97,), "circular": (0.96,)}
    shifted = shifted or {"zero": (0.95,), "circular": (0.94,)}
    seeds = len(original)
    steadies = steadies or {fill: [steady() for _ in range(seeds)] for fill in ("zero", "circular")}
    return VariantRow(
        variant=variant,
        original=stat(original),
        shifted={fill: stat(values) for fill, values in shifted.items()},
        consistency={fill: stat(values) for fill, values in consistency.items()},
        top1_change=stat([0.02] * seeds),
        mean_top_change=stat([0.01] * seeds),
        map_error=stat([0.3] * seeds) if variant.kind == "cnn" else None,
        sweep=tuple(stat([0.9] * seeds) for _ in SWEEP_SHIFTS),
        steady=steadies,
    )


def test_every_variant_gets_the_same_budget_and_one_model_per_seed():
    chosen = members(16_000, 1, 3)
    assert len(chosen) == 3 * len(VARIANTS)
    assert {(m.config.train_size, m.config.epochs) for m in chosen} == {(16_000, 1)}
    for variant in VARIANTS:
        assert sorted(m.seed for m in chosen if m.variant == variant) == [0, 1, 2]


def test_the_table_shows_mean_and_spread_only_with_several_seeds():
    one, _ = comparison_tables([row("CNN")], (2, 0), "zero")
    assert one.loc["CNN", "unshifted"] == "98.00%"
    several, _ = comparison_tables([row("CNN", original=(0.97, 0.99))], (2, 0), "zero")
    assert several.loc["CNN", "unshifted"] == "98.00 ± 1.41%"
    _, inside = comparison_tables([row("MLP")], (2, 0), "zero")
    assert inside.loc["MLP"].iloc[-1] == "— (no maps)"


def test_the_cost_sentence_names_exactly_the_fixes_more_than_a_point_below_the_plain_cnn():
    rows = [row("CNN", (0.982,)), row("CNN, global average", (0.789,)), row("CNN, BlurPool", (0.978,))]
    text = cost_sentence(rows)
    assert "CNN, global average 78.90%" in text and "98.20%" in text
    assert "BlurPool" not in text
    assert "throws away where each feature is" in text
    calm = cost_sentence([row("CNN", (0.982,)), row("CNN, BlurPool", (0.978,))])
    assert "no fix costs" in calm


def test_the_invariant_row_claims_100_percent_only_when_every_seed_reached_it():
    exact = row(INVARIANT, consistency={"zero": (0.99,), "circular": (1.0,)})
    assert "100.00% consistency under wrap" in invariant_sentence([exact])
    near = row(INVARIANT, consistency={"zero": (0.99, 0.99), "circular": (1.0, 0.9995)}, original=(0.9, 0.9))
    text = invariant_sentence([near])
    assert "100.00% consistency" not in text and "not 100%" in text


def test_zero_fill_disagreements_are_said_to_come_from_lost_ink_only_when_they_do():
    steadies = {"zero": [steady(losing=40, kept=0)], "circular": [steady()]}
    clean = row(INVARIANT, consistency={"zero": (0.995,), "circular": (1.0,)}, steadies=steadies)
    assert "In 40 of 2,000 pairs a copy lost ink, and every disagreement is among them" in invariant_sentence([clean])
    steadies = {"zero": [steady(losing=40, kept=2)], "circular": [steady()]}
    odd = row(INVARIANT, consistency={"zero": (0.995,), "circular": (1.0,)}, steadies=steadies)
    assert "2 disagreements kept all their ink" in invariant_sentence([odd])


def test_the_seeds_sentence_calls_a_difference_real_only_beyond_both_spreads():
    plain = row("CNN", (0.98, 0.98, 0.98), consistency={"zero": (0.95, 0.96, 0.97), "circular": (0.9, 0.9, 0.9)})
    blur = row(
        "CNN, BlurPool", (0.98, 0.98, 0.98), consistency={"zero": (0.99, 0.99, 0.99), "circular": (0.9, 0.9, 0.9)}
    )
    close = row(
        "CNN, APS", (0.98, 0.98, 0.98), consistency={"zero": (0.955, 0.965, 0.975), "circular": (0.9, 0.9, 0.9)}
    )
    text = seeds_sentence([plain, blur, close], "zero", (3, 0))
    larger, within = text.split("Within the spread")
    assert "CNN, BlurPool's consistency (+3.00 pts)" in larger
    assert "CNN, APS's consistency" in within
    assert seeds_sentence([row("CNN")], "zero", (3, 0)) is None  # one seed: no spread to compare with


def test_the_seeds_sentence_names_the_shift_and_subtracts_the_means_the_table_shows():
    plain = row("CNN", (0.98, 0.98), shifted={"zero": (0.569651, 0.569651), "circular": (0.5, 0.5)})
    average = row("CNN, global average", (0.78, 0.78), shifted={"zero": (0.132349, 0.132349), "circular": (0.5, 0.5)})
    text = seeds_sentence([plain, average], "zero", (3, 0))
    # the table shows 13.23% and 56.97%: 13.23 − 56.97 = −43.74, though the unrounded means differ by 43.7302
    assert "CNN, global average's accuracy at (3, 0) (−43.74 pts)" in text


def test_consistency_is_never_below_the_bound_the_answer_states():
    torch.manual_seed(0)
    images = (torch.rand(300, 28, 28) * 255).to(torch.uint8)
    labels = torch.randint(0, 10, (300,))
    for model in (CNN().eval(), CNN(padding="circular", head="gap", downsample="aps").eval()):
        for mode in ("zero", "circular"):
            measured = measure_consistency(model, images, labels, mode)
            assert measured.consistency >= measured.first_accuracy + measured.second_accuracy - 1 - 1e-9
    answer = accurate_means_consistent([row("CNN")], "zero")
    assert "a₁ = 97.00%, a₂ = 97.00%, so at least 94.00%; measured 97.00%" in answer


def test_the_invariant_network_agrees_on_every_wrapped_pair_and_loses_no_ink_under_wrap():
    torch.manual_seed(1)
    images = torch.zeros(200, 28, 28, dtype=torch.uint8)
    images[:, 4:24, 4:24] = (torch.rand(200, 20, 20) * 255).to(torch.uint8)
    labels = torch.randint(0, 10, (200,))
    model = CNN(padding="circular", head="gap", downsample="aps").eval()
    wrapped = measure_consistency(model, images, labels, "circular")
    assert wrapped.consistency == 1.0 and wrapped.pairs_losing_ink == 0
    assert measure_one_pixel(model, images, labels, "circular").top1_change == 0.0
    zero = measure_consistency(model, images, labels, "zero")  # the 20×20 box stays inside at shifts up to 4
    assert zero.pairs_losing_ink == 0 and zero.disagreements_keeping_ink == 0 and zero.consistency == 1.0


def test_a_stat_of_one_seed_has_no_spread():
    assert stat([0.5]) == Stat(0.5, 0.0, (0.5,))
    assert dataclasses.replace(stat([0.4, 0.6]), values=()).spread > 0


def test_the_bound_is_said_to_say_nothing_when_every_cnn_is_too_inaccurate_on_shifted_copies():
    def weak(name, accurate, consistent):
        steadies = {fill: [steady(consistent, accurate, accurate)] for fill in ("zero", "circular")}
        return row(name, consistency={"zero": (consistent,), "circular": (consistent,)}, steadies=steadies)

    rows = [weak("CNN", 0.45, 0.28), weak("CNN, global average", 0.31, 0.91), weak("CNN, BlurPool", 0.40, 0.50)]
    answer = accurate_means_consistent(rows, "zero")
    assert "Here the bound says nothing: on copies shifted up to 4 px the CNNs are only 31.00–45.00% accurate" in answer
    assert "the most consistent, CNN, global average (91.00%), is 31.00% accurate" in answer
    assert "against 45.00% for CNN, which is 28.00% consistent" in answer
    assert "the same wrong class for at least 60.00% of the images" in answer  # 91% agree, at most 31% both right
    assert "accounts for" not in answer


def test_an_informative_bound_is_said_to_explain_its_share_of_the_consistency():
    sharper = {fill: [steady(0.95, 0.9, 0.9)] for fill in ("zero", "circular")}
    rows = [row("CNN"), row("CNN, BlurPool", consistency={"zero": (0.95,), "circular": (0.95,)}, steadies=sharper)]
    answer = accurate_means_consistent(rows, "zero")
    assert "Here the bound accounts for 84.21–96.91% of the measured consistency" in answer  # 80/95 and 94/97
    assert "says nothing" not in answer and "do not rank the CNNs alike" not in answer


def test_a_consistent_model_that_has_barely_learned_is_said_to_be_so():
    exact = {"zero": (1.0,), "circular": (1.0,)}
    weak = row(INVARIANT, original=(0.1622,), consistency=exact)
    text = invariant_sentence([row("CNN", (0.78,)), weak])
    assert "But it has barely learned (16.22% on the unshifted images): a model that gives every image the same" in text
    behind = invariant_sentence([row("CNN", (0.98,)), row(INVARIANT, original=(0.7,), consistency=exact)])
    assert "it has learned far less than the plain CNN (70.00% against 98.00%)" in behind
    assert "But" not in invariant_sentence([row("CNN", (0.98,)), row(INVARIANT, original=(0.97,), consistency=exact)])


def test_a_shift_the_chart_does_not_show_is_said_to_be_off_it():
    assert off_chart_caption((-3, 2)) == (
        "Your shift (−3, 2) is not on this chart: it moves the images right only, by 0 to 8 pixels, with dy = 0."
    )
    assert off_chart_caption((-1, 0)).startswith("Your shift (−1, 0) is not on this chart")
    assert off_chart_caption((4, 1)).startswith("Your shift (4, 1) is not on this chart")
    assert off_chart_caption((0, 0)) is None and off_chart_caption((8, 0)) is None


def test_the_plain_cnn_line_is_drawn_last_and_thickest_so_no_fix_hides_it():
    spec = comparison_chart([row("CNN"), row("CNN, circular padding"), row("MLP")], "zero", (2, 0))
    widths = [layer["mark"].get("strokeWidth") for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    assert widths[-1] == 4 and all(width < 4 for width in widths[:-1])
    last = spec["layer"][-1]
    assert last["mark"]["type"] == "line"
    assert {point["variant"] for point in spec["datasets"][last["data"]["name"]]} == {"CNN"}


def test_link_sentences_name_the_page_that_shows_the_value():
    assert number_from_link("compare_seeds", "4", 1, 5, 1, (1, 3, 5), page="this page")[1].endswith(
        "this page offers 1, 3 and 5, so it shows 3, the smaller of the two nearest."
    )
    assert number_from_link("dx", "abc", -8, 8, 2)[1].endswith("so the lab shows 2, the default.")
    assert choice_from_link("compare_fill", "up", ("zero", "wrap"), "zero", page="this page")[1].endswith(
        "so this page shows zero, the default."
    )


def test_the_table_note_says_the_lab_measures_the_same_models_on_the_whole_test_set():
    note = table_note("zero", 1_000, 10_000)
    assert note.startswith(
        "All on the first 1,000 test images of the 10,000 (the lab measures on all of them, so its figures for the "
        "same models can differ a little)."
    )
    assert table_note("zero", 10_000, 10_000).startswith("All on the first 10,000 test images. Consistency")
