"""Page 1 in Streamlit's AppTest: the defaults, a shared URL, every kind of bad input, practice and export."""

import re
from fractions import Fraction as F

import pytest
from classic import CLASSIC
from conftest import shown_text

from core.exercise.layer.conv1d import Layer, solve
from core.exercise.writing.numbers import format_vector

PAGE = "pages/convolution.py"


def errors(at):
    return [e.value for e in at.error]


def open_tab(at, label: str):
    """Only the open tab is drawn; switching tabs is a rerun, as in the browser."""
    at.session_state["solution_tab"] = label
    return at.run()


def test_defaults_show_the_classic_solution_without_errors(open_page):
    at = open_page(PAGE)
    assert not at.exception and not errors(at)
    text = shown_text(at)
    for number in (
        "[14, 20]",
        "200",
        "[44, 72, 100]",
        "28",
        "[24, 44, 52, 48]",
        "[1.56, 0.28, 2]",
        "0.72",
        "[8.84, 12.68]",
        "61.064",
    ):
        assert f"| {number} |" in text
    assert "The loss fell" in text and "agrees with PyTorch's autograd" in text
    assert len(open_tab(at, "🔍 Sliding window").get("vega_lite_chart")) == 1
    assert len(open_tab(at, "📉 Many steps").get("vega_lite_chart")) == 2  # the loss, the weights
    assert not at.exception


def test_picking_a_weight_writes_out_the_terms_its_gradient_gathers(open_page):
    at = open_tab(open_page(PAGE), "🔍 Sliding window")
    at.segmented_control(key="window_highlight").set_value("w2").run()
    assert "12·2 + 16·3 = **72**" in shown_text(at)


def test_a_shared_url_restores_the_exercise(open_page):
    at = open_page(
        PAGE, {"x": "1,2,3,4,5", "w": "1,-1", "b": "0", "y": "0,0,0,0", "stride": "1", "padding": "0", "lr": "0.01"}
    )
    assert not at.exception and not errors(at)
    assert at.text_input(key="x").value == "1,2,3,4,5" and at.text_input(key="lr").value == "0.01"
    assert "| [−1, −1, −1, −1] |" in shown_text(at)


def test_editing_an_input_updates_the_whole_solution(open_page):
    at = open_page(PAGE)
    at.text_input(key="b").set_value("0").run()
    text = shown_text(at)
    assert "| [13, 19] |" in text and "| 173 |" in text  # ½(11² + 15²)


def message_beside(at, field: str) -> str:
    """The message shown in the same column as the field's text box."""
    for column in at.columns:
        if any(box.key == field for box in column.text_input):
            return " ".join(e.value for e in column.error)
    raise AssertionError(f"no column holds the field {field}")


BAD_INPUTS = [
    ("x", "", "at least one number"),
    ("w", "two, one", "not a number"),
    ("b", "inf", "not a finite number"),
    ("lr", "nan", "not a finite number"),
    ("w", "1, 2, 3, 4, 5", "w needs 5 inputs; the padded input has 4."),
    ("y", "1, 2, 3", "y needs 2 values"),
    ("stride", "0", "from 1 to 16"),
    ("padding", "-1", "from 0 to 16"),
    ("x", ", ".join(["1"] * 40), "more than the 32"),
    ("lr", "-0.1", "above 0"),
    ("b", "<script>alert(1)</script>", "not a number"),
    ("x", "1,,2", "Two commas in a row: is a number missing?"),
    ("dilation", "0", "from 1 to 8"),
    ("dilation", "abc", "'abc' is not a number"),
]


@pytest.mark.parametrize("field, text, words", BAD_INPUTS)
def test_bad_input_gets_a_clear_message_beside_its_field(open_page, field, text, words):
    at = open_page(PAGE)
    at.text_input(key=field).set_value(text).run()
    assert not at.exception
    assert words in message_beside(at, field)


@pytest.mark.parametrize("field, text, words", BAD_INPUTS)
def test_bad_values_in_the_url_get_the_same_message(open_page, field, text, words):
    at = open_page(PAGE, {field: text} if text else {"x": "  "})
    assert not at.exception
    assert words in message_beside(at, field)


