"""Shift the input: which outputs simply move with x, which change, what a max-pool does to them, and the words."""

import random
import re
from fractions import Fraction as F

import torch
from classic import CLASSIC, vec
from conftest import shown_text
from test_conv1d import random_case

from core.exercise.layer.conv1d import OPERATIONS, Layer
from core.exercise.views.charts import WINDOW_CHART_WIDTH
from core.exercise.views.shift_bridge import (
    LAB_MAX_SHIFT,
    LAB_SENTENCE,
    LOST,
    MOVED,
    NEW,
    OFF_GRID,
    conv_sentences,
    lab_query,
    max_pool,
    pool_sentences,
    shift_outputs,
    shift_range,
    shift_vector,
    window_positions,
)
from core.exercise.views.shift_chart import LABEL_WIDTH, shift_chart


def random_layers(count: int, seed: int = 12):
    """Random layers of every kind: stride 1–3, padding 0–2, dilation 1–3, both operations."""
    rng = random.Random(seed)
    for _ in range(count):
        layer, _, _ = random_case(rng, dilation=rng.randint(1, 3), operation=rng.choice(OPERATIONS))
        yield rng, layer


def every_shift(layer: Layer):
    limit = shift_range(layer)
    return range(-limit, limit + 1)


def test_a_shift_moves_x_with_zeros_coming_in_and_the_values_pushed_off_the_end_lost():
    assert shift_vector(vec(1, 2, 3, 4), 1) == vec(0, 1, 2, 3)
    assert shift_vector(vec(1, 2, 3, 4), -2) == vec(3, 4, 0, 0)
    assert shift_vector(vec(1, 2, 3, 4), 5) == vec(0, 0, 0, 0)
    assert shift_vector(vec(1, 2, 3, 4), 0) == vec(1, 2, 3, 4)


def test_the_classic_exercise_shifted_by_one_keeps_14_and_brings_in_8_and_the_pool_loses_20():
    result = shift_outputs(CLASSIC, 1)
    assert result.conv.original == vec(14, 20) and result.conv.shifted == vec(8, 14)  # 0·2 + 1·1 + 2·3 + 1 = 8
    new, moved = result.conv.fates
    assert (new.why, moved.why, moved.sources) == (NEW, MOVED, (0,))
    assert result.pool.original == vec(20) and result.pool.shifted == vec(14)
    assert result.pool.fates[0].why == OFF_GRID and not result.pool.fates[0].equal_to


def test_every_moved_output_equals_the_original_output_it_moved_from():
    checked = 0
    for _, layer in random_layers(150):
        for t in every_shift(layer):
            result = shift_outputs(layer, t)
            for stage in (result.conv, result.pool):
                for fate in stage.fates:
                    if fate.moved:
                        assert stage.step * (fate.index - fate.sources[0]) == t
                        assert fate.value == stage.original[fate.sources[0]], (layer, t, stage.name)
                        checked += 1
    assert checked > 1000


def test_with_generic_numbers_an_output_equals_the_one_it_would_have_moved_from_exactly_when_it_moved():
    # Distinct, unrelated inputs and nonzero weights: no equality by chance, so equal values mean the same window.
    for rng, layer in random_layers(200, seed=5):
        x = tuple(F(rng.randint(10**6, 10**7), rng.randint(1, 97)) for _ in layer.x)
        w = tuple(F(rng.choice((-1, 1)) * rng.randint(1, 10**5), 7) for _ in layer.w)
        layer = Layer(x, w, layer.b, layer.stride, layer.padding, layer.dilation, layer.operation)
        for t in every_shift(layer):
            if t % layer.stride:
                continue
            for fate in shift_outputs(layer, t).conv.fates:
                assert fate.why in (MOVED, NEW, LOST)
                if fate.why != NEW:
                    assert bool(fate.equal_to) == fate.moved, (layer, t, fate)


