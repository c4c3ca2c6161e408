"""Practice mode: the task stated in its conventions, answers rounded to two decimals right, the usual slips named
in every convention, hints with the numbers, clean exercises at every level."""

import random
import re
from dataclasses import replace
from fractions import Fraction as F

import pytest
from classic import CLASSIC as CLASSIC_LAYER
from classic import CLASSIC_LR, CLASSIC_Y
from conftest import shown_text

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, loss_scale, solve
from core.exercise.practice.exercises import LEVELS, check_answer, check_answers, random_exercise, task_text
from core.exercise.practice.hints import hint
from core.exercise.practice.questions import ALL_QUESTIONS, QUESTIONS, TOLERANCE, correct_value
from core.exercise.practice.slips import mistakes

CLASSIC = solve(CLASSIC_LAYER, CLASSIC_Y, CLASSIC_LR)
PAGE = "pages/convolution.py"


def classic(operation="correlation", rule="half", **changes):
    layer = replace(CLASSIC.layer, operation=operation, **changes)
    y = CLASSIC.y if layer.output_length == 2 else tuple(F(0) for _ in range(layer.output_length))
    return solve(layer, y, CLASSIC.lr, rule)


def rounded(value) -> str:
    """An answer as a learner types it, rounded to two decimals; a matrix row by row."""
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "; ".join(rounded(row) for row in value)
    values = value if isinstance(value, tuple) else (value,)
    return ", ".join(f"{float(v):.2f}" for v in values)


# ---- Marking the classic exercise ---------------------------------------------------------------------------------


def test_the_right_answers_are_all_marked_right():
    answers = {
        "y_hat": "14, 20",
        "loss": "200",
        "d_w": "44 72 100",
        "d_b": "28",
        "w_new": "1.56, 0.28, 2",
        "b_new": "0.72",
    }
    assert all(mark.correct for mark in check_answers(CLASSIC, answers).values())


def test_rounding_to_two_decimals_is_accepted_and_more_is_not():
    assert check_answer(CLASSIC, "loss", "200.004").correct
    assert check_answer(CLASSIC, "loss", "200.01").correct is False


def test_a_wrong_vector_names_its_wrong_entries():
    mark = check_answer(CLASSIC, "d_w", "44, 70, 100")
    assert mark.correct is False and "entry 2" in mark.message


def test_blank_and_unreadable_answers_are_neither_right_nor_wrong():
    assert check_answer(CLASSIC, "loss", "").correct is None
    assert check_answer(CLASSIC, "loss", "two hundred").correct is None
    assert check_answer(CLASSIC, "W", "2, 1, 3, 0; 0, x").correct is None


def test_a_vector_of_the_wrong_length_says_how_many_numbers_are_expected():
    assert "Expected 3 numbers" in check_answer(CLASSIC, "w_new", "1, 2").message


def test_the_matrix_is_typed_row_by_row_with_semicolons_and_a_wrong_row_is_named():
    assert check_answer(CLASSIC, "W", "2, 1, 3, 0; 0, 2, 1, 3").correct
    assert check_answer(CLASSIC, "W", "[2, 1, 3, 0]; [0, 2, 1, 3];").correct  # brackets, a trailing semicolon
    assert check_answer(CLASSIC, "W", "[[2, 1, 3, 0], [0, 2, 1, 3]]").correct  # as NumPy prints it
    assert check_answer(CLASSIC, "W", " ; ").correct is None
    assert "check row 2" in check_answer(CLASSIC, "W", "2, 1, 3, 0; 0, 2, 1, 4").message
    assert "Expected 2 rows of 4 numbers" in check_answer(CLASSIC, "W", "2, 1, 3, 0, 0").message


def test_the_input_gradient_is_asked_on_request_and_marked():
    assert check_answer(CLASSIC, "d_x", "24, 44, 52, 48").correct
    assert set(check_answers(CLASSIC, {}, [*QUESTIONS, "d_x"])) == {*QUESTIONS, "d_x"}


