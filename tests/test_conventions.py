"""The line that says what changed against the classic convention is true for the numbers beside it."""

import random
import re
from dataclasses import replace
from fractions import Fraction as F

from classic import CLASSIC
from test_formulas import random_layer

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, solve
from core.exercise.layer.conventions import LOSS_LABELS, OPERATION_LABELS, change_note, intro_sentence

LR = F(1, 100)


def exercises(count: int = 120):
    """Random layers of every shape (dilated, flipped, padded, strided) with their targets."""
    return [random_layer(random.Random(seed), conventions=True) for seed in range(count)]


def ratio_of_gradients(layer: Layer, y, rule: str) -> F | None:
    """How many times the classic ½Σ's every gradient and step this rule's are (None: all gradients are zero)."""
    classic, other = solve(layer, y, LR, "half"), solve(layer, y, LR, rule)
    pairs = [
        *zip(classic.grads.d_y_hat, other.grads.d_y_hat),
        *zip(classic.grads.d_w, other.grads.d_w),
        *zip(classic.grads.d_x, other.grads.d_x),
        (classic.grads.d_b, other.grads.d_b),
        *zip(
            [a - b for a, b in zip(classic.new_layer.w, layer.w)], [a - b for a, b in zip(other.new_layer.w, layer.w)]
        ),
    ]
    ratios = {b / a for a, b in pairs if a}
    assert len(ratios) <= 1 and all(b == 0 for a, b in pairs if not a)
    return ratios.pop() if ratios else None


def test_the_classic_convention_says_nothing_and_every_other_one_line():
    assert change_note(CLASSIC, "half") is None
    for operation in OPERATIONS:
        for rule in LOSS_RULES:
            note = change_note(replace(CLASSIC, operation=operation), rule)
            assert (note is None) == (operation == "correlation" and rule == "half")
            assert note is None or "\n" not in note


def test_without_the_half_every_gradient_and_the_step_double_as_the_line_says():
    for layer, y in exercises():
        note = change_note(layer, "sum")
        assert r"$\partial L/\partial \hat y_i = 2(\hat y_i - y_i)$" in note and "twice" in note
        assert ratio_of_gradients(layer, y, "sum") in (2, None)
        assert solve(layer, y, LR, "sum").loss == 2 * solve(layer, y, LR, "half").loss


def test_the_mean_scales_every_gradient_by_2_over_m_and_the_line_names_this_m():
    seen = set()
    for layer, y in exercises():
        m, note = layer.output_length, change_note(layer, "mean")
        seen.add(min(m, 3))
        ratio = ratio_of_gradients(layer, y, "mean")
        assert ratio in (F(2, m), None)
        assert solve(layer, y, LR, "mean").loss == F(2, m) * solve(layer, y, LR, "half").loss
        if m == 1:
            assert r"2(\hat y_1 - y_1)" in note and "double" in note
        elif m == 2:
            assert "½Σ itself" in note and solve(layer, y, LR, "mean") == replace(solve(layer, y, LR), loss_rule="mean")
        else:
            ratio = F(2, m)  # in lowest terms: 2/4 is written 1/2
            factor = (
                str(ratio.numerator)
                if ratio.denominator == 1
                else rf"\tfrac{{{ratio.numerator}}}{{{ratio.denominator}}}"
            )
            assert f"$m = {m}$" in note and rf"= {factor}(\hat y_i - y_i)" in note and f"${ratio}$ as long" in note
    assert seen == {1, 2, 3}


def test_the_mean_of_4_outputs_reads_one_half_not_two_quarters():
    note = change_note(Layer(tuple(map(F, range(1, 7))), CLASSIC.w, CLASSIC.b), "mean")
    assert "$1/2$ of the classic ones" in note and r"\tfrac{1}{2}(\hat y_i - y_i)" in note and "2/4" not in note
    assert "$m = 4$" in note and "{4}" not in note


def test_the_classic_exercise_has_3_outputs_nowhere_but_m_3_reads_two_thirds():
    layer = Layer(tuple(map(F, (1, 2, 3, 4, 5))), CLASSIC.w, CLASSIC.b)
    note = change_note(layer, "mean")
    assert "$m = 3$" in note and r"\tfrac{2}{3}" in note
    assert ratio_of_gradients(layer, (F(0),) * 3, "mean") == F(2, 3)


def first_output_pairs(note: str) -> list[tuple[int, int]]:
    """(q, l) of each x̃_q w_l the line writes for ŷ₁, left to right."""
    formula = re.search(r"\$\\hat y_1 = (.*?) \+ b\$", note)[1]
    return [(int(q), int(a)) for q, a in re.findall(r"x_\{(\d+)\} w_\{(\d+)\}", formula)]


def test_a_true_convolution_is_said_to_meet_the_last_weight_first_and_the_first_output_is_written_as_computed():
    note = change_note(replace(CLASSIC, operation="convolution"), "half")
    assert r"$\hat y_1 = x_{1} w_{3} + x_{2} w_{2} + x_{3} w_{1} + b$" in note
    assert "flips the kernel" in note and "$w_{3}$ first" in note
    symmetric = (replace(CLASSIC, w=(F(1), F(2), F(1))), (F(2), F(4)))
    for layer, _y in [symmetric, *exercises()]:
        flipped = replace(layer, operation="convolution")
        note, k = change_note(flipped, "half"), len(layer.w)
        palindrome = layer.w == tuple(reversed(layer.w))
        assert ("nothing changes" in note or "same both ways" in note) == palindrome
        a, b = solve(flipped, _y, LR), solve(replace(layer, operation="correlation"), _y, LR)
        if k == 1:  # "nothing changes here"
            assert (a.y_hat, a.grads, a.new_layer.w, a.new_loss) == (b.y_hat, b.grads, b.new_layer.w, b.new_loss)
        elif palindrome:  # the same outputs, loss and ∂L/∂x; ∂L/∂w reversed
            assert (a.y_hat, a.loss, a.grads.d_x, a.grads.d_b) == (b.y_hat, b.loss, b.grads.d_x, b.grads.d_b)
            assert a.grads.d_w == tuple(reversed(b.grads.d_w)) and "comes out reversed" in note
        if k == 1:
            continue
        pairs = first_output_pairs(note)
        wanted = sorted((flipped.weight_input(0, a) + 1, a + 1) for a in range(k))
        if k > 4:  # shortened with …: the first two and the last
            wanted = [*wanted[:2], wanted[-1]]
        assert pairs == wanted and pairs[0][1] == k


def test_a_convention_change_and_a_loss_change_are_both_said():
    note = change_note(replace(CLASSIC, operation="convolution"), "sum")
    assert note.index("flips the kernel") < note.index("Without the ½")


def test_the_page_intro_says_cross_correlation_only_when_it_is_one():
    assert "strictly, a cross-correlation" in intro_sentence("correlation")
    assert "cross-correlation" not in intro_sentence("convolution") and "true convolution" in intro_sentence(
        "convolution"
    )


def test_every_operation_and_loss_rule_has_a_readable_label():
    assert list(OPERATION_LABELS) == list(OPERATIONS) and list(LOSS_LABELS) == list(LOSS_RULES)
    assert "PyTorch" in OPERATION_LABELS["correlation"] and "True convolution" in OPERATION_LABELS["convolution"]
    assert LOSS_LABELS["half"] == "½Σ" and LOSS_LABELS["sum"] == "Σ"
