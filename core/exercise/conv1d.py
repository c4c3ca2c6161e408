"""A 1-D cross-correlation layer with squared-error loss, computed exactly with fractions.

Indices are 0-based here; the worked solution writes them 1-based, as on paper.
"""

from dataclasses import dataclass
from fractions import Fraction

Vector = tuple[Fraction, ...]


def output_length(n: int, k: int, stride: int, padding: int) -> int:
    """⌊(n + 2p − k)/s⌋ + 1 windows fit in the padded input (0 or less: none)."""
    return (n + 2 * padding - k) // stride + 1


@dataclass(frozen=True)
class Layer:
    """An input x, the layer's kernel w and bias b, and how the kernel slides (stride, zero padding)."""

    x: Vector
    w: Vector
    b: Fraction
    stride: int = 1
    padding: int = 0

    @property
    def padded_x(self) -> Vector:
        zeros = (Fraction(0),) * self.padding
        return zeros + tuple(self.x) + zeros

    @property
    def output_length(self) -> int:
        return output_length(len(self.x), len(self.w), self.stride, self.padding)

    @property
    def unreached(self) -> int:
        """(n + 2p − k) mod s: the trailing positions of the padded input that no window reaches."""
        return (len(self.x) + 2 * self.padding - len(self.w)) % self.stride

    def window_start(self, i: int) -> int:
        """Where output i's window starts in the padded input."""
        return self.stride * i

    def forward(self) -> Vector:
        """ŷ_i = Σ_l x̃_{s·i+l} w_l + b."""
        xp = self.padded_x
        return tuple(
            sum((xp[self.window_start(i) + l] * w_l for l, w_l in enumerate(self.w)), Fraction(0)) + self.b
            for i in range(self.output_length)
        )

    def with_parameters(self, w: Vector, b: Fraction) -> "Layer":
        return Layer(self.x, tuple(w), b, self.stride, self.padding)


def squared_error(y_hat: Vector, y: Vector) -> Fraction:
    """L = ½ Σ (ŷ_i − y_i)²."""
    return sum(((a - t) ** 2 for a, t in zip(y_hat, y)), Fraction(0)) / 2


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


def backward(layer: Layer, y_hat: Vector, y: Vector) -> Gradients:
    """Each gradient by its own rule, the way the worked solution states it."""
    delta = tuple(a - t for a, t in zip(y_hat, y))  # ∂L/∂ŷ_i = ŷ_i − y_i
    spread = dilate(delta, layer.stride)
    xp, k = layer.padded_x, len(layer.w)
    # ∂L/∂w_l = Σ_j δ_j x̃_{s·j+l}: the padded input cross-correlated with the dilated δ. That correlation has
    # k + r entries (r = layer.unreached); only the first k are weights.
    d_w = cross_correlate(xp, spread)[:k]
    d_b = sum(delta, Fraction(0))
    # ∂L/∂x̃ is the full convolution of the dilated δ with w, followed by r zeros for the positions no window
    # reaches; the padding zeros are constants, so their p entries at each end are dropped.
    d_xp = full_convolution(spread, layer.w) + (Fraction(0),) * layer.unreached
    d_x = d_xp[layer.padding : layer.padding + len(layer.x)]
    return Gradients(delta, d_w, d_b, d_x)


@dataclass(frozen=True)
class StepSizes:
    """Along −∇L the loss is a parabola in α: it falls for 0 < α < largest, and bottoms out at best."""

    best: Fraction | None
    largest: Fraction | None


def step_sizes(layer: Layer, grads: Gradients) -> StepSizes:
    """L(α) = L − α‖g‖² + ½α²‖Jg‖², where Jg is how the outputs move per unit step along g."""
    g_norm2 = sum((g * g for g in grads.d_w), Fraction(0)) + grads.d_b**2
    moved = Layer(layer.x, grads.d_w, grads.d_b, layer.stride, layer.padding).forward()
    jg_norm2 = sum((m * m for m in moved), Fraction(0))
    if g_norm2 == 0 or jg_norm2 == 0:
        return StepSizes(None, None)
    best = g_norm2 / jg_norm2
    return StepSizes(best, 2 * best)


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


def sgd_step(layer: Layer, grads: Gradients, lr: Fraction) -> Layer:
    """w' = w − α ∂L/∂w and b' = b − α ∂L/∂b."""
    w_new = tuple(w - lr * g for w, g in zip(layer.w, grads.d_w))
    return layer.with_parameters(w_new, layer.b - lr * grads.d_b)


def solve(layer: Layer, y: Vector, lr: Fraction) -> Solution:
    """Solve the exercise the way a good student does on paper."""
    if len(y) != layer.output_length:
        raise ValueError(f"y has {len(y)} values but the layer gives {layer.output_length} outputs")
    y_hat = layer.forward()
    grads = backward(layer, y_hat, y)
    new_layer = sgd_step(layer, grads, lr)
    new_y_hat = new_layer.forward()
    return Solution(
        layer=layer,
        y=tuple(y),
        lr=lr,
        y_hat=y_hat,
        loss=squared_error(y_hat, y),
        grads=grads,
        new_layer=new_layer,
        new_y_hat=new_y_hat,
        new_loss=squared_error(new_y_hat, y),
        step_sizes=step_sizes(layer, grads),
    )
