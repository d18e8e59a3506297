"""The Keras MNIST MLP ("Deep Learning with Python" ch. 2 / the Keras getting-started guide), ported by changing
the imports: Dense(512, relu) -> Dense(10, softmax), rmsprop, sparse categorical cross-entropy, batch 128, 5 epochs.

    python examples/mnist_mlp.py            # ~8 s on 2 cores; test accuracy ≈ 0.98
"""
import fastnn
from fastnn import layers                                   # Keras: from tensorflow.keras import layers


def main(epochs=5, verbose="auto"):
    (train_images, train_labels), (test_images, test_labels) = fastnn.datasets.mnist.load_data()
    train_images = train_images.reshape((60000, 28 * 28)).astype("float32") / 255
    test_images = test_images.reshape((10000, 28 * 28)).astype("float32") / 255

    model = fastnn.Sequential([                             # Keras: keras.Sequential
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=128, verbose=verbose)

    predictions = model.predict(test_images[:10], verbose=0)
    print("first test digit:", predictions[0].argmax(), "with probability", f"{predictions[0].max():.3f}")
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print(f"test_acc: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
