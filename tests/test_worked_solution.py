"""The written-out solution: every number of the classic exercise, exact, in a good student's order."""

import math
import random
import re
from fractions import Fraction as F
from pathlib import Path

import pytest
from classic import CLASSIC
from test_formulas import random_layer

from core.exercise.layer.conv1d import LOSS_RULES, Layer, solve
from core.exercise.layer.conventions import change_note
from core.exercise.layer.descent import describe_run, gradient_descent, stable_learning_rate
from core.exercise.views.window import highlight_text
from core.exercise.writing.numbers import format_number, format_scientific, text_number
from core.exercise.writing.step_verdict import verdict
from core.exercise.writing.typeset import ROW_WIDTH, latex_width
from core.exercise.writing.worked_solution import worked_solution


def test_classic_solution_shows_every_number_in_order():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100)).to_markdown()
    forward_loss_gradients = ["= 14", "= 20", "= 200", "= 44", "= 72", "= 100", "= 28", "= 24", "= 52", "= 48"]
    one_step = ["= 1.56", "= 0.28", "= 0.72", "= 8.84", "= 12.68", "= 61.064", "The loss fell"]
    positions = [text.index(piece, text.index("1. Forward pass")) for piece in forward_loss_gradients + one_step]
    assert positions == sorted(positions)


def test_forward_pass_writes_out_each_output_with_the_numbers_substituted():
    text = worked_solution(CLASSIC).to_markdown()
    assert r"x_{1} w_{1} + x_{2} w_{2} + x_{3} w_{3} + b = 1 \cdot 2 + 2 \cdot 1 + 3 \cdot 3 + 1 = 14" in text
    assert r"\left\lfloor \frac{4 + 2\cdot 0 - 3}{1} \right\rfloor + 1 = 2" in text


def test_no_floating_point_noise_anywhere():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100)).to_markdown()
    assert "0.28000000000000025" not in text and "0000000" not in text


def test_a_rising_loss_is_explained_as_a_step_too_large_and_advises_a_rate_that_converges():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 10)).to_markdown()
    assert "The loss rose" in text and "too large" in text
    assert r"converges only for $\alpha < 2/\lambda_{\max} \approx 0.04464$" in text
    assert r"Try a learning rate below $2/\lambda_{\max}$." in text
    limit = stable_learning_rate(CLASSIC)
    assert gradient_descent(CLASSIC, (F(2), F(4)), F(limit) * F(99, 100), 500).exploded_at is None


# The exercise: one step at α = 0.225 lowers the loss, but α is above the convergence limit.
TWO_LIMITS = Layer((F(1, 3), F(-1, 2), F(2), F(-5, 4)), (F(1, 2), F(-1, 4)), F(-1, 10))
TWO_LIMITS_Y = (F(1), F(0), F(-2))


def test_the_one_step_limit_and_the_convergence_limit_are_told_apart():
    text = worked_solution(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40)).to_markdown()
    assert "The loss fell" in text and "about **this one step**" in text
    assert r"0 < \alpha < 2\lVert g\rVert^2/\lVert Jg\rVert^2 = 2 \cdot " in text and "= 0.2276…$, most at" in text
    assert r"converges only for $\alpha < 2/\lambda_{\max} \approx 0.2224$" in text
    assert r"$\alpha = 0.225$ is above it: this step helped" in text
    assert gradient_descent(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40), 500).exploded_at is not None


def test_above_the_convergence_limit_the_solution_names_the_step_from_which_the_loss_grows():
    text = worked_solution(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40)).to_markdown()
    said = re.search(r"keeps falling until step (\d+), but from step (\d+) on every step raises it", text)
    assert said and int(said[2]) == int(said[1]) + 1 == 3
    losses = gradient_descent(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40), 50).losses
    assert losses[1] < losses[0] and losses[2] < losses[1]  # step 2 helps too
    assert all(later > earlier for earlier, later in zip(losses[2:], losses[3:]))  # every step from 3 on raises it


