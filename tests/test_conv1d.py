"""The exact 1-D layer against the classic exercise worked by hand, and against PyTorch's autograd."""

import random
from fractions import Fraction as F

import pytest
import torch
from classic import CLASSIC, vec

from core.exercise.layer.conv1d import (
    LOSS_RULES,
    OPERATIONS,
    Layer,
    backward,
    cross_correlate,
    dilate,
    full_convolution,
    output_length,
    solve,
)


def test_classic_exercise_reproduces_every_number_of_the_worked_solution():
    s = solve(CLASSIC, vec(2, 4), F("0.01"))
    assert s.y_hat == vec(14, 20)
    assert s.loss == 200
    assert s.grads.d_y_hat == vec(12, 16)
    assert s.grads.d_w == vec(44, 72, 100)
    assert s.grads.d_b == 28
    assert s.grads.d_x == vec(24, 44, 52, 48)
    assert s.new_layer.w == vec("1.56", "0.28", "2")
    assert s.new_layer.b == F("0.72")
    assert s.new_y_hat == vec("8.84", "12.68")
    assert s.new_loss == F("61.064")


def test_output_length_rule_counts_the_windows_that_fit():
    assert output_length(4, 3, 1, 0) == 2
    assert output_length(5, 3, 2, 0) == 2
    assert output_length(4, 3, 1, 1) == 4
    assert output_length(7, 2, 3, 1) == 3  # windows start at 0, 3, 6 of the 9 padded values


def test_weight_gradient_is_the_cross_correlation_of_the_input_with_the_output_gradient():
    y_hat = CLASSIC.forward()
    grads = backward(CLASSIC, y_hat, vec(2, 4))
    assert grads.d_w == cross_correlate(CLASSIC.x, grads.d_y_hat)


def test_with_stride_the_output_gradient_is_dilated_before_the_cross_correlation_and_the_first_k_kept():
    layer = Layer(vec(1, -2, 3, 0, 5, 1), vec(1, 2), F(0), stride=2)
    y_hat = layer.forward()
    grads = backward(layer, y_hat, vec(0, 0, 0))
    assert dilate(vec(7, 8), 3) == vec(7, 0, 0, 8)
    assert grads.d_w == cross_correlate(layer.x, dilate(grads.d_y_hat, 2))[:2]


def test_a_window_that_misses_the_end_leaves_a_correlation_entry_for_no_weight_and_a_zero_gradient():
    # (n + 2p − k) mod s = (5 + 2 − 2) mod 2 = 1: the last padded position is in no window.
    layer = Layer(vec(1, -2, 3, 0, 5), vec(2, 1), F(0), stride=2, padding=1)
    y = vec(0, 0, 0)
    grads = backward(layer, layer.forward(), y)
    spread = dilate(grads.d_y_hat, 2)
    assert layer.unreached == 1 and len(cross_correlate(layer.padded_x, spread)) == 3
    assert grads.d_w == cross_correlate(layer.padded_x, spread)[:2]
    full = full_convolution(spread, layer.w)
    assert len(full) == 6 and grads.d_x == (full + (F(0),))[1:-1]
    torch_says = autograd(layer, y, F(1, 100))
    assert close(grads.d_w, torch_says["d_w"]) and close(grads.d_x, torch_says["d_x"])


def test_input_gradient_is_the_full_convolution_of_the_output_gradient_with_the_kernel():
    grads = backward(CLASSIC, CLASSIC.forward(), vec(2, 4))
    assert grads.d_x == full_convolution(grads.d_y_hat, CLASSIC.w) == vec(24, 44, 52, 48)


def test_step_sizes_bound_where_the_loss_falls():
    s = solve(CLASSIC, vec(2, 4), F("0.01"))
    largest, best = s.step_sizes.largest, s.step_sizes.best
    assert largest == 2 * best
    just_below = solve(CLASSIC, vec(2, 4), largest * F(99, 100))
    just_above = solve(CLASSIC, vec(2, 4), largest * F(101, 100))
    at_best = solve(CLASSIC, vec(2, 4), best)
    assert just_below.new_loss < just_below.loss
    assert just_above.new_loss > just_above.loss
    assert at_best.new_loss <= just_below.new_loss