def test_a_bad_target_keeps_the_forward_pass_on_the_page(open_page):
    at = open_page(PAGE, {"y": "1, 2, 3"})
    text = shown_text(at)
    assert r"+ 1 = 14" in text and "2. Loss" not in text and "targets y of the right length" in text


def test_a_bad_learning_rate_keeps_the_gradients_on_the_page(open_page):
    at = open_page(PAGE, {"lr": "fast"})
    text = shown_text(at)
    assert "3. Gradients" in text and "= 44" in text and "5. One step" not in text


def test_practice_marks_answers_and_hides_the_solution_until_asked(open_page):
    at = open_page(PAGE)
    at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()
    assert "1. Forward pass" not in shown_text(at)
    answers = {"y_hat": "14, 20", "loss": "200", "d_w": "44, 72, 100", "d_b": "27", "w_new": "1.56 0.28 2", "b_new": ""}
    for key, value in answers.items():
        at.text_input(key=f"practice_{key}").set_value(value)
    at.button[-1].click().run()  # the form's submit button comes last
    assert "4 of 6 right" in shown_text(at)
    assert any("∂L/∂b" in e.value for e in at.error)
    assert any("b′" in w.value and "Not answered" in w.value for w in at.warning)
    at.toggle(key="practice_reveal").set_value(True).run()
    assert "1. Forward pass" in shown_text(at)


def test_new_exercise_fills_every_field_with_a_solvable_exercise(open_page):
    at = open_page(PAGE)
    at.button[0].click().run()
    assert not at.exception and not errors(at) and not at.warning
    assert at.text_input(key="x").value != "1, 2, 3, 4" or at.text_input(key="w").value != "2, 1, 3"
    assert "The loss fell" in shown_text(at)


def test_classic_exercise_button_restores_the_defaults(open_page):
    at = open_page(PAGE, {"x": "5, 5, 5, 5"})
    at.button[1].click().run()
    assert at.text_input(key="x").value == "1, 2, 3, 4" and "| 61.064 |" in shown_text(at)


def test_a_diverging_learning_rate_says_the_loss_exploded_without_nan(open_page):
    at = open_tab(open_page(PAGE, {"lr": "0.1"}), "📉 Many steps")
    at.number_input(key="descent_steps").set_value(20).run()
    text = shown_text(at)
    assert not at.exception and "The loss exploded" in text
    assert not re.search(r"\b(nan|inf|infinity)\b", text, flags=re.IGNORECASE)


def test_export_offers_the_whole_solution_as_markdown(open_page):
    at = open_tab(open_page(PAGE), "📤 Export")
    code = at.code[0].value
    assert code.startswith("# Convolution by hand: an exercise and its solution")
    assert "[Open this exercise in ConvLab](/convolution)" in code  # the classic exercise: no parameters
    assert r"w = (2,\allowbreak\ 1,\allowbreak\ 3)" in code and r"\alpha = 0.01" in code and r"L = \tfrac12" in code
    assert code.index("## The exercise") < code.index("## Solution") < code.index("61.064")
    assert at.get("download_button")


def test_export_links_back_to_the_numbers_on_the_page(open_page):
    at = open_tab(open_page(PAGE, {"x": "1, 2, 3, 4, 5", "y": "0, 0, 0"}), "📤 Export")
    assert "](/convolution?x=1,2,3,4,5&y=0,0,0)" in at.code[0].value


def test_leaving_for_another_page_and_coming_back_keeps_the_exercise_and_the_mode(open_page):
    at = open_page(PAGE, {"x": "5, 6, 7, 8"})
    at.text_input(key="b").set_value("2").run()
    at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()
    at.switch_page("pages/home.py").run()
    assert "exercise_mode" not in at.session_state  # Streamlit forgets the controls of a page not drawn
    at.switch_page(PAGE).run()
    assert at.text_input(key="x").value == "5, 6, 7, 8" and at.text_input(key="b").value == "2"
    assert at.segmented_control(key="exercise_mode").value == "🎯 Practice"
    assert not at.exception and not errors(at)


