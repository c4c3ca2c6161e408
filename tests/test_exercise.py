"""The seven fields read together (one clear message per bad field), the exercise exported with a link back,
and the sliding-window chart laid out in rows that fit a projector."""

import random
from fractions import Fraction as F
from urllib.parse import parse_qs, urlparse

import pytest
from classic import CLASSIC as CLASSIC_LAYER
from classic import CLASSIC_LR, CLASSIC_Y
from test_formulas import random_layer

from core.exercise.layer.conv1d import Layer
from core.exercise.layer.conventions import change_note
from core.exercise.layer.fields import DEFAULTS, missing_layer_text, read_inputs
from core.exercise.practice.exercises import random_exercise
from core.exercise.views.charts import AXIS_WIDTH, WINDOW_CHART_WIDTH, window_cells, window_chart
from core.exercise.writing.export import exercise_link, exercise_markdown
from core.exercise.writing.numbers import parse_number
from core.exercise.writing.worked_solution import worked_solution


def read(**changes):
    return read_inputs({**DEFAULTS, **changes})


def test_defaults_are_the_classic_exercise():
    inputs = read()
    assert inputs.complete
    assert inputs.layer.x == (1, 2, 3, 4) and inputs.layer.w == (2, 1, 3) and inputs.layer.b == 1
    assert inputs.y == (2, 4) and inputs.lr == F(1, 100) and inputs.layer.stride == 1 and inputs.layer.padding == 0


def test_a_kernel_longer_than_the_padded_input_is_explained_on_w():
    inputs = read(w="1, 2, 3, 4, 5")
    assert inputs.errors == {"w": "w needs 5 inputs; the padded input has 4."}
    assert "padded input has only 4 values" in inputs.misfit and "Lower the dilation" not in inputs.misfit
    assert read(w="1, 2, 3, 4, 5", padding="1", y="1, 2").complete


def test_a_dilation_that_makes_the_kernel_too_wide_is_marked_too_with_the_largest_that_fits():
    inputs = read(dilation="2")  # 3 weights dilated by 2 span 5 inputs; x has 4
    assert inputs.errors == {
        "w": "Dilated by 2, w spans 5 inputs; the padded input has 4.",
        "dilation": "At most 1 with this x, w and padding.",
    }
    assert read(x="1, 2, 3, 4, 5, 6, 7", dilation="4").errors["dilation"].startswith("At most 3 ")
    assert read(x="1, 2, 3, 4, 5, 6, 7", dilation="3", y="1").complete  # 3 is the most that fits: 7 inputs spanned
    wide = read(w="1, 2, 3, 4, 5", dilation="2")  # too long even undilated: the dilation alone is not to blame
    assert set(wide.errors) == {"w"} and "Shorten w or add padding." in wide.misfit


def test_the_box_under_the_fields_says_why_no_window_fits_and_how_many_fields_to_fix():
    dilated = read(dilation="2")
    text = missing_layer_text(dilated)
    assert text.startswith("**No window fits.** The kernel's 3 weights, dilated by 2, span 5 inputs, but the padded")
    assert "Lower the dilation (to 1 at most)" in text and "Fix the 2 fields marked above" in text
    assert missing_layer_text(read(b="x")).startswith("Fix the field marked above to see the solution")
    assert missing_layer_text(read(b="x", stride="0", x="")).startswith("Fix the 3 fields marked above")


def test_a_target_of_the_wrong_length_says_the_expected_length_and_why():
    message = read(y="1, 2, 3").errors["y"]
    assert "y needs 2 values" in message and "⌊(4 + 2·0 − 3)/1⌋ + 1 = 2" in message


def test_a_bad_target_leaves_the_forward_pass_working():
    inputs = read(y="oops")
    assert set(inputs.errors) == {"y"} and inputs.layer is not None


def test_each_bad_field_gets_its_own_message():
    inputs = read(x="", b="nan", stride="0", padding="-1", lr="0")
    assert set(inputs.errors) == {"x", "b", "stride", "padding", "lr"}
    assert inputs.layer is None


@pytest.mark.parametrize("text", ["1,,2, 3, 4", "1, , 2, 3", "1;;2;3;4", "1,;2,3,4", "1，，2, 3, 4", "1, 2,, 3, 4"])
def test_two_separators_in_a_row_are_refused_as_a_missing_number(text):
    inputs = read(x=text)
    assert inputs.errors["x"].endswith("in a row: is a number missing?") and "x" not in inputs.values


def test_two_commas_in_a_row_say_commas():
    assert read(w="2,,1").errors["w"] == "Two commas in a row: is a number missing?"


@pytest.mark.parametrize("text", [",1, 2, 3, 4", "[, 1, 2, 3, 4]", "; 1 2 3 4"])
def test_a_separator_before_the_first_number_is_refused(text):
    assert "is the first number missing?" in read(x=text).errors["x"]


@pytest.mark.parametrize("text", ["1, 2, 3, 4,", "[1, 2, 3, 4,]", "1 2 3 4", "1;2;3;4", "(1, 2, 3, 4)"])
def test_one_comma_at_the_end_and_other_plain_lists_read_as_they_look(text):
    inputs = read(x=text)
    assert inputs.complete and inputs.layer.x == (1, 2, 3, 4)


CLASSIC = (CLASSIC_LAYER, CLASSIC_Y, CLASSIC_LR)
ODD = (Layer((F(1, 3), F(-1, 2), F(2), F(-5, 4)), (F(1, 2), F(-1, 4)), F(-1, 10), 2, 1), (F(1), F(0), F(-2)), F(9, 40))


def export(layer, y, lr, url=None) -> str:
    return exercise_markdown(layer, y, lr, worked_solution(layer, y, lr), url)