CLASSIC_SLIPS = [
    ("loss", "400", "Your $L$ is twice the answer: the loss has a ½"),
    ("y_hat", "12, 18", "That is the flipped kernel: a true convolution"),
    ("y_hat", "13, 19", "The bias is missing"),
    ("d_w", "88, 144, 200", r"Your $\partial L/\partial w$ is twice the answer: the loss has a ½"),
    ("d_w", "-44, -72, -100", "The sign is flipped"),
    ("d_w", "12, 16", r"This is $\partial L/\partial \hat y$, not $\partial L/\partial w$"),
    ("d_w", "100, 72, 44", "the answer reversed, as if the kernel were flipped"),
    ("d_b", "56", r"Your $\partial L/\partial b$ is twice the answer"),
    ("d_b", "12, 16", "is their sum"),
    ("d_x", "-24, -44, -52, -48", "The sign is flipped"),
    ("w_new", "2.44, 1.72, 4", "You stepped uphill"),
    ("w_new", "1.12, -0.44, 1", "Your step is twice the right one"),
    ("w_new", "2, 1, 3", "These are the old weights"),
    ("w_new", "-42, -71, -97", "missing the learning rate"),
    ("b_new", "1.28", "You stepped uphill"),
    ("b_new", "0.44", "Your step is twice the right one"),
    ("b_new", "1", "This is the old bias"),
    ("W", "2, 0; 1, 2; 3, 1; 0, 3", r"This is $W^\top$"),
    ("W", "3, 1, 2, 0; 0, 3, 1, 2", "That is the flipped kernel: a true convolution"),
]


@pytest.mark.parametrize("key, answer, words", CLASSIC_SLIPS)
def test_the_usual_slips_on_the_classic_exercise_are_named(key, answer, words):
    mark = check_answer(CLASSIC, key, answer)
    assert mark.correct is False and words in mark.message


def test_each_convention_names_the_other_loss_rules_from_its_own_side():
    s = classic(rule="sum")  # ∂L/∂w = 88, 144, 200
    assert "half the answer: this loss is $L = \\sum_i (\\hat y_i - y_i)^2$, without the ½ — " in (
        check_answer(s, "d_w", "44, 72, 100").message
    )
    assert r"$\partial L/\partial \hat y_i = 2(\hat y_i - y_i)$" in check_answer(s, "d_w", "44, 72, 100").message
    s = solve(Layer(tuple(map(F, (1, 2, 3, 4, 5))), tuple(map(F, (2, 1, 3))), F(1)), (F(0), F(0), F(0)), F(1), "mean")
    total = sum(v * v for v in s.y_hat)  # the sum of the squared errors: 3 times the mean
    mark = check_answer(s, "loss", rounded(total))
    assert "3 times the answer: this loss is the mean" in mark.message and "divided by $m = 3$" in mark.message
    assert "1.5 times the answer: this loss is the mean" in check_answer(s, "loss", rounded(total / 2)).message


def test_the_mean_instead_of_half_the_sum_is_named_when_they_differ_and_never_when_they_agree():
    s = solve(Layer((F(1), F(2), F(3), F(4)), (F(1), F(1)), F(0)), (F(0), F(0), F(0)), F(1, 100))  # ŷ = 3, 5, 7
    assert s.loss == F(83, 2)
    assert "2/3 of the answer" in check_answer(s, "loss", "27.67").message
    assert "not their mean" in check_answer(s, "loss", "27.67").message
    # Two outputs: the mean is half the sum, the same numbers; no message about it exists.
    assert not any("mean" in message for key in ALL_QUESTIONS for _, message in mistakes(CLASSIC, key))


def test_a_slip_that_gives_the_answer_is_never_named():
    symmetric = solve(Layer(tuple(map(F, (1, 2, 3, 4))), (F(1), F(2), F(1)), F(0)), (F(2), F(4)), F(1, 100))
    for key in ALL_QUESTIONS:
        answer = rounded(correct_value(symmetric, key))
        assert check_answer(symmetric, key, answer).message == "Right.", key
    # The kernel read flipped is the same kernel, and there is no bias to forget: neither is ever said.
    text = " ".join(check_answer(symmetric, "y_hat", guess).message for guess in ("8, 12", "7, 11", "8, 11"))
    assert "flipped" not in text and "bias" not in text


# ---- Every named mistake, in every convention, on random exercises -----------------------------------------------