def test_a_new_exercise_clears_the_practice_answers_for_good(open_page):
    at = open_page(PAGE)
    at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()
    at.text_input(key="practice_loss").set_value("200")
    at.button[-1].click().run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.text_input(key="practice_loss").value == "200"  # kept while away
    at.button[0].click().run()  # 🎲 New exercise
    assert at.text_input(key="practice_loss").value == ""
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.text_input(key="practice_loss").value == ""


def practise_and_reveal(at):
    """Answer, check and show the solution, as a learner who is done with an exercise."""
    at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()
    at.text_input(key="practice_y_hat").set_value("14, 20")
    at.text_input(key="practice_loss").set_value("200")
    at.button[-1].click().run()
    at.toggle(key="practice_reveal").set_value(True).run()
    assert "2 of 6 right" in shown_text(at) and "1. Forward pass" in shown_text(at)
    return at


def assert_fresh_practice(at):
    text = shown_text(at)
    assert all(at.text_input(key=f"practice_{key}").value == "" for key in ("y_hat", "loss", "d_w", "b_new"))
    assert "of 6 right" not in text and "1. Forward pass" not in text
    assert at.toggle(key="practice_reveal").value is False


def test_a_new_exercise_starts_unanswered_unchecked_with_the_solution_hidden(open_page):
    at = practise_and_reveal(open_page(PAGE))
    at.button[0].click().run()  # 🎲 New exercise
    assert_fresh_practice(at)


def test_the_classic_exercise_button_starts_practice_afresh_too(open_page):
    at = practise_and_reveal(open_page(PAGE))
    at.button[1].click().run()  # ↺ Classic exercise, on the classic exercise
    assert_fresh_practice(at)


def test_changing_a_number_of_the_exercise_clears_the_answers_and_hides_the_solution(open_page):
    at = practise_and_reveal(open_page(PAGE))
    at.text_input(key="b").set_value("2").run()
    assert_fresh_practice(at)


def test_practice_states_the_task_in_full_with_the_half_in_the_loss(open_page):
    at = open_page(PAGE)
    at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()
    text = shown_text(at)
    assert r"L = \tfrac12 \sum_i (\hat y_i - y_i)^2" in text and r"\alpha = 0.01" in text
    assert r"x = (1,\allowbreak\ 2,\allowbreak\ 3,\allowbreak\ 4)" in text and "one step of gradient descent" in text
    at.text_input(key="practice_loss").set_value("400")
    at.button[-1].click().run()
    assert any("L (loss)" in e.value and "twice the answer" in e.value for e in at.error)


def test_the_convention_switches_change_the_answers_and_the_line_that_says_why(open_page):
    at = open_page(PAGE)
    at.segmented_control(key="loss").set_value("sum").run()
    text = shown_text(at)
    assert "| [88, 144, 200] |" in text and "| 400 |" in text  # without the ½ every gradient and the loss double
    assert "Not the classic convention" in text and "twice as long" in text
    at.segmented_control(key="op").set_value("convolution").run()
    flipped = solve(Layer(CLASSIC.x, CLASSIC.w, CLASSIC.b, operation="convolution"), (F(2), F(4)), F(1, 100), "sum")
    text = shown_text(at)
    assert f"| {format_vector(flipped.y_hat)} |" in text and f"| {format_vector(flipped.grads.d_w)} |" in text
    assert flipped.y_hat[0] == 3 + 2 + 6 + 1  # x₁w₃ + x₂w₂ + x₃w₁ + b
    assert "strictly, a cross-correlation" not in text and "here a true convolution" in text
    at.segmented_control(key="op").set_value("correlation")
    at.segmented_control(key="loss").set_value("half").run()
    assert "Not the classic convention" not in shown_text(at) and "strictly, a cross-correlation" in shown_text(at)