# α = 2/λ_max exactly: every step jumps across the valley to the same height.
AT_THE_LIMIT = Layer((F(1),), (F(1),), F(0))


def test_a_rate_at_the_convergence_limit_is_said_to_bounce_not_to_overshoot():
    text = worked_solution(AT_THE_LIMIT, (F(3),), F(1)).to_markdown()
    assert r"$\alpha = 1$ is at it: the steps end up bouncing between the same heights" in text
    assert "overshoot" not in text and "is above it" not in text
    losses = gradient_descent(AT_THE_LIMIT, (F(3),), F(1), 50).losses
    assert max(abs(loss - 2) for loss in losses) < 1e-9


def test_without_padding_the_page_writes_x_never_x_tilde():
    layer = Layer(tuple(map(F, (1, 2, 3, 4, 5))), (F(1), F(2)), F(0), stride=2)
    text = worked_solution(layer, (F(0), F(0)), F(1, 100)).to_markdown()
    assert "the last position of $x$ lies beyond the last window" in text and r"\tilde" not in text
    padded = Layer(layer.x, layer.w, F(0), stride=2, padding=1)
    assert r"of $\tilde x$ lies beyond" in worked_solution(padded, (F(0),) * 3, F(1, 100)).to_markdown()


def test_below_the_convergence_limit_the_solution_says_so_and_many_steps_converge():
    text = worked_solution(TWO_LIMITS, TWO_LIMITS_Y, F(1, 5)).to_markdown()
    assert r"$\alpha = 0.2$ is below it." in text and "overshoot" not in text
    run = gradient_descent(TWO_LIMITS, TWO_LIMITS_Y, F(1, 5), 500)
    assert run.exploded_at is None and run.losses[-1] < run.losses[0]


def test_a_long_exact_value_is_shown_rounded_not_in_full():
    text = worked_solution(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40)).to_markdown()
    assert "5.66087304630279541015625" not in text and "| new loss | $L'$ | 5.6609… |" in text
    assert "from 5.8480… to 5.6609… (by about 3.2%)" in text


def test_a_rise_of_a_thousand_percent_is_said_in_whole_percent():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 10)).to_markdown()
    assert "from 200 to 2\u202f420 (by 1\u202f110%)" in text


def test_large_numbers_in_sentences_are_grouped_in_thousands_like_the_percentage_beside_them():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(100)).to_markdown()
    assert "from 200 to 4\u202f008\u202f609\u202f800 (by 2\u202f004\u202f304\u202f800%)" in text


VALUES = [F(v) for v in (-3, -2, -1, 0, 1, 2, 5)] + [F(1, 3), F(-2, 3), F(1, 7), F(-1, 4), F(9, 40), F(-7, 10)]
RATES = [F(1, 100), F(1, 10), F(9, 40), F(1, 3), F(1, 7), F(1, 1000)]


def random_exercise_texts(seed: int) -> list[str]:
    """Everything page 1 writes about one random exercise, in any convention: the solution, the window's words, many
    steps, the line on the convention."""
    rng = random.Random(seed)
    layer, y = random_layer(rng, VALUES, longest=7, conventions=True)
    lr, rule = rng.choice(RATES), LOSS_RULES[seed % 3]
    run = gradient_descent(layer, y, lr, 50, rule)
    texts = [
        worked_solution(layer, y, lr, rule).to_markdown(),
        describe_run(run, lr, stable_learning_rate(layer, rule), rule).text,
    ]
    texts.append(highlight_text(layer, y, None))
    texts += [highlight_text(layer, y, ("output", i)) for i in range(layer.output_length)]
    texts += [highlight_text(layer, y, ("weight", weight), rule) for weight in range(len(layer.w))]
    texts.append(change_note(layer, rule) or "")
    return texts


EXERCISE_TEXTS = [text for seed in range(60) for text in random_exercise_texts(seed)] + [
    worked_solution(TWO_LIMITS, TWO_LIMITS_Y, F(9, 40)).to_markdown(),
    worked_solution(CLASSIC, (F(2), F(4)), F(1, 10)).to_markdown(),
]


