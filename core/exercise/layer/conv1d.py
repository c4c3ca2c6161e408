"""A 1-D convolution layer with a squared-error loss, in each convention courses use, computed exactly with fractions.

Indices are 0-based here; the worked solution writes them 1-based, as on paper.
The conventions: the operation is a cross-correlation (the kernel as written, PyTorch's conv1d) or a true
convolution (the kernel flipped); the loss is half the sum of squared errors, their sum, or their mean.
"""

from dataclasses import dataclass, replace
from fractions import Fraction

Vector = tuple[Fraction, ...]

OPERATIONS = ("correlation", "convolution")
LOSS_RULES = ("half", "sum", "mean")  # L = ½Σ(ŷ−y)², Σ(ŷ−y)², or (1/m)Σ(ŷ−y)²


def output_length(n: int, k: int, stride: int, padding: int, dilation: int = 1) -> int:
    """⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 windows fit in the padded input (0 or less: none)."""
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


@dataclass(frozen=True)
class Layer:
    """An input x, the layer's kernel w and bias b, how the kernel slides (stride, zero padding, dilation) and what it does.

    A dilated kernel of k weights spans d(k−1) + 1 inputs, d − 1 skipped between its weights. A true
    convolution multiplies the window by the kernel flipped: w_k first, w_1 last.
    """

    x: Vector
    w: Vector
    b: Fraction
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    operation: str = "correlation"

    @property
    def padded_x(self) -> Vector:
        zeros = (Fraction(0),) * self.padding
        return zeros + tuple(self.x) + zeros

    @property
    def span(self) -> int:
        """d(k − 1) + 1: how many inputs one window covers."""
        return self.dilation * (len(self.w) - 1) + 1

    @property
    def output_length(self) -> int:
        return output_length(len(self.x), len(self.w), self.stride, self.padding, self.dilation)

    @property
    def unreached(self) -> int:
        """(n + 2p − d(k−1) − 1) mod s: the trailing positions of the padded input that no window reaches."""
        return (len(self.x) + 2 * self.padding - self.span) % self.stride

    @property
    def flipped(self) -> bool:
        return self.operation == "convolution"

    @property
    def kernel(self) -> Vector:
        """The weights in the order the window meets them, left to right: w, or w flipped for a true convolution."""
        return tuple(self.w[::-1]) if self.flipped else tuple(self.w)

    def window_start(self, i: int) -> int:
        """Where output i's window starts in the padded input."""
        return self.stride * i

    def tap(self, l: int) -> int:
        """How far into the window weight w_l sits: d·l, or d·(k−1−l) when the kernel is flipped."""
        return self.dilation * ((len(self.w) - 1 - l) if self.flipped else l)

    def weight_input(self, i: int, l: int) -> int:
        """The padded input that weight w_l multiplies in output i's window: x̃[s·i + tap(l)]."""
        return self.window_start(i) + self.tap(l)

    def forward(self) -> Vector:
        """ŷ_i = Σ_l x̃[s·i + tap(l)] w_l + b."""
        xp = self.padded_x
        return tuple(
            sum((xp[self.weight_input(i, l)] * w_l for l, w_l in enumerate(self.w)), Fraction(0)) + self.b
            for i in range(self.output_length)
        )

    def with_parameters(self, w: Vector, b: Fraction) -> "Layer":
        return replace(self, w=tuple(w), b=b)


def loss_scale(rule: str, m: int) -> Fraction:
    """c in L = (c/2) Σ(ŷ_i − y_i)² and ∂L/∂ŷ_i = c(ŷ_i − y_i): 1 for ½Σ, 2 for Σ, 2/m for the mean."""
    if rule not in LOSS_RULES:
        raise ValueError(f"unknown loss rule {rule!r}: one of {', '.join(LOSS_RULES)}")
    return {"half": Fraction(1), "sum": Fraction(2), "mean": Fraction(2, max(m, 1))}[rule]


def squared_error(y_hat: Vector, y: Vector, rule: str = "half") -> Fraction:
    """L = ½Σ(ŷ_i − y_i)² (half), Σ(ŷ_i − y_i)² (sum) or (1/m)Σ(ŷ_i − y_i)² (mean)."""
    total = sum(((a - t) ** 2 for a, t in zip(y_hat, y)), Fraction(0))
    return loss_scale(rule, len(y)) * total / 2


def dilate(values: Vector, stride: int) -> Vector:
    """Insert stride − 1 zeros between entries: how a strided layer's gradient lines up with its input."""
    out: list[Fraction] = []
    for j, v in enumerate(values):
        if j:
            out.extend([Fraction(0)] * (stride - 1))
        out.append(v)
    return tuple(out)


def cross_correlate(signal: Vector, kernel: Vector) -> Vector:
    """Valid cross-correlation: out_l = Σ_j signal_{l+j} kernel_j."""
    return tuple(
        sum((signal[l + j] * kernel[j] for j in range(len(kernel))), Fraction(0))
        for l in range(len(signal) - len(kernel) + 1)
    )


