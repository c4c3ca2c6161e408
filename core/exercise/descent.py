"""Many steps of gradient descent on the 1-D layer, in floating point, stopping cleanly if it diverges."""

from dataclasses import dataclass

import numpy as np

from core.exercise.conv1d import Layer

MAX_STEPS = 500
# A loss this many times its start is exploding, not wandering.
EXPLOSION_FACTOR = 1000
# Stop here, before floats overflow into inf and nan.
DIVERGENCE_LOSS = 1e100


@dataclass(frozen=True)
class DescentRun:
    """The loss, weights and bias before every step (row t is after t steps)."""

    losses: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    diverged_at: int | None  # the step after which the loss passed DIVERGENCE_LOSS and the run stopped

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    @property
    def exploded_at(self) -> int | None:
        """The first step at which the loss passed EXPLOSION_FACTOR times its start, if it did."""
        above = np.nonzero(self.losses > EXPLOSION_FACTOR * max(self.losses[0], 1e-12))[0]
        return int(above[0]) if len(above) else None


def window_matrix(layer: Layer) -> np.ndarray:
    """A[i, l] = x̃_{s·i+l}, so that ŷ = A w + b: the layer as a matrix."""
    xp = np.array([float(v) for v in layer.padded_x])
    m, k = layer.output_length, len(layer.w)
    return np.array([[xp[layer.window_start(i) + l] for l in range(k)] for i in range(m)]).reshape(m, k)


def gradient_descent(layer: Layer, y, lr, steps: int) -> DescentRun:
    """Repeat the worked solution's step `steps` times: w ← w − α Aᵀ(ŷ − y), b ← b − α Σ(ŷ − y)."""
    steps = max(0, min(int(steps), MAX_STEPS))
    a = window_matrix(layer)
    target = np.array([float(v) for v in y])
    w = np.array([float(v) for v in layer.w])
    b = float(layer.b)
    alpha = float(lr)
    losses, weights, biases = [], [], []
    diverged_at = None
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            residual = a @ w + b - target
            loss = 0.5 * float(residual @ residual)
            losses.append(loss)
            weights.append(w.copy())
            biases.append(b)
            if not np.isfinite(loss) or loss > DIVERGENCE_LOSS:
                diverged_at = t
                break
            if t == steps:
                break
            w = w - alpha * (a.T @ residual)
            b = b - alpha * float(residual.sum())
    return DescentRun(np.array(losses), np.array(weights).reshape(len(losses), -1), np.array(biases), diverged_at)


def stable_learning_rate(layer: Layer) -> float | None:
    """Gradient descent on this quadratic loss converges iff α < 2/λ_max of its Hessian [A 1]ᵀ[A 1]."""
    a = window_matrix(layer)
    design = np.hstack([a, np.ones((a.shape[0], 1))])
    largest = float(np.linalg.eigvalsh(design.T @ design).max())
    return 2 / largest if largest > 1e-12 else None
