"""MNIST with a model written from scratch, as in "Deep Learning with Python" (ch. 2, "Reimplementing our first
example from scratch"): `NaiveDense` layers holding Variables made with `fastnn.random.uniform`, a
`NaiveSequential` container with a `weights` property, a batch generator, a GradientTape step with
`sparse_categorical_crossentropy`, and `SGD(1e-3)`.

    python examples/mnist_naive_dense.py          # 10 epochs (~1 min on 2 cores); the book reports ≈ 0.81

The data comes from `fastnn.datasets.mnist.load_data()` (downloaded once into the cache, or a local folder of
the IDX files; see that module).
"""
import math

import numpy as np

import fastnn


class NaiveDense:
    def __init__(self, input_size, output_size, activation):
        self.activation = activation
        w_initial_value = fastnn.random.uniform((input_size, output_size), minval=0, maxval=1e-1)
        self.W = fastnn.Variable(w_initial_value)
        self.b = fastnn.Variable(fastnn.zeros((output_size,)))

    def __call__(self, inputs):
        return self.activation(fastnn.matmul(inputs, self.W) + self.b)

    @property
    def weights(self):
        return [self.W, self.b]


class NaiveSequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self):
        return [w for layer in self.layers for w in layer.weights]


class BatchGenerator:
    def __init__(self, images, labels, batch_size=128):
        assert len(images) == len(labels)
        self.index = 0
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.num_batches = math.ceil(len(images) / batch_size)

    def next(self):
        images = self.images[self.index: self.index + self.batch_size]
        labels = self.labels[self.index: self.index + self.batch_size]
        self.index += self.batch_size
        return images, labels


def build_model():
    return NaiveSequential([
        NaiveDense(input_size=28 * 28, output_size=512, activation=fastnn.nn.relu),
        NaiveDense(input_size=512, output_size=10, activation=fastnn.nn.softmax),
    ])


optimizer = fastnn.optimizers.SGD(learning_rate=1e-3)


def update_weights(gradients, weights):
    optimizer.apply_gradients(zip(gradients, weights))


def one_training_step(model, images_batch, labels_batch):
    with fastnn.GradientTape() as tape:
        predictions = model(images_batch)
        per_sample_losses = fastnn.losses.sparse_categorical_crossentropy(labels_batch, predictions)
        average_loss = fastnn.reduce_mean(per_sample_losses)
    gradients = tape.gradient(average_loss, model.weights)
    update_weights(gradients, model.weights)
    return average_loss


def fit(model, images, labels, epochs, batch_size=128, verbose=True):
    for epoch_counter in range(epochs):
        if verbose:
            print(f"Epoch {epoch_counter}")
        batch_generator = BatchGenerator(images, labels, batch_size)
        for batch_counter in range(batch_generator.num_batches):
            images_batch, labels_batch = batch_generator.next()
            loss = one_training_step(model, images_batch, labels_batch)
            if verbose and batch_counter % 100 == 0:
                print(f"loss at batch {batch_counter}: {loss:.2f}")


def main(epochs=10, seed=0, verbose=True):
    fastnn.random.set_seed(seed)
    (train_images, train_labels), (test_images, test_labels) = fastnn.datasets.mnist.load_data()
    train_images = train_images.reshape((60000, 28 * 28)).astype("float32") / 255
    test_images = test_images.reshape((10000, 28 * 28)).astype("float32") / 255

    model = build_model()
    fit(model, train_images, train_labels, epochs=epochs, batch_size=128, verbose=verbose)

    predictions = model(test_images).numpy()
    predicted_labels = np.argmax(predictions, axis=1)
    matches = predicted_labels == test_labels
    if verbose:
        print(f"accuracy: {matches.mean():.2f}")
    return float(matches.mean())


if __name__ == "__main__":
    main()