def full_convolution(signal: Vector, kernel: Vector) -> Vector:
    """Full convolution: out_m = Σ_j signal_j kernel_{m−j}, of length len(signal) + len(kernel) − 1."""
    out = [Fraction(0)] * (len(signal) + len(kernel) - 1)
    for j, s in enumerate(signal):
        for l, k in enumerate(kernel):
            out[j + l] += s * k
    return tuple(out)


@dataclass(frozen=True)
class Gradients:
    """∂L/∂ŷ, ∂L/∂w, ∂L/∂b and ∂L/∂x of the squared-error loss at one layer."""

    d_y_hat: Vector
    d_w: Vector
    d_b: Fraction
    d_x: Vector


def output_gradient(y_hat: Vector, y: Vector, rule: str = "half") -> Vector:
    """∂L/∂ŷ_i = c(ŷ_i − y_i): ŷ_i − y_i under ½Σ, twice that under Σ, 2/m of it under the mean."""
    c = loss_scale(rule, len(y))
    return tuple(c * (a - t) for a, t in zip(y_hat, y))


def backward(layer: Layer, y_hat: Vector, y: Vector, rule: str = "half") -> Gradients:
    """Each gradient by its own rule, the way the worked solution states it."""
    delta = output_gradient(y_hat, y, rule)
    xp, m = layer.padded_x, layer.output_length
    # ∂L/∂w_l = Σ_i δ_i x̃[s·i + tap(l)]: every window's input at weight l, weighted by that output's gradient.
    d_w = tuple(
        sum((delta[i] * xp[layer.weight_input(i, l)] for i in range(m)), Fraction(0)) for l in range(len(layer.w))
    )
    d_b = sum(delta, Fraction(0))
    # ∂L/∂x̃_q = Σ over the (output, weight) pairs that meet x̃_q of δ_i w_l; the padding zeros are constants,
    # so only the entries of x itself are kept.
    d_xp = [Fraction(0)] * len(xp)
    for i in range(m):
        for l, w_l in enumerate(layer.w):
            d_xp[layer.weight_input(i, l)] += delta[i] * w_l
    d_x = tuple(d_xp[layer.padding : layer.padding + len(layer.x)])
    return Gradients(delta, d_w, d_b, d_x)


@dataclass(frozen=True)
class StepSizes:
    """Along −∇L the loss is a parabola in α: it falls for 0 < α < largest, and bottoms out at best.

    largest = 2‖g‖²/(c‖Jg‖²), from the two squared lengths kept here (g the gradient, Jg how the outputs move).
    """

    best: Fraction | None
    largest: Fraction | None
    gradient_norm2: Fraction = Fraction(0)  # ‖g‖², over the weights and the bias
    moved_norm2: Fraction = Fraction(0)  # ‖Jg‖²


def step_sizes(layer: Layer, grads: Gradients, rule: str = "half") -> StepSizes:
    """L(α) = L − α‖g‖² + (c/2)α²‖Jg‖², where Jg is how the outputs move per unit step along g (c: loss_scale)."""
    g_norm2 = sum((g * g for g in grads.d_w), Fraction(0)) + grads.d_b**2
    moved = layer.with_parameters(grads.d_w, grads.d_b).forward()
    jg_norm2 = sum((m * m for m in moved), Fraction(0))
    if g_norm2 == 0 or jg_norm2 == 0:
        return StepSizes(None, None)
    best = g_norm2 / (loss_scale(rule, len(moved)) * jg_norm2)
    return StepSizes(best, 2 * best, g_norm2, jg_norm2)


@dataclass(frozen=True)
class Solution:
    """The whole exercise: forward, loss, gradients, one SGD step, and the new loss."""

    layer: Layer
    y: Vector
    lr: Fraction
    y_hat: Vector
    loss: Fraction
    grads: Gradients
    new_layer: Layer
    new_y_hat: Vector
    new_loss: Fraction
    step_sizes: StepSizes
    loss_rule: str = "half"


def sgd_step(layer: Layer, grads: Gradients, lr: Fraction) -> Layer:
    """w' = w − α ∂L/∂w and b' = b − α ∂L/∂b."""
    w_new = tuple(w - lr * g for w, g in zip(layer.w, grads.d_w))
    return layer.with_parameters(w_new, layer.b - lr * grads.d_b)


def solve(layer: Layer, y: Vector, lr: Fraction, rule: str = "half") -> Solution:
    """Solve the exercise the way a good student does on paper, with the loss rule given (½Σ, Σ or mean)."""
    if len(y) != layer.output_length:
        raise ValueError(f"y has {len(y)} values but the layer gives {layer.output_length} outputs")
    y_hat = layer.forward()
    grads = backward(layer, y_hat, y, rule)
    new_layer = sgd_step(layer, grads, lr)
    new_y_hat = new_layer.forward()
    return Solution(
        layer=layer,
        y=tuple(y),
        lr=lr,
        y_hat=y_hat,
        loss=squared_error(y_hat, y, rule),
        grads=grads,
        new_layer=new_layer,
        new_y_hat=new_y_hat,
        new_loss=squared_error(new_y_hat, y, rule),
        step_sizes=step_sizes(layer, grads, rule),
        loss_rule=rule,
    )