def test_at_stride_1_only_the_outputs_whose_window_touches_the_border_change():
    for _, layer in random_layers(100, seed=7):
        layer = Layer(layer.x, layer.w, layer.b, 1, layer.padding, 1, layer.operation)
        n = len(layer.x)
        for t in range(-(n - 1), n):
            windows = window_positions(layer)
            # The positions where x's values used to be before the shift pushed them off: [n, n+t) or [t, 0).
            emptied = set(range(n, n + t)) if t > 0 else set(range(t, 0))
            for fate in shift_outputs(layer, t).conv.fates:
                i = fate.index
                new = not 0 <= i - t < layer.output_length
                touches = bool(emptied & set(windows[i]))
                assert fate.moved == (not new and not touches), (layer, t, i)
                if layer.padding == 0 and t:  # no padding: exactly the first t (or last |t|) outputs change
                    border = i < t if t > 0 else i >= layer.output_length + t
                    assert fate.moved == (not border)


def test_a_shift_that_is_not_a_multiple_of_the_stride_moves_no_output():
    for _, layer in random_layers(150, seed=9):
        for t in every_shift(layer):
            result = shift_outputs(layer, t)
            for stage in (result.conv, result.pool):
                if t % stage.step:
                    assert all(fate.why == OFF_GRID and not fate.moved for fate in stage.fates)
    at_stride_2 = shift_outputs(Layer(vec(1, -2, 3, 5, 0, 4, 2), vec(1, 2, -1), F(0), stride=2), 1)
    assert at_stride_2.conv.shifted and not any(fate.moved for fate in at_stride_2.conv.fates)


def test_max_pool_takes_the_larger_of_each_pair_as_pytorch_does():
    rng = random.Random(3)
    assert max_pool(vec(5)) == ()  # one output: no pair to pool
    for m in range(2, 12):
        values = tuple(F(rng.randint(-50, 50), 4) for _ in range(m))
        expected = torch.nn.functional.max_pool1d(torch.tensor([[[float(v) for v in values]]]), 2, 2).view(-1)
        assert [float(v) for v in max_pool(values)] == expected.tolist()


def test_after_a_max_pool_a_shift_by_one_moves_nothing_even_at_stride_1_and_a_shift_by_two_moves_the_inside():
    layer = Layer(vec(3, -1, 4, 1, -5, 9, 2, -6, 5, 3), vec(1, 2, 1), F(0))  # 8 outputs, 4 pooled values
    by_one, by_two = shift_outputs(layer, 1), shift_outputs(layer, 2)
    assert sum(f.moved for f in by_one.conv.fates) == 7  # before the pool, all but the one new at the border
    assert not any(f.moved for f in by_one.pool.fates)
    assert [f.why for f in by_two.pool.fates] == [NEW, MOVED, MOVED, MOVED]
    assert by_two.pool.shifted[1:] == by_two.pool.original[:3]
    for _, layer in random_layers(200, seed=11):
        layer = Layer(layer.x, layer.w, layer.b, 1, layer.padding, layer.dilation, layer.operation)
        pool = shift_outputs(layer, 1).pool
        assert pool.step == 2 and not any(fate.moved for fate in pool.fates)


# The sentences, read back and checked against the numbers.


def read_names(text: str, symbol: str) -> set[int]:
    """ "ŷ′1–ŷ′3, ŷ′5 and ŷ′7" → {0, 1, 2, 4, 6} (0-based)."""
    symbol = re.escape(symbol)
    found = set()
    for first, last in re.findall(rf"{symbol}(\d+)(?:–{symbol}(\d+))?", text):
        found.update(range(int(first) - 1, int(last or first)))
    return found


def listed_before(sentence: str, phrase: str, symbol: str) -> set[int]:
    return read_names(sentence.split(phrase)[0], symbol) if phrase in sentence else set()


