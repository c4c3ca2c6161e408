"""The pictures beside the solution: the sliding window, the layer as a matrix, the gradient check, a shifted input."""