def random_value(rng: random.Random) -> F:
    """Negative and decimal values, as a learner types them."""
    return F(rng.randint(-500, 500), rng.choice((1, 2, 4, 10, 100)))


def random_case(rng: random.Random, dilation: int = 1, operation: str = "correlation"):
    stride, padding, k = rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 5)
    n = rng.randint(max(1, dilation * (k - 1) + 1 - 2 * padding), 9 + dilation * (k - 1))
    layer = Layer(
        tuple(random_value(rng) for _ in range(n)),
        tuple(random_value(rng) for _ in range(k)),
        random_value(rng),
        stride,
        padding,
        dilation,
        operation,
    )
    y = tuple(random_value(rng) for _ in range(layer.output_length))
    lr = F(rng.choice((1, 5, 10, 50)), 1000)
    return layer, y, lr


def autograd(layer: Layer, y, lr, rule: str = "half"):
    """The same exercise in PyTorch (float64): conv1d is a cross-correlation; a true convolution is conv1d with the
    kernel flipped. The loss: ½ × sum, sum, or mean of the squared errors (MSELoss's reduction="mean")."""

    def loss_of(outputs):
        squares = (outputs.view(-1) - as_tensor(y)) ** 2
        return {"half": 0.5 * squares.sum(), "sum": squares.sum(), "mean": squares.mean()}[rule]

    def conv(x, w, b):
        kernel = torch.flip(w, [0]) if layer.operation == "convolution" else w
        return torch.nn.functional.conv1d(
            x.view(1, 1, -1),
            kernel.view(1, 1, -1),
            b,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
        )

    def as_tensor(values):
        return torch.tensor([float(v) for v in values], dtype=torch.float64)

    x = as_tensor(layer.x).requires_grad_()
    w = as_tensor(layer.w).requires_grad_()
    b = torch.tensor([float(layer.b)], dtype=torch.float64, requires_grad=True)
    y_hat = conv(x, w, b)
    loss = loss_of(y_hat)
    loss.backward()
    with torch.no_grad():
        w_new, b_new = w - float(lr) * w.grad, b - float(lr) * b.grad
        y_new = conv(x, w_new, b_new)
        new_loss = loss_of(y_new)
    return {
        "y_hat": y_hat.view(-1),
        "loss": loss,
        "d_w": w.grad,
        "d_b": b.grad,
        "d_x": x.grad,
        "w_new": w_new,
        "b_new": b_new,
        "y_new": y_new.view(-1),
        "new_loss": new_loss,
    }


def close(exact, tensor):
    exact = [float(v) for v in (exact if isinstance(exact, tuple) else (exact,))]
    expected = torch.tensor(exact, dtype=torch.float64)
    return torch.allclose(tensor.reshape(-1).detach(), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(300))
def test_exact_solution_agrees_with_pytorch_autograd(seed):
    layer, y, lr = random_case(random.Random(seed))
    s = solve(layer, y, lr)
    torch_says = autograd(layer, y, lr)
    assert close(s.y_hat, torch_says["y_hat"])
    assert close(s.loss, torch_says["loss"])
    assert close(s.grads.d_w, torch_says["d_w"])
    assert close(s.grads.d_b, torch_says["d_b"])
    assert close(s.grads.d_x, torch_says["d_x"])
    assert close(s.new_layer.w, torch_says["w_new"])
    assert close(s.new_layer.b, torch_says["b_new"])
    assert close(s.new_y_hat, torch_says["y_new"])
    assert close(s.new_loss, torch_says["new_loss"])


CONVENTIONS = [(operation, rule) for operation in OPERATIONS for rule in LOSS_RULES]


