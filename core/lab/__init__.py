"""The equivariance lab: MNIST, an MLP and a CNN, shifted images, and what the shifts do to them."""