def breaks_the_number_rule(token: str) -> bool:
    """Exact: at most 8 significant digits (or few decimals); rounded (…): 4 decimals or 4 significant digits."""
    whole, _, decimals = token.removesuffix("…").partition(".")
    significant = (whole + decimals).lstrip("0")
    if token.endswith("…"):
        return len(decimals) > 4 and len(significant) > 4
    return len(significant) > 8 and len(decimals) > 4


def test_every_number_written_is_exact_within_8_digits_or_visibly_rounded():
    tokens = {token for text in EXERCISE_TEXTS for token in re.findall(r"\d+(?:\.\d+)?…?", text)}
    assert any(t.endswith("…") for t in tokens) and not [t for t in tokens if breaks_the_number_rule(t)]


def test_no_sentence_ends_with_a_second_period():
    for text in EXERCISE_TEXTS:
        plain = text.replace("$", "")
        assert "…." not in plain and ".." not in plain, plain


def test_percentages_are_said_as_people_say_them():
    percents = [p for text in EXERCISE_TEXTS for p in re.findall(r"[\d.,\u202f…]+%", text)]
    assert percents and all(re.fullmatch(r"\d{1,3}(\u202f\d{3})*(\.\d)?%", p) for p in percents), percents


def outside_latex(text: str) -> str:
    """What Markdown shows as text: the $$…$$ and $…$ formulas (where LaTeX draws "-" as a minus) left out."""
    return re.sub(r"\$[^$]*\$", " ", re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL))


def test_numbers_outside_formulas_carry_the_true_minus_sign_not_a_hyphen():
    plain = [outside_latex(text) for text in EXERCISE_TEXTS]
    assert any(re.search(r"\u2212\d", text) for text in plain)
    assert [found for text in plain for found in re.findall(r"\S*(?<!\w)-\d\S*", text)] == []


# A class's long exercise (the tester's): 32 small integers, a 3-weight kernel, 30 targets.
LONG_X = (3, -1, 4, 1, -5, 9, 2, -6, 5, 3, -5, 8, 9, -7, 9, 3, 2, -3, 8, 4, -6, 2, 6, -4, 3, 3, 8, -3, 2, 7, 9, 5)
LONG = Layer(tuple(map(F, LONG_X)), (F(1), F(2), F(-1)), F(1))


def test_every_row_of_a_32_number_solution_fits_a_projector_column():
    text = worked_solution(LONG, tuple(F(v) for v in range(30)), F(1, 100)).to_markdown()
    blocks = re.findall(r"\$\$(.*?)\$\$", text, flags=re.DOTALL)
    rows = [row for block in blocks for row in re.split(r"\\\\\n", block)]
    assert len(rows) > 100 and max(latex_width(row) for row in rows) <= ROW_WIDTH
    inline = re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", text)
    too_long = [m for m in inline if latex_width(m) > ROW_WIDTH and r"\allowbreak" not in m and " + {" not in m]
    assert too_long == []  # a long inline formula can break after its commas or between its terms


def test_without_the_half_the_solution_writes_the_doubled_gradients_and_the_loss_without_a_factor():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100), "sum").to_markdown()
    assert r"L &= \sum_{i=1}^{2} (\hat y_i - y_i)^2" in text and "(14 - 2)^2 + (20 - 4)^2 = 144 + 256 = 400" in text
    assert r"\partial \hat y_{1}} &= 2(\hat y_{1} - y_{1}) = 2(14 - 2) = 24" in text
    assert "| [88, 144, 200] |" in text and "= 88" in text and "= 56" in text  # ∂L/∂w₁ and ∂L/∂b doubled
    sgd = text[text.index("5. One step") :]
    assert "2 - 0.01 \\cdot 88 = 1.12" in sgd


