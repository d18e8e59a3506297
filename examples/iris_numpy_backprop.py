"""A 2-3-1 sigmoid network trained with mean squared error on two iris features, NumPy style: the forward pass,
the chain rule and the weight updates are written out by hand, using fastnn's activation and derivative
functions (`fastnn.kernels.sigmoid`, `sigmoid_grad`).

    python examples/iris_numpy_backprop.py

The same network with Variables and a GradientTape is examples/iris_gradient_tape.py; both print the same losses.
"""
import numpy as np

from fastnn import kernels
from fastnn.datasets import iris


def load_two_features():
    """Setosa (0) vs versicolor (1) from sepal length and width, standardised: x (100, 2), y (100, 1)."""
    features, labels = iris.load_data()
    x = features[:100, :2]
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x.astype(np.float32), labels[:100].reshape(-1, 1).astype(np.float32)


def main(epochs=200, learning_rate=0.1, verbose=True):
    x, y = load_two_features()
    w1 = np.ones((2, 3), np.float32)
    w2 = np.ones((3, 1), np.float32)
    losses = []
    for epoch in range(epochs):
        # forward
        hidden = kernels.sigmoid(x @ w1)
        output = kernels.sigmoid(hidden @ w2)
        error = output - y
        loss = np.mean(error ** 2)
        # backward: dL/doutput = 2·error/N, then through each sigmoid (derivative from its output)
        d_output = kernels.sigmoid_grad(2 * error / np.float32(error.size), output)
        d_w2 = hidden.T @ d_output
        d_hidden = kernels.sigmoid_grad(d_output @ w2.T, hidden)
        d_w1 = x.T @ d_hidden
        # gradient descent
        w1 -= learning_rate * d_w1
        w2 -= learning_rate * d_w2
        losses.append(float(loss))
        if verbose and (epoch % 20 == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:3d}  loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
