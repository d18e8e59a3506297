"""A 64-30-10 ReLU network on the 8×8 digits, trained with a hand-written loop: Variables, a GradientTape,
`softmax_cross_entropy_with_logits`, Adam(0.02), shuffled mini-batches and an accuracy function.

    python examples/digits_custom_loop.py        # ~2 s; prints the loss per epoch and the test accuracy

The TensorFlow original differs only in names: `tf.` for `fastnn.` and `tf.keras.optimizers` for
`fastnn.optimizers`.
"""
import numpy as np

import fastnn


def load_digits(seed=0):
    """All 1,797 digits split at random 80/20, as the tutorial does (`train_test_split`); pixels scaled to [0, 1].
    (fastnn.datasets.digits' own fixed split holds out the last 360 images, a harder set: ~0.91 there.)"""
    (x_a, y_a), (x_b, y_b) = fastnn.datasets.digits.load_data()
    images = np.concatenate([x_a, x_b]).reshape(-1, 64).astype("float32") / 16.0
    labels = np.concatenate([y_a, y_b]).astype("int64")
    order = np.random.default_rng(seed).permutation(len(images))
    train, test = order[:1437], order[1437:]
    return images[train], labels[train], images[test], labels[test]


def accuracy(logits, labels):
    """Share of rows whose largest logit is at the label."""
    hits = fastnn.equal(fastnn.argmax(logits, axis=1), labels)
    return float(fastnn.reduce_mean(fastnn.cast(hits, fastnn.float32)))


def main(epochs=20, batch_size=32, seed=0, verbose=True):
    x_train, y_train, x_test, y_test = load_digits(seed)
    y_train_onehot = fastnn.one_hot(y_train, 10).numpy()

    fastnn.random.set_seed(seed)
    w1 = fastnn.Variable(fastnn.random.normal((64, 30), stddev=0.1, seed=seed), name="w1")
    b1 = fastnn.Variable(fastnn.zeros(30), name="b1")
    w2 = fastnn.Variable(fastnn.random.normal((30, 10), stddev=0.1, seed=seed + 1), name="w2")
    b2 = fastnn.Variable(fastnn.zeros(10), name="b2")
    variables = [w1, b1, w2, b2]

    def model(x):
        hidden = fastnn.nn.relu(fastnn.matmul(x, w1) + b1)
        return fastnn.matmul(hidden, w2) + b2

    optimizer = fastnn.optimizers.Adam(learning_rate=0.02)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        losses = []
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            with fastnn.GradientTape() as tape:
                logits = model(x_train[batch])
                loss = fastnn.reduce_mean(
                    fastnn.nn.softmax_cross_entropy_with_logits(labels=y_train_onehot[batch], logits=logits))
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            losses.append(float(loss))
        if verbose:
            print(f"epoch {epoch + 1:2d}: loss {np.mean(losses):.4f}, "
                  f"test accuracy {accuracy(model(x_test), y_test):.4f}")
    test_accuracy = accuracy(model(x_test), y_test)
    if verbose:
        print(f"test accuracy: {test_accuracy:.4f}")
    return test_accuracy


if __name__ == "__main__":
    main()