RATIO_WORDS = {F(2): "twice", F(1, 2): "half", F(3): "3 times", F(4): "4 times", F(3, 2): "1.5 times"}
RATIO_WORDS |= {F(2, 3): "2/3 of", F(1, 3): "1/3 of", F(1, 4): "1/4 of"}
LOSS_WORDS = {
    ("half", "sum"): "the loss has a ½",
    ("half", "mean"): "not their mean",
    ("sum", "half"): "without the ½",
    ("sum", "mean"): "nothing is divided by $m = {m}$",
    ("mean", "sum"): "this loss is the mean",
    ("mean", "half"): "this loss is the mean",
}
GRADIENT_WORDS = {
    "half": r"$\partial L/\partial \hat y_i = \hat y_i - y_i$",
    "sum": r"$\partial L/\partial \hat y_i = 2(\hat y_i - y_i)$",
    "mean": r"$\partial L/\partial \hat y_i = {factor}(\hat y_i - y_i)$",
}


def gradient_words(rule: str, m: int) -> str:
    """The rule's ∂L/∂ŷ_i as a message writes it: 2/m in lowest terms (½ for m = 4), none at all when it is 1."""
    c = loss_scale(rule, m)
    if rule == "mean" and c == 1:
        return GRADIENT_WORDS["half"]
    factor = str(c) if c.denominator == 1 else rf"\tfrac{{{c.numerator}}}{{{c.denominator}}}"
    return GRADIENT_WORDS[rule].format(factor=factor)


def expected_slips(s):
    """(question, the slip's exact numbers, words its message must hold), each worked out here from conv1d alone."""
    layer, y, lr, rule, m = s.layer, s.y, s.lr, s.loss_rule, len(s.y)
    flipped = not layer.flipped
    other_operation = replace(layer, operation="convolution" if flipped else "correlation")
    operation_words = (
        "That is the flipped kernel: a true convolution"
        if flipped
        else "That is the cross-correlation: the kernel was not flipped"
    )
    found = [
        ("y_hat", other_operation.forward(), operation_words),
        ("d_w", s.grads.d_y_hat, r"This is $\partial L/\partial \hat y$, not $\partial L/\partial w$"),
        ("d_b", s.grads.d_y_hat, r"This is $\partial L/\partial \hat y$, not $\partial L/\partial b$"),
        ("w_new", tuple(w + lr * g for w, g in zip(layer.w, s.grads.d_w)), "You stepped uphill"),
        ("b_new", layer.b + lr * s.grads.d_b, "You stepped uphill"),
        ("w_new", tuple(w - g for w, g in zip(layer.w, s.grads.d_w)), "missing the learning rate"),
        ("b_new", layer.b - s.grads.d_b, "missing the learning rate"),
        ("w_new", layer.w, "These are the old weights"),
        ("b_new", layer.b, "This is the old bias"),
    ]
    for key in ("d_w", "d_x"):
        found.append((key, tuple(-g for g in correct_value(s, key)), "The sign is flipped: " + gradient_words(rule, m)))
    found.append(("d_b", -s.grads.d_b, "The sign is flipped"))
    if layer.b:
        found.append(("y_hat", tuple(v - layer.b for v in s.y_hat), "The bias is missing"))
    for other in LOSS_RULES:
        ratio = loss_scale(other, m) / loss_scale(rule, m)
        if ratio == 1 or (rule, other, m) == ("sum", "mean", 2):  # the mean of two is ½Σ, and is named as ½Σ
            continue
        words = LOSS_WORDS[rule, other].format(m=m)
        t = solve(layer, y, lr, other)
        found += [
            ("loss", t.loss, f"{RATIO_WORDS[ratio]} the answer: "),
            ("loss", t.loss, words),
            ("d_w", t.grads.d_w, f"{RATIO_WORDS[ratio]} the answer: "),
            ("d_w", t.grads.d_w, gradient_words(rule, m)),
            ("d_b", t.grads.d_b, words),
            ("d_x", t.grads.d_x, words),
            ("w_new", t.new_layer.w, f"Your step is {RATIO_WORDS[ratio]} the right one"),
            ("b_new", t.new_layer.b, words),
        ]
    if layer.dilation > 1:
        found.append(("y_hat", replace(layer, dilation=1).forward(), "ignores the dilation"))
    if layer.stride > 1:
        found.append(("y_hat", replace(layer, stride=1).forward(), "ignores the stride"))
    if layer.padding:
        found.append(("y_hat", replace(layer, padding=0).forward(), "leaves out the padding"))
    return found