def test_the_mean_of_two_outputs_writes_one_over_m_and_the_gradient_without_2_over_2_as_the_classic_solution():
    text = worked_solution(CLASSIC, (F(2), F(4)), F(1, 100), "mean").to_markdown()
    assert r"L &= \tfrac{1}{2} \sum_{i=1}^{2}" in text and r"&= \hat y_{1} - y_{1} = 14 - 2 = 12" in text
    assert r"\tfrac{2}{2}" not in text
    assert "| [44, 72, 100] |" in text and "| 61.064 |" in text


def test_the_step_verdict_uses_the_convergence_limit_of_the_loss_rule():
    """Σ doubles the curvature, so its limit is half the classic 0.04464: α = 0.03 converges only under ½Σ."""
    assert stable_learning_rate(CLASSIC, "sum") == pytest.approx(stable_learning_rate(CLASSIC) / 2)
    classic = worked_solution(CLASSIC, (F(2), F(4)), F(3, 100)).to_markdown()
    doubled = worked_solution(CLASSIC, (F(2), F(4)), F(3, 100), "sum").to_markdown()
    assert r"\approx 0.04464$" in classic and r"$\alpha = 0.03$ is below it." in classic
    assert r"\approx 0.02232$" in doubled and "The loss rose" in doubled
    assert solve(CLASSIC, (F(2), F(4)), F(3, 100), "sum").new_loss > 400


def test_a_true_convolution_writes_each_output_and_each_new_output_with_the_kernel_flipped():
    flipped = Layer(CLASSIC.x, CLASSIC.w, CLASSIC.b, operation="convolution")
    text = worked_solution(flipped, (F(2), F(4)), F(1, 100)).to_markdown()
    s = solve(flipped, (F(2), F(4)), F(1, 100))
    assert r"x_{1} w_{3} + x_{2} w_{2} + x_{3} w_{1} + b = 1 \cdot 3 + 2 \cdot 1 + 3 \cdot 2 + 1 = 12" in text
    w1, w2, w3 = (format_number(v) for v in s.new_layer.w)
    assert rf"\hat y_{{1}}' &= 1 \cdot {w3} + 2 \cdot {w2} + 3 \cdot {w1} + {format_number(s.new_layer.b)}" in text
    assert f"= {format_number(s.new_y_hat[0])}" in text and "A true convolution flips the kernel" in text


def test_a_dilated_layer_states_the_output_length_with_d():
    layer = Layer(tuple(map(F, range(1, 7))), CLASSIC.w, CLASSIC.b, dilation=2)
    text = worked_solution(layer).to_markdown()
    assert r"\frac{n+2p-d(k-1)-1}{s}" in text and r"\frac{6 + 2\cdot 0 - 2\cdot 2 - 1}{1} \right\rfloor + 1 = 2" in text
    assert "spans $d(k-1)+1 = 5$ inputs" in text
    assert r"\frac{n+2p-k}{s}" in worked_solution(CLASSIC).to_markdown()  # no d where it changes nothing


def test_the_agreement_caption_names_what_the_pytorch_tests_cover():
    from core.exercise.writing.worked_solution import AGREEMENT

    source = (Path(__file__).parent / "test_conv1d.py").read_text()
    assert "dilations 1–3" in AGREEMENT and "true convolution" in AGREEMENT and "Σ or the mean" in AGREEMENT
    assert "def test_every_convention_and_dilation_agrees_with_pytorch_autograd" in source
    assert "dilation=rng.randint(1, 3)" in source


# ---- The step's verdict: the one-step limit as each loss rule has it, in one notation --------------------------------


def latex_factor(text: str) -> F:
    r"""A printed factor as a number: nothing is 1; 2, \tfrac12 and \tfrac{1}{4} are what they say."""
    if not text:
        return F(1)
    fraction = re.fullmatch(r"\\tfrac\{?(\d+)\}?\{?(\d+)\}?", text)
    return F(int(fraction[1]), int(fraction[2])) if fraction else F(int(text))