@pytest.mark.parametrize(("operation", "rule"), CONVENTIONS)
def test_every_convention_and_dilation_agrees_with_pytorch_autograd(operation, rule):
    """200 random layers per convention, dilation 1–3 (conv1d's dilation; a flipped kernel for a true convolution)."""
    for seed in range(200):
        rng = random.Random(f"{operation}-{rule}-{seed}")
        layer, y, lr = random_case(rng, dilation=rng.randint(1, 3), operation=operation)
        s = solve(layer, y, lr, rule)
        torch_says = autograd(layer, y, lr, rule)
        case = f"seed {seed}: {layer}, y={y}, lr={lr}"
        for name, exact in [
            ("y_hat", s.y_hat),
            ("loss", s.loss),
            ("d_w", s.grads.d_w),
            ("d_b", s.grads.d_b),
            ("d_x", s.grads.d_x),
            ("w_new", s.new_layer.w),
            ("b_new", s.new_layer.b),
            ("y_new", s.new_y_hat),
            ("new_loss", s.new_loss),
        ]:
            assert close(exact, torch_says[name]), f"{name} differs from PyTorch at {case}"


def test_output_length_counts_the_windows_of_a_dilated_kernel():
    # n = 7, k = 3, d = 2: the kernel spans 5 inputs, so 3 windows at stride 1 and 2 at stride 2.
    assert output_length(7, 3, 1, 0, dilation=2) == 3
    assert output_length(7, 3, 2, 0, dilation=2) == 2
    assert output_length(7, 3, 1, 1, dilation=3) == 3  # span 7 in 9 padded values: (9 − 7)//1 + 1
    layer = Layer(vec(1, 2, 3, 4, 5, 6, 7), vec(1, 0, -1), F(0), dilation=2)
    assert layer.span == 5 and layer.forward() == vec(1 - 5, 2 - 6, 3 - 7)


def test_a_true_convolution_is_the_correlation_with_the_kernel_flipped():
    convolution = Layer(CLASSIC.x, CLASSIC.w, CLASSIC.b, operation="convolution")
    assert (
        convolution.forward()
        == Layer(CLASSIC.x, CLASSIC.w[::-1], CLASSIC.b).forward()
        == vec(3 * 1 + 1 * 2 + 2 * 3 + 1, 3 * 2 + 1 * 3 + 2 * 4 + 1)
    )
    s = solve(convolution, vec(2, 4), F("0.01"))
    mirrored = solve(Layer(CLASSIC.x, CLASSIC.w[::-1], CLASSIC.b), vec(2, 4), F("0.01"))
    assert s.grads.d_w == mirrored.grads.d_w[::-1] and s.grads.d_x == mirrored.grads.d_x


def test_without_the_half_every_gradient_doubles_and_the_mean_divides_the_sum_by_m():
    half, total, mean = (solve(CLASSIC, vec(2, 4), F("0.01"), rule) for rule in LOSS_RULES)
    assert (half.loss, total.loss, mean.loss) == (200, 400, 200)  # m = 2: the mean of 144 and 256 is ½ their sum
    assert total.grads.d_w == tuple(2 * g for g in half.grads.d_w) == vec(88, 144, 200)
    assert total.grads.d_x == tuple(2 * g for g in half.grads.d_x)
    assert mean.grads.d_w == half.grads.d_w  # 2/m = 1 when m = 2
    three = Layer(vec(1, 2, 3, 4, 5), CLASSIC.w, CLASSIC.b)
    assert solve(three, vec(0, 0, 0), F(0), "mean").grads.d_b == F(2, 3) * solve(three, vec(0, 0, 0), F(0)).grads.d_b


@pytest.mark.parametrize("rule", LOSS_RULES)
def test_step_sizes_bound_where_the_loss_falls_under_each_loss_rule(rule):
    layer = Layer(vec(1, -2, 3, 0, 5, 1, 2), vec(1, 2, -1), F(1), stride=1, padding=1, dilation=2)
    y = tuple(F(v) for v in range(layer.output_length))
    largest = solve(layer, y, F(1, 100), rule).step_sizes.largest
    below, above = solve(layer, y, largest * F(99, 100), rule), solve(layer, y, largest * F(101, 100), rule)
    assert below.new_loss < below.loss and above.new_loss > above.loss


def test_random_cases_cover_every_stride_padding_and_kernel_size():
    cases = [random_case(random.Random(seed))[0] for seed in range(300)]
    assert {c.stride for c in cases} == {1, 2, 3}
    assert {c.padding for c in cases} == {0, 1, 2}
    assert {len(c.w) for c in cases} == {1, 2, 3, 4, 5}
    assert any(v < 0 for c in cases for v in c.x) and any(v.denominator > 1 for c in cases for v in c.w)