def exercises(count: int):
    """Random exercises cycling through every level, operation and loss rule."""
    combinations = [(level, op, rule) for level in LEVELS for op in OPERATIONS for rule in LOSS_RULES]
    for seed in range(count):
        level, op, rule = combinations[seed % len(combinations)]
        layer, y, lr = random_exercise(random.Random(seed), level, op, rule)
        yield level, solve(layer, y, lr, rule)


def test_every_named_mistake_is_recognised_in_every_convention_with_the_right_message():
    for _, s in exercises(96):
        for key, value, words in expected_slips(s):
            mark = check_answer(s, key, rounded(value))
            assert mark.correct is False and words in mark.message, (s, key, words, mark)


def test_every_slip_the_marking_knows_is_named_when_typed_rounded():
    for _, s in exercises(48):
        for key in ALL_QUESTIONS:
            for value, message in mistakes(s, key):
                mark = check_answer(s, key, rounded(value))
                if mark.correct:  # the bias forgotten where b = 0, the mean of two: the answer itself
                    continue
                assert mark.message in {m for v, m in mistakes(s, key)}, (key, message)


# ---- The task, stated in the exercise's conventions -------------------------------------------------------------


def test_the_task_states_the_layer_the_targets_the_half_squared_loss_the_rate_and_each_question():
    text = task_text(CLASSIC.layer, CLASSIC.y, CLASSIC.lr)
    for piece in [
        r"x = (1,\allowbreak\ 2,\allowbreak\ 3,\allowbreak\ 4)",
        r"w = (2,\allowbreak\ 1,\allowbreak\ 3)",
        "$b = 1$",
        "stride $s = 1$",
        "padding $p = 0$",
        "a cross-correlation: the kernel is not flipped",
        r"\hat y_i = \sum_{l=1}^{3} x_{s(i-1)+l}\, w_l + b",
        r"y = (2,\allowbreak\ 4)",
        r"L = \tfrac12 \sum_i (\hat y_i - y_i)^2",
        r"\alpha = 0.01",
        r"w' = w - \alpha\, \partial L/\partial w",
        r"b' = b - \alpha\, \partial L/\partial b",
    ]:
        assert piece in text
    assert "dilation" not in text
    assert [line[:2] for line in text.splitlines() if line[:1].isdigit()] == ["1.", "2.", "3.", "4.", "5.", "6."]


def test_a_padded_strided_task_names_the_padded_input_and_keeps_fractions_exact():
    layer = Layer((F(1, 3), F(-1, 2), F(2), F(-5, 4)), (F(1, 2), F(-1, 4)), F(-1, 10), 2, 1)
    text = task_text(layer, (F(1), F(0), F(-2)), F(9, 40))
    assert r"x = (1/3,\allowbreak\ -0.5,\allowbreak\ 2,\allowbreak\ -1.25)" in text and r"\alpha = 0.225" in text
    assert r"\tilde x_{s(i-1)+l}" in text and "1 zero added at each end" in text and "stride $s = 2$" in text


def test_the_task_states_a_true_convolution_the_loss_rule_and_the_dilation_truthfully():
    layer = replace(CLASSIC.layer, x=tuple(map(F, (1, 2, 3, 4, 5, 6))), dilation=2, operation="convolution")
    text = task_text(layer, (F(0), F(0)), F(1, 100), "sum")
    assert "a true convolution: the window meets $w_{3}$ first and $w_1$ last" in text
    assert r"\hat y_i = \sum_{l=1}^{3} x_{s(i-1)+d(l-1)+1}\, w_{k+1-l} + b" in text
    assert "dilation $d = 2$" in text and "skips 1 input between neighbouring weights" in text
    assert r"L = \sum_i (\hat y_i - y_i)^2$ (the sum, without a ½" in text
    mean = task_text(layer, (F(0), F(0)), F(1, 100), "mean")
    assert r"L = \tfrac1m \sum_{i=1}^m (\hat y_i - y_i)^2$, the mean over the $m = 2$ outputs" in mean
    # The formula is the layer's: ŷ₁ by it is the solver's ŷ₁.
    xp, w = layer.x, layer.w
    assert sum(xp[2 * (place - 1)] * w[3 - place] for place in (1, 2, 3)) + layer.b == layer.forward()[0]