def test_a_dilated_kernel_over_six_inputs_is_solved_exactly(open_page):
    at = open_page(PAGE, {"x": "1,2,3,4,5,6", "dilation": "2", "loss": "mean"})
    assert not at.exception and not errors(at)
    dilated = solve(
        Layer(tuple(map(F, range(1, 7))), CLASSIC.w, CLASSIC.b, dilation=2), (F(2), F(4)), F(1, 100), "mean"
    )
    text = shown_text(at)
    for values in (dilated.y_hat, dilated.grads.d_w, dilated.grads.d_x, dilated.new_layer.w):
        assert f"| {format_vector(values)} |" in text
    assert r"x_{1} w_{1} + x_{3} w_{2} + x_{5} w_{3} + b" in text and "½Σ itself" in text  # m = 2


def test_a_dilation_whose_kernel_no_longer_fits_is_marked_beside_w_and_the_dilation_and_explained_below(open_page):
    at = open_page(PAGE)
    at.text_input(key="dilation").set_value("3").run()
    assert not at.exception
    assert message_beside(at, "w") == "Dilated by 3, w spans 7 inputs; the padded input has 4."
    assert message_beside(at, "dilation") == "At most 1 with this x, w and padding."
    (info,) = at.info
    assert info.value.startswith("**No window fits.** The kernel's 3 weights, dilated by 3, span 7 inputs, but")
    assert "Fix the 2 fields marked above" in info.value and "and the dilation" in info.value


def test_new_exercise_keeps_the_dilation_the_learner_set_and_the_page_solves_it(open_page):
    at = open_page(PAGE, {"dilation": "2", "loss": "mean"})  # w no longer fits: both fields marked
    assert set(errors(at)) == {message_beside(at, "w"), message_beside(at, "dilation")}
    at.button[0].click().run()  # 🎲 New exercise
    assert not at.exception and not errors(at)
    assert int(at.text_input(key="dilation").value) >= 2 and at.segmented_control(key="loss").value == "mean"
    assert "spans $d(k-1)+1 =" in shown_text(at) and "| new loss |" in shown_text(at)


def test_the_testers_sum_exercise_states_the_one_step_limit_with_its_own_factor_in_the_solution_and_export(open_page):
    at = open_page(PAGE, {"x": "1", "w": "1", "b": "0", "y": "0", "lr": "1", "loss": "sum"})
    limit = r"0 < \alpha < \lVert g\rVert^2/\lVert Jg\rVert^2 = 8/16 = 0.5$"
    assert limit in shown_text(at) and "2\\lVert g" not in shown_text(at)
    assert limit in open_tab(at, "📤 Export").code[0].value


def test_every_new_setting_survives_the_url_both_ways(open_page):
    query = {"x": "1,2,3,4,5,6", "y": "1,2", "dilation": "2", "op": "convolution", "loss": "mean"}
    at = open_page(PAGE, query)
    assert not at.exception and not errors(at)
    assert at.text_input(key="dilation").value == "2"
    assert at.segmented_control(key="op").value == "convolution" and at.segmented_control(key="loss").value == "mean"
    assert {name: at.query_params[name] for name in ("op", "loss")} == {"op": "convolution", "loss": "mean"}
    at.segmented_control(key="loss").set_value("sum").run()
    assert at.query_params["loss"] == "sum" and at.query_params["op"] == "convolution"
    at.segmented_control(key="op").set_value("correlation").run()
    assert "op" not in at.query_params  # the classic value is left out of the link, like every field's default


def test_a_link_with_an_unknown_convention_gives_the_classic_exercise(open_page):
    at = open_page(PAGE, {"op": "foo", "loss": "HALF "})
    assert not at.exception and not errors(at)
    assert at.segmented_control(key="op").value == "correlation" and "op" not in at.query_params
    assert "| [44, 72, 100] |" in shown_text(at) and "Not the classic convention" not in shown_text(at)


def test_export_links_back_with_the_conventions(open_page):
    at = open_tab(
        open_page(PAGE, {"dilation": "2", "x": "1,2,3,4,5,6", "op": "convolution", "loss": "sum"}), "📤 Export"
    )
    assert "](/convolution?x=1,2,3,4,5,6&dilation=2&op=convolution&loss=sum)" in at.code[0].value