def check_sentences(result, stage, sentences, symbol, original_symbol) -> None:
    fates = {fate.index: fate for fate in stage.fates}
    moved = {i for i, f in fates.items() if f.moved}
    for sentence in sentences:
        if sentence.endswith("simply moved (green)."):
            if sentence.startswith(("All", "The only")):
                assert moved == set(fates)
            else:
                assert listed_before(sentence, "simply moved", symbol) == moved
        if "new at the" in sentence:
            assert listed_before(sentence, " is new", symbol) | listed_before(sentence, " are new", symbol) == {
                i for i, f in fates.items() if f.why == NEW
            }
        if "which the shift pushed off" in sentence:
            assert listed_before(sentence, " changed (red)", symbol) == {i for i, f in fates.items() if f.why == LOST}
            inputs = read_names(sentence.split(" met ")[1], "x")
            assert inputs <= set(result.lost_inputs)
        if sentence.startswith("No ") and "simply moved" in sentence:
            assert not moved
        for shifted, original in re.findall(rf"{re.escape(symbol)}(\d+) = {re.escape(original_symbol)}(\d+)", sentence):
            assert stage.shifted[int(shifted) - 1] == stage.original[int(original) - 1]
            assert not fates[int(shifted) - 1].moved  # "all the same" is said only of outputs that did not move
        if "equals either of them" in sentence:
            assert not any(f.equal_to for f in fates.values())
        if "can only move by whole steps" in sentence:
            assert not moved and not stage.whole_steps and "changed" not in sentence
        if re.search(rf"{re.escape(symbol)}\d+ = ", sentence):
            assert "by the numbers" in sentence  # an equal value is never just called "changed"
    said = " ".join(sentences)
    if stage.shift and stage.fates:
        assert ("simply moved (green)" in said) == bool(moved)
        # Every output equal to an original it did not move from is named as equal all the same.
        for fate in fates.values():
            if fate.equal_to and not fate.moved and fate.why != NEW:
                assert f"{symbol}{fate.index + 1} = {original_symbol}" in said


def test_the_sentences_name_exactly_the_outputs_that_moved_changed_or_are_equal_all_the_same():
    for _, layer in random_layers(150, seed=21):
        for t in every_shift(layer):
            result = shift_outputs(layer, t)
            check_sentences(result, result.conv, conv_sentences(result), "ŷ′", "ŷ")
            check_sentences(result, result.pool, pool_sentences(result), "P′", "P")


def test_a_lost_input_met_only_by_a_zero_weight_changes_the_window_but_not_the_value_and_the_page_says_why():
    layer = Layer(vec(1, 2, 3, 4), vec(2, 1, 0), F(1), padding=1)
    result = shift_outputs(layer, 1)
    fate = result.conv.fates[3]
    assert fate.why == LOST and fate.lost == (3,) and fate.equal_to == (2,)
    said = " ".join(conv_sentences(result))
    assert "ŷ′4 changed (red)" in said and "met x4, which the shift pushed off the right end" in said
    assert "All the same, by the numbers ŷ′4 = ŷ3: the term lost with that input is 0 here." in said


def test_all_zero_inputs_leave_every_output_at_the_bias_and_the_page_calls_only_the_moved_ones_moved():
    layer = Layer(vec(0, 0, 0, 0, 0, 0), vec(1, -2), F(3), stride=2)
    result = shift_outputs(layer, 1)
    assert set(result.conv.shifted) == {F(3)} and not any(f.moved for f in result.conv.fates)
    said = " ".join(conv_sentences(result))
    assert "none of the 3 simply moved (all red)" in said
    assert "all the same, by the numbers ŷ′1 = ŷ1, ŷ′2 = ŷ1 and ŷ′3 = ŷ2, not by the shift" in said


