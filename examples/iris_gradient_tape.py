"""The 2-3-1 sigmoid network of iris_numpy_backprop.py, written the TensorFlow way: Variables initialised to ones,
a GradientTape, mean squared error and SGD(0.1) for 200 epochs.

    python examples/iris_gradient_tape.py

This is a TensorFlow program: swap the two marked import lines back to TensorFlow and it runs there, printing the
same losses (the test suite does exactly that and compares them).
"""
import numpy as np

import fastnn as tf                       # TensorFlow: import tensorflow as tf
from fastnn import optimizers             # TensorFlow: from tensorflow.keras import optimizers
from fastnn.datasets import iris


def load_two_features():
    """Setosa (0) vs versicolor (1) from sepal length and width, standardised: x (100, 2), y (100, 1)."""
    features, labels = iris.load_data()
    x = features[:100, :2]
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x.astype(np.float32), labels[:100].reshape(-1, 1).astype(np.float32)


def main(epochs=200, verbose=True):
    x, y = load_two_features()
    w1 = tf.Variable(tf.ones((2, 3)))
    w2 = tf.Variable(tf.ones((3, 1)))
    optimizer = optimizers.SGD(learning_rate=0.1)
    losses = []
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            hidden = tf.sigmoid(tf.matmul(x, w1))
            output = tf.sigmoid(tf.matmul(hidden, w2))
            loss = tf.reduce_mean(tf.square(y - output))
        gradients = tape.gradient(loss, [w1, w2])
        optimizer.apply_gradients(zip(gradients, [w1, w2]))
        losses.append(float(loss))
        if verbose and (epoch % 20 == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:3d}  loss {loss.numpy():.4f}")
    return losses


if __name__ == "__main__":
    main()