def test_the_export_is_a_titled_exercise_stated_in_full_then_its_solution():
    text = export(*ODD)
    assert text.startswith("# Convolution by hand: an exercise and its solution")
    problem = text[text.index("## The exercise") : text.index("## Solution")]
    for piece in [
        r"x = (1/3,\allowbreak\ -0.5,\allowbreak\ 2,\allowbreak\ -1.25)",
        r"w = (0.5,\allowbreak\ -0.25)",
        "$b = -0.1$",
        r"y = (1,\allowbreak\ 0,\allowbreak\ -2)",
        "stride $s = 2$",
        "padding $p = 1$",
        r"\alpha = 0.225",
        r"L = \tfrac12",
    ]:
        assert piece in problem
    solution = text[text.index("## Solution") :]
    assert "### Answers" in solution and "### 1. Forward pass" in solution and "\n## " not in solution


def inputs_behind(link: str):
    """What page 1 reads from a link: each named value, and the classic value for every name left out."""
    query = {name: values[0] for name, values in parse_qs(urlparse(link).query).items()}
    return read_inputs({**DEFAULTS, **query})


@pytest.mark.parametrize("exercise", [ODD] + [random_exercise(random.Random(seed)) for seed in range(20)])
def test_the_export_links_back_to_the_page_with_the_same_numbers(exercise):
    layer, y, lr = exercise
    link = exercise_link(layer, y, lr, "https://convlab.example/convolution")
    assert f"[Open this exercise in ConvLab]({link})" in export(layer, y, lr, "https://convlab.example/convolution")
    assert link.startswith("https://convlab.example/convolution?")
    inputs = inputs_behind(link)
    assert inputs.complete and (inputs.layer, inputs.y, inputs.lr) == (layer, y, lr)


def test_a_link_names_only_the_values_that_differ_from_the_classic_exercise():
    layer, y, lr = CLASSIC
    assert exercise_link(layer, y, lr) == "/convolution"
    changed = Layer(layer.x, layer.w, F(2), 1, 0)
    assert exercise_link(changed, y, F(1, 20)) == "/convolution?b=2&lr=0.05"


def window_rows(layer: Layer) -> list[tuple[int, int]]:
    """(positions, width in px) of each row of the sliding-window chart."""
    spec = window_chart(layer)
    blocks = spec.get("vconcat", [spec])
    return [(len(b["layer"][0]["encoding"]["x"]["scale"]["domain"]), b["width"]["step"]) for b in blocks]


def test_eleven_padded_positions_with_short_terms_share_one_row_of_the_sliding_window():
    layer = Layer(tuple(map(F, range(1, 8))), (F(1), F(-1), F(2)), F(1, 2), stride=3, padding=2)
    assert len(window_rows(layer)) == 1


@pytest.mark.parametrize(
    "x, w",
    [
        (["-2.75", "1/3", "12", "-1", "0.5", "7/4", "-10", "3"] * 4, ["0.5", "-1/4", "2"]),
        ([str(v) for v in range(-16, 16)], ["1", "2", "-1"]),
        ([str(v) for v in range(32)], [str(v) for v in range(-16, 16)]),
    ],
)
def test_no_row_of_the_sliding_window_is_wider_than_page_1s_column_on_a_projector(x, w):
    layer = Layer(tuple(map(parse_number, x)), tuple(map(parse_number, w)), F(0))
    assert all(AXIS_WIDTH + positions * step <= WINDOW_CHART_WIDTH for positions, step in window_rows(layer))


def test_a_link_names_dilation_and_the_conventions_only_when_they_are_not_classic():
    layer, y, lr = CLASSIC
    assert exercise_link(layer, y, lr, rule="half") == "/convolution"
    dilated = Layer(tuple(map(F, range(1, 7))), layer.w, layer.b, dilation=2, operation="convolution")
    link = exercise_link(dilated, y, lr, rule="mean")
    assert link == "/convolution?x=1,2,3,4,5,6&dilation=2&op=convolution&loss=mean"
    inputs = inputs_behind(link)
    assert inputs.complete and inputs.layer == dilated and inputs.rule == "mean"


def test_every_random_convention_comes_back_from_its_link_and_the_export_states_it():
    for seed in range(40):
        layer, y = random_layer(random.Random(seed), conventions=True)
        rule, lr = ("half", "sum", "mean")[seed % 3], F(1, 100)
        inputs = inputs_behind(exercise_link(layer, y, lr, rule=rule))
        assert inputs.complete and (inputs.layer, inputs.y, inputs.lr, inputs.rule) == (layer, y, lr, rule)
        text = exercise_markdown(layer, y, lr, worked_solution(layer, y, lr, rule), rule=rule)
        note = change_note(layer, rule)
        assert note is None or f"*{note}*" in text


def test_the_sliding_window_puts_each_term_where_the_dilated_flipped_kernel_meets_its_input():
    layer = Layer(
        tuple(map(F, range(1, 8))), (F(2), F(1), F(3)), F(0), stride=2, padding=1, dilation=2, operation="convolution"
    )
    cells = window_cells(layer, ("output", 1)).to_dict("records")
    for row in cells:
        i, weight = int(row["output"][1:]) - 1, int(row["weight"][1:]) - 1
        assert row["position"] == layer.weight_input(i, weight) and row["on"] == (i == 1)
    assert {row["position"] for row in cells if row["output"] == "ŷ1"} == {0, 2, 4}  # w3, w2, w1: gaps of d = 2
    assert all(AXIS_WIDTH + positions * step <= WINDOW_CHART_WIDTH for positions, step in window_rows(layer))