ONE_STEP = re.compile(
    r"L\(\\alpha\) = L - \\alpha\\lVert g\\rVert\^2 \+ (?P<parabola>\S*?)\\alpha\^2\\lVert Jg\\rVert\^2\$ in \$\\alpha\$, "
    r"so from here one step lowers it for any \$0 < \\alpha < (?P<factor>\d*)\\lVert g\\rVert\^2/\\lVert Jg\\rVert\^2 = "
    r"(?:(?P<times>\d+) \\cdot )?(?P<g2>[\d.…]+)/(?P<jg2>[\d.…]+) = (?P<limit>[^$]+)\$"
)


def test_the_one_step_limit_printed_is_the_root_of_the_printed_parabola_under_every_loss_rule():
    """Along −∇L, L(α) = L − α‖g‖² + (c/2)α²‖Jg‖² (c = 1, 2 or 2/m): back at L for α = 2‖g‖²/(c‖Jg‖²)."""
    seen = set()
    for seed in range(90):
        rng = random.Random(seed)
        layer, y = random_layer(rng, VALUES, conventions=True)
        rule, lr = LOSS_RULES[seed % 3], rng.choice(RATES)
        s = solve(layer, y, lr, rule)
        g2 = sum(g * g for g in s.grads.d_w) + s.grads.d_b**2
        if not g2:
            continue
        # ‖Jg‖² from a whole step of −g: the outputs are linear in w and b, so they move by exactly Jg.
        stepped = layer.with_parameters(tuple(w - g for w, g in zip(layer.w, s.grads.d_w)), layer.b - s.grads.d_b)
        jg2 = sum((a - b) ** 2 for a, b in zip(s.y_hat, stepped.forward()))
        text = worked_solution(layer, y, lr, rule).to_markdown()
        found = ONE_STEP.search(text)
        assert found, text[text.index("5. One step") :]
        parabola, factor = latex_factor(found["parabola"]), latex_factor(found["factor"])
        assert s.loss - lr * g2 + parabola * lr**2 * jg2 == s.new_loss  # the printed parabola, at this α
        assert (found["g2"], found["jg2"]) == (format_number(g2), format_number(jg2))
        assert latex_factor(found["times"] or "") == factor
        limit = factor * g2 / jg2
        assert limit > 0 and s.loss - limit * g2 + parabola * limit**2 * jg2 == s.loss  # its other root
        assert found["limit"] in (format_number(limit), format_scientific(limit))
        seen.add((rule, min(len(y), 3)))
    assert seen >= {("half", 1), ("sum", 2), ("mean", 1), ("mean", 2), ("mean", 3)}


def test_the_testers_sum_exercise_states_its_limit_without_the_2():
    """x = 1, w = 1, b = 0, y = 0, α = 1 under Σ: ‖g‖² = 8, ‖Jg‖² = 16, and the loss climbs back at α = 0.5, not 1."""
    s = solve(Layer((F(1),), (F(1),), F(0)), (F(0),), F(1), "sum")
    text = verdict(s, None)
    assert r"L(\alpha) = L - \alpha\lVert g\rVert^2 + \alpha^2\lVert Jg\rVert^2$" in text
    assert r"0 < \alpha < \lVert g\rVert^2/\lVert Jg\rVert^2 = 8/16 = 0.5$" in text
    assert s.step_sizes.largest == F(1, 2) and "2\\lVert g" not in text


# One output of 600 from inputs in the hundreds: both limits are 1.429…·10⁻⁵, far below a ten-thousandth.
TINY = Layer((F(300), F(200), F(100)), (F(1), F(1), F(1)), F(0))


def compared_numbers(paragraph: str) -> list[str]:
    """The one-step limit, α*, the convergence limit 2/λ_max and α, as the verdict writes them."""
    return [
        re.search(r"\\lVert Jg\\rVert\^2 = [^$]* = ([^$=]+)\$, most at", paragraph)[1],
        re.search(r"\\alpha\^\* = ([^$]+)\$", paragraph)[1],
        re.search(r"2/\\lambda_\{\\max\} \\approx ([^$]+)\$", paragraph)[1],
        re.search(r"\$\\alpha = ([^$]+)\$ is", paragraph)[1],
    ]


