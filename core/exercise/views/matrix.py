"""The layer as a matrix: ŷ = W x̃ + b, and the input gradient ∂L/∂x̃ = Wᵀ ∂L/∂ŷ (a "transposed convolution").

W has one row per output and one column per padded input x̃; row i holds the kernel where output i's window
sits, and zeros everywhere else.
"""

from fractions import Fraction

from core.exercise.layer.conv1d import Layer, Vector

Matrix = tuple[Vector, ...]


def layer_matrix(layer: Layer) -> Matrix:
    """W[i][q] = w_l when output i's window meets x̃_q at weight l (q = s·i + tap(l)), else 0."""
    columns = len(layer.padded_x)
    rows = []
    for i in range(layer.output_length):
        row = [Fraction(0)] * columns
        for l, w_l in enumerate(layer.w):
            row[layer.weight_input(i, l)] = w_l
        rows.append(tuple(row))
    return tuple(rows)


def weight_at(layer: Layer, i: int, q: int) -> int | None:
    """Which weight l sits in W's cell (i, q), or None for a zero the layer always has there (whatever the weights)."""
    offset = q - layer.window_start(i)
    t, off_tap = divmod(offset, layer.dilation)
    if offset < 0 or off_tap or t >= len(layer.w):
        return None
    return len(layer.w) - 1 - t if layer.flipped else t


def transpose(matrix: Matrix) -> Matrix:
    return tuple(zip(*matrix))


def times(matrix: Matrix, vector: Vector) -> Vector:
    """The matrix-vector product: entry i is row i · vector."""
    return tuple(sum((a * v for a, v in zip(row, vector)), Fraction(0)) for row in matrix)


def matrix_forward(layer: Layer) -> Vector:
    """ŷ = W x̃ + b."""
    return tuple(value + layer.b for value in times(layer_matrix(layer), layer.padded_x))


def padded_input_gradient(layer: Layer, d_y_hat: Vector) -> Vector:
    """∂L/∂x̃ = Wᵀ ∂L/∂ŷ: each output's gradient spread back over its window, weighted by the kernel."""
    return times(transpose(layer_matrix(layer)), d_y_hat)


def input_gradient(layer: Layer, d_y_hat: Vector) -> Vector:
    """∂L/∂x: ∂L/∂x̃ without the entries of the padding zeros (constants, not inputs)."""
    p = layer.padding
    return padded_input_gradient(layer, d_y_hat)[p : p + len(layer.x)]


def unmet_inputs(layer: Layer) -> list[int]:
    """The padded inputs (0-based) no window meets: W's columns that hold only zeros, whatever the weights."""
    met = {layer.weight_input(i, l) for i in range(layer.output_length) for l in range(len(layer.w))}
    return [q for q in range(len(layer.padded_x)) if q not in met]


def shared_inputs(layer: Layer) -> bool:
    """Whether some padded input is met by two or more windows."""
    met = [layer.weight_input(i, l) for i in range(layer.output_length) for l in range(len(layer.w))]
    return len(met) != len(set(met))