def test_the_extra_questions_are_listed_after_the_six_when_asked():
    text = task_text(CLASSIC.layer, CLASSIC.y, CLASSIC.lr, "half", ["W", "d_x"])
    numbered = [line for line in text.splitlines() if line[:1].isdigit()]
    assert len(numbered) == 8 and r"\partial L/\partial x$" in numbered[6] and r"\hat y = W x + b" in numbered[7]


# ---- Hints ---------------------------------------------------------------------------------------------------------


def latex_value(expression: str, y_hat) -> F:
    """Evaluate a hint's written-out sum exactly, ŷ_i replaced by the solver's ŷ_i."""
    text = re.sub(r"\\hat y_\{(\d+)\}", lambda match: f"({y_hat[int(match.group(1)) - 1]})", expression)
    text = re.sub(r"\\tfrac\{?(\d)\}?\{?(\d)\}?", r"(\1/\2)*", text)
    text = text.replace(r"\big[", "(").replace(r"\big]", ")").replace(r"\cdot", "*").replace("^2", "**2")
    text = text.replace("{", "(").replace("}", ")")
    text = re.sub(r"(\d)\s*\(", r"\1*(", text)
    text = re.sub(r"(\d+(?:\.\d+)?)", r"F('\1')", text)
    return eval(text, {"F": F})  # noqa: S307 (our own LaTeX, in a test)


def last_formula_side(text: str, start: str) -> str:
    formula = text[text.index(start) :].split("$")[0]
    return formula.split(" = ")[-1]


def test_hints_write_the_first_term_out_with_the_numbers_and_leave_the_result():
    assert r"{1 \cdot 2} + {2 \cdot 1} + {3 \cdot 3} + {1}" in hint(CLASSIC, "y_hat")
    assert r"\tfrac12\big[{(\hat y_{1} - 2)^2} + {(\hat y_{2} - 4)^2}\big]" in hint(CLASSIC, "loss")
    assert r"{(\hat y_{1} - 2) \cdot 1} + {(\hat y_{2} - 4) \cdot 2}" in hint(CLASSIC, "d_w")
    assert r"2 - 0.01 \cdot \partial L/\partial w_1" in hint(CLASSIC, "w_new")
    assert r"1 - 0.01 \cdot \partial L/\partial b" in hint(CLASSIC, "b_new")
    assert "W_{1,1} = w_{1} = 2" in hint(CLASSIC, "W") and "2 rows and 4 columns" in hint(CLASSIC, "W")
    for key, answer in [("y_hat", "14"), ("loss", "200"), ("d_w", "44"), ("d_b", "28"), ("w_new", "1.56")]:
        assert answer not in hint(CLASSIC, key)
    assert r"2(\hat y_{1} - 2) \cdot 1" in hint(classic(rule="sum"), "d_w")
    assert r"{3 \cdot 3} + {2 \cdot 1} + {1 \cdot 2}" not in hint(classic("convolution"), "y_hat")
    assert r"{x_{1} w_{3}} + {x_{2} w_{2}} + {x_{3} w_{1}}" in hint(classic("convolution"), "y_hat")


def test_each_hint_s_written_out_sum_adds_up_to_the_answer_s_first_entry_in_every_convention():
    for _, s in exercises(72):
        assert latex_value(last_formula_side(hint(s, "y_hat"), r"\hat y_1"), s.y_hat) == s.y_hat[0]
        assert latex_value(last_formula_side(hint(s, "loss"), "L ="), s.y_hat) == s.loss
        assert latex_value(last_formula_side(hint(s, "d_w"), r"\partial L/\partial w_1 ="), s.y_hat) == s.grads.d_w[0]
        assert latex_value(last_formula_side(hint(s, "d_b"), r"\partial L/\partial b ="), s.y_hat) == s.grads.d_b
        d_x = hint(s, "d_x")
        j = int(re.search(r"\\partial x_\{(\d+)\} =", d_x).group(1))
        assert latex_value(last_formula_side(d_x, rf"\partial L/\partial x_{{{j}}} ="), s.y_hat) == s.grads.d_x[j - 1]
        assert all(s.grads.d_x[i] == 0 for i in range(j - 1))


# ---- Fresh exercises at every level ------------------------------------------------------------------------------