def test_alpha_and_its_two_limits_are_written_in_one_notation_in_the_verdict():
    for layer, y, lr, scientific in [
        (TINY, (F(0),), F(1, 100000), True),
        (CLASSIC, (F(2), F(4)), F(1, 100), False),
        (TWO_LIMITS, TWO_LIMITS_Y, F(9, 40), False),
    ]:
        paragraph = verdict(solve(layer, y, lr), stable_learning_rate(layer))
        numbers = compared_numbers(paragraph)
        assert [r"\cdot 10^{" in number for number in numbers] == [scientific] * 4, numbers
    tiny = compared_numbers(verdict(solve(TINY, (F(0),), F(1, 100000)), stable_learning_rate(TINY)))
    assert tiny == [
        r"{1.429… \cdot 10^{-5}}",
        r"{7.143… \cdot 10^{-6}}",
        r"{1.429 \cdot 10^{-5}}",
        r"{1 \cdot 10^{-5}}",
    ]


def answers(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\| [^|]+ \| \$(.+?)\$ \| (.+) \|$", text, flags=re.MULTILINE))


def test_the_answers_table_writes_each_number_as_the_sentences_do_vectors_grouped_in_thousands_too():
    s = solve(TINY, (F(0),), F(1, 100000))
    text = worked_solution(TINY, (F(0),), F(1, 100000)).to_markdown()
    table = answers(text)
    loss, new_loss = table["L"], table["L'"]
    assert f"from {loss} to {new_loss} (by" in text  # the verdict's sentence and the table agree
    assert (
        table[r"\partial L/\partial w"] == "[180\u202f000, 120\u202f000, 60\u202f000]" and table["L"] == "180\u202f000"
    )
    vectors = {r"\hat y": s.y_hat, r"\partial L/\partial w": s.grads.d_w, r"\partial L/\partial x": s.grads.d_x}
    vectors |= {"w'": s.new_layer.w, r"\hat y'": s.new_y_hat}
    for symbol, values in vectors.items():
        assert table[symbol] == "[" + ", ".join(text_number(v) for v in values) + "]"


MEAN_LAYERS = [
    Layer(tuple(F(v) for v in range(1, n + 1)), CLASSIC.w, CLASSIC.b) for n in (3, 4, 6, 8)
]  # m = 1, 2, 4, 6


def test_no_fraction_is_written_unreduced_or_over_one():
    """The mean of m = 4 scales by 1/2, not 2/4; with m = 1 there is no 1/1 before the sum."""
    texts = EXERCISE_TEXTS + [
        text
        for layer in MEAN_LAYERS
        for text in (
            worked_solution(layer, (F(0),) * layer.output_length, F(1, 100), "mean").to_markdown(),
            change_note(layer, "mean"),
        )
    ]
    written = re.compile(r"\\tfrac\{?(\d)\}?\{?(\d+)\}?|\$(\d+)/(\d+)\$")  # \tfrac12, \tfrac{2}{3}, $2/3$
    fractions = [(int(a or c), int(b or d)) for text in texts for a, b, c, d in written.findall(text)]
    assert fractions and all(b > 1 and math.gcd(a, b) == 1 for a, b in fractions), fractions
    m4 = worked_solution(MEAN_LAYERS[2], (F(0),) * 4, F(1, 100), "mean").to_markdown()
    assert r"\tfrac{1}{2}(\hat y_{1} - y_{1})" in m4 and "$1/2$ of the classic ones" in m4
    m1 = worked_solution(MEAN_LAYERS[0], (F(0),), F(1, 100), "mean").to_markdown()
    assert r"L &= \sum_{i=1}^{1} (\hat y_i - y_i)^2" in m1 and r"= 2(\hat y_{1} - y_{1})" in m1