def test_the_sentences_name_only_outputs_that_exist_and_say_one_and_two_in_words_for_every_count():
    # 1 to 7 outputs (odd counts leave one out of the pool), strides 1–3, every shift, small integers so that
    # values are often equal by chance.
    rng, checked = random.Random(31), 0
    for _ in range(250):
        stride, k = rng.randint(1, 3), rng.randint(1, 3)
        m = rng.randint(1, 7)
        x = vec(*(rng.choice((0, 0, 1, -1, 2)) for _ in range(stride * (m - 1) + k)))
        layer = Layer(x, vec(*(rng.choice((0, 1, -1)) for _ in range(k))), F(0), stride=stride)
        assert layer.output_length == m
        for t in every_shift(layer):
            result = shift_outputs(layer, t)
            said = " ".join(conv_sentences(result) + pool_sentences(result))
            for symbol, count in (("ŷ", m), ("ŷ′", m), ("P", m // 2), ("P′", m // 2)):
                named = read_names(said, symbol)
                assert named <= set(range(count)), (layer, t, symbol, said)
            assert not re.search(r"\b[Aa]ll [12]\b", said), said  # "both", "the only one", never "all 2"
            for stage in (result.conv, result.pool):
                if len(stage.original) == 1 and not stage.whole_steps:
                    # No "each P′_j between P_{j−1} and P_j": with one value, P0 does not exist.
                    assert "each $" not in said.split("After a max-pool")[stage.name == "pool"]
            checked += 1
    assert checked > 1000


def test_a_single_pooled_value_equal_by_chance_is_not_called_changed_and_no_missing_pair_is_named():
    # The tester's case: x = −0, −0.0, 0, 1 and w = −0, 1 give ŷ = (0, 0, 1); shifted by 1, ŷ′ = (0, 0, 0).
    layer = Layer(vec(0, 0, 0, 1), vec(0, 1), F(0))
    result = shift_outputs(layer, 1)
    assert result.pool.original == result.pool.shifted == vec(0)
    said = " ".join(pool_sentences(result))
    assert "so the only pooled value did not simply move (red)." in said and "changed" not in said
    assert "the larger of the pair (ŷ1, ŷ2), and of (ŷ′1, ŷ′2) likewise, and leaves out ŷ3 and ŷ′3" in said
    assert "(ŷ3, ŷ4)" not in said and "P_{j-1}" not in said
    assert (
        "The shift carries P1 1/2 of a step to the right, off the place of the only pooled value; all the same, "
        in said
    )
    assert said.endswith("by the numbers P′1 = P1, not by the shift.")
    five = shift_outputs(Layer(vec(1, 2, 3, 4, 5), vec(1), F(0)), 1)  # 5 outputs: 2 pooled values
    said = " ".join(pool_sentences(five))
    assert "neither simply moved (both red)" in said and "(ŷ1, ŷ2) and (ŷ3, ŷ4), of ŷ′ as of ŷ" in said
    assert "leaves out ŷ5 and ŷ′5, which have no partner" in said


def test_no_shift_and_a_single_output_are_said_as_they_are():
    assert conv_sentences(shift_outputs(CLASSIC, 0)) == ["With no shift, x and every output stay as they are."]
    single = shift_outputs(Layer(vec(1, 2, 3), vec(1, 1, 1), F(0)), 1)
    assert pool_sentences(single) == ["With a single output there is no pair to max-pool (size 2, stride 2)."]


def test_the_stride_2_sentence_says_a_shift_by_one_is_half_a_step_and_nothing_moved():
    layer = Layer(vec(1, 2, 3, 4, 5, 6, 7), vec(2, 1, 3), F(1), stride=2, padding=1)
    said = " ".join(conv_sentences(shift_outputs(layer, 1)))
    assert "is 1/2 of an output step (stride 2)" in said and "none of the 4 simply moved (all red)" in said


def test_the_lab_link_asks_for_the_same_shift_along_x_with_zeros_coming_in():
    from core.lab.config import DOWNSAMPLES
    from core.lab.questions import MAX_SHIFT

    assert LAB_MAX_SHIFT == MAX_SHIFT
    assert lab_query(1) == {"dx": "1", "dy": "0", "fill": "zero"}
    assert lab_query(-3)["dx"] == "-3" and lab_query(-20)["dx"] == "-8" and lab_query(0)["dx"] == "1"
    blur = lab_query(2, blurpool=True)
    assert blur["cnn_downsample"] == "blurpool" and "blurpool" in DOWNSAMPLES


def test_the_lab_sentence_describes_the_labs_cnn_stride_1_convolutions_then_pools_of_stride_2():
    from core.lab.models import CNN

    model = CNN()
    assert model.conv1.stride == (1, 1) and model.conv1.kernel_size == (3, 3) and model.conv1.padding == (1, 1)
    strides = {name: stride for name, _, stride in model.feature_maps(torch.zeros(1, 1, 28, 28))}
    assert strides == {"conv1": 1, "pool1": 2, "conv2": 2, "pool2": 4}
    assert "3×3 convolutions have stride 1" in LAB_SENTENCE and "half a cell of pool2 (4 pixels)" in LAB_SENTENCE


def test_the_picture_colours_an_output_green_exactly_when_it_moved_and_fits_a_projectors_column():
    for _, layer in random_layers(10, seed=4):
        for t in (1, -len(layer.w)):
            result = shift_outputs(layer, t)
            spec = shift_chart(layer, t, True)
            cells = next(iter(spec["datasets"].values()))
            shown = {(c["row"], c["name"]): c["kind"] for c in cells}
            for row, stage in (("ŷ′", result.conv), ("P′ = pool(ŷ′)", result.pool)):
                symbol = "ŷ′" if stage.name == "conv" else "P′"
                for fate in stage.fates:
                    assert shown[(row, f"{symbol}{fate.index + 1}")] == ("moved" if fate.moved else "changed")
            pushed = {c["name"] for c in cells if c["kind"] == "pushed off"}
            assert pushed == {f"x{j + 1}" for j in result.lost_inputs}
            assert spec["width"] <= WINDOW_CHART_WIDTH - LABEL_WIDTH


# The tab on page 1, in Streamlit's AppTest.

PAGE = "pages/convolution.py"
TAB = "↔️ Shift the input"


def open_shift_tab(open_page, query=None):
    at = open_page(PAGE, query)
    at.session_state["solution_tab"] = TAB  # only the open tab is drawn; switching tabs is a rerun
    return at.run()


def test_the_tab_shows_the_classic_exercise_shifted_by_one_with_its_picture_table_and_lab_links(open_page):
    at = open_shift_tab(open_page)
    assert not at.exception and not at.warning
    text = shown_text(at)
    assert "ŷ′2 simply moved (green). ŷ′1 is new at the left border (red)" in text
    assert "| 2 | 20 | 14 | moved: = ŷ1 |" in text and "| 1 | 14 | 8 | changed: new at the border |" in text
    assert "| 1 | 20 | 14 | changed: not a whole step |" in text  # the pool: 20 became 14
    assert len(at.get("vega_lite_chart")) == 1
    links = [link.proto for link in at.get("page_link")]
    assert [link.label for link in links] == [
        "Open the lab at dx = 1, zero fill",
        "…with BlurPool instead of max-pooling",
    ]
    assert [(link.page, link.query_string) for link in links] == [
        ("equivariance", "dx=1&dy=0&fill=zero"),
        ("equivariance", "dx=1&dy=0&fill=zero&cnn_downsample=blurpool"),
    ]
    at.slider(key="shift_by").set_value(2).run()
    text = shown_text(at)
    assert "A shift of 2 positions to the right is 2 output steps (stride 1)" in text and not at.exception


def test_at_stride_2_the_tab_says_a_shift_by_one_moves_nothing_and_the_shift_survives_a_visit_to_another_tab(open_page):
    query = {"x": "1,2,3,4,5,6,7", "w": "2,1,3", "stride": "2", "padding": "1", "y": "0,0,0,0"}
    at = open_shift_tab(open_page, query)
    assert not at.exception
    assert "is 1/2 of an output step (stride 2): outputs can only move by whole steps" in shown_text(at)
    at.slider(key="shift_by").set_value(2).run()
    assert "ŷ′2 and ŷ′3 simply moved (green)" in shown_text(at)
    at.session_state["solution_tab"] = "📖 Worked solution"
    at.run()
    at.session_state["solution_tab"] = TAB
    at.run()
    assert at.slider(key="shift_by").value == 2 and not at.exception and not at.warning


def test_a_shorter_input_pulls_the_shift_back_within_its_new_range(open_page):
    at = open_shift_tab(open_page, {"x": "1,2,3,4,5,6", "w": "1", "y": "0,0,0,0,0,0"})
    at.slider(key="shift_by").set_value(6).run()
    at.text_input(key="x").set_value("1,2").run()
    assert not at.exception and at.slider(key="shift_by").value == 2


def test_negative_zeros_in_the_link_give_the_tabs_words_for_one_pooled_value_equal_by_chance(open_page):
    at = open_shift_tab(open_page, {"x": "-0,-0.0,0,1", "w": "-0,1", "y": "0,0,0"})
    text = shown_text(at)
    assert not at.exception and "so the only pooled value did not simply move (red)." in text
    assert "all the same, by the numbers P′1 = P1, not by the shift." in text
    assert "(ŷ3, ŷ4)" not in text and "changed (red)" not in text
    assert "changed: not a whole step (though = P1 by the numbers) |" in text, text[text.find("| 1 |") :]