GEOMETRY = {
    "basic": ({1}, {0}, {1}),
    "stride_padding": ({1, 2}, {0, 1}, {1}),
    "input_gradient": ({1, 2}, {0, 1}, {1}),
    "dilation": ({1, 2}, {0, 1}, {2, 3}),
}


def test_new_exercises_keep_each_level_s_constraints_small_integers_a_falling_loss_and_clean_answers():
    seen = {level: set() for level in LEVELS}
    for level in LEVELS:
        for seed in range(200):
            op, rule = OPERATIONS[seed % 2], LOSS_RULES[seed // 2 % 3]
            layer, y, lr = random_exercise(random.Random(seed), level, op, rule)
            strides, paddings, dilations = GEOMETRY[level]
            assert layer.stride in strides and layer.padding in paddings and layer.dilation in dilations
            assert layer.operation == op and any(layer.w) and 2 <= layer.output_length <= 4
            assert all(v.denominator == 1 and abs(v) <= 5 for v in layer.x + layer.w + (layer.b,))
            assert all(v.denominator == 1 and abs(v) <= 30 for v in y)
            s = solve(layer, y, lr, rule)
            assert s.new_loss < s.loss
            for key in ALL_QUESTIONS:
                for row in rows_of(correct_value(s, key)):
                    assert all((v * 1000).denominator == 1 for v in row), (level, seed, key)
            # An unchanged w′ or b′, or a step uphill, is more than a rounding away from the answer.
            assert abs(lr * s.grads.d_b) > 2 * TOLERANCE
            assert max(abs(lr * g) for g in s.grads.d_w) > 2 * TOLERANCE
            seen[level].add((layer.stride, layer.padding, layer.dilation))
    assert {d for _, _, d in seen["dilation"]} == {2, 3}
    assert {(s, p) for s, p, _ in seen["stride_padding"]} == {(1, 0), (1, 1), (2, 0), (2, 1)}


def rows_of(value):
    if not isinstance(value, tuple):
        return [(value,)]
    return list(value) if value and isinstance(value[0], tuple) else [value]


def test_the_default_exercise_is_a_stride_and_padding_cross_correlation_under_half_the_sum():
    layer, y, lr = random_exercise(random.Random(3))
    assert (layer, y, lr) == random_exercise(random.Random(3), "stride_padding", "correlation", "half")
    with pytest.raises(ValueError, match="unknown level"):
        random_exercise(random.Random(0), "hard")


# ---- The page, in AppTest ------------------------------------------------------------------------------------------


def open_practice(open_page, query=None):
    at = open_page(PAGE, query)
    return at.segmented_control(key="exercise_mode").set_value("🎯 Practice").run()


def test_the_hints_switch_shows_each_question_s_first_term_with_the_numbers(open_page):
    at = open_practice(open_page)
    assert r"1 \cdot 2" not in shown_text(at)
    at.toggle(key="practice_hints").set_value(True).run()
    text = shown_text(at)
    assert r"{1 \cdot 2} + {2 \cdot 1} + {3 \cdot 3} + {1}" in text and r"(\hat y_{2} - 4)^2" in text
    assert not at.exception


def test_under_the_sum_loss_half_the_gradient_is_named_as_the_missing_factor_two(open_page):
    at = open_practice(open_page, {"loss": "sum"})
    assert r"L = \sum_i (\hat y_i - y_i)^2$ (the sum, without a ½" in shown_text(at)
    at.text_input(key="practice_d_w").set_value("44, 72, 100")
    at.text_input(key="practice_y_hat").set_value("14, 20")
    at.button[-1].click().run()
    messages = [e.value for e in at.error]
    assert any("∂L/∂w" in m and "half the answer" in m and "without the ½" in m for m in messages), messages
    assert any("ŷ" in s.value and "Right" in s.value for s in at.success)


def test_the_matrix_question_is_asked_on_request_and_a_transposed_w_is_named(open_page):
    at = open_practice(open_page)
    at.button_group(key="practice_more").set_value(["W"]).run()
    assert "Type a matrix row by row" in shown_text(at)
    at.text_input(key="practice_W").set_value("2, 0; 1, 2; 3, 1; 0, 3")
    at.button[-1].click().run()
    assert "0 of 7 right" in shown_text(at)
    assert any("W (the layer as a matrix)" in e.value and r"$W^\top$" in e.value for e in at.error)
