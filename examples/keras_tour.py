"""A tour of the Keras API on fastnn, on the 8×8 digits (shipped, no download): Sequential add/build/summary,
compile/fit with validation_data and validation_freq, History, predict, metrics, saving weights and whole models,
a custom Layer and a Model subclass, EarlyStopping, Dropout, L2 regularization and augmentation layers.

    python examples/keras_tour.py
"""
import os
import tempfile

import numpy as np

import fastnn
from fastnn import layers


def load():
    (x_train, y_train), (x_test, y_test) = fastnn.datasets.digits.load_data()
    return ((x_train.reshape(-1, 64) / 16.0).astype("float32"), y_train.astype("int64"),
            (x_test.reshape(-1, 64) / 16.0).astype("float32"), y_test.astype("int64"))


class Scale(layers.Layer):
    """A custom layer: one trainable scale per feature, created in build()."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, inputs):
        return fastnn.multiply(inputs, self.scale)


class ResidualMLP(fastnn.Model):
    """A Model subclass: layers in __init__, the forward pass in call()."""

    def __init__(self, units=64, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = Scale()
        self.hidden = layers.Dense(units, activation="relu")
        self.refine = layers.Dense(units, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.classifier = layers.Dense(10, activation="softmax")

    def call(self, inputs, training=None):
        h = self.hidden(self.scale(inputs))
        h = h + self.refine(h)
        return self.classifier(self.dropout(h, training=training))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def main(verbose=1):
    fastnn.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = load()
    results = {}

    # 1. Sequential: add layers one by one, build, summary
    model = fastnn.Sequential(name="digits_mlp")
    model.add(layers.Dense(64, activation="relu", kernel_regularizer=fastnn.regularizers.L2(1e-4)))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(10, activation="softmax"))
    model.build((None, 64))
    if verbose:
        model.summary()

    # 2. compile / fit with validation every second epoch; History; then resume with EarlyStopping
    model.compile(optimizer=fastnn.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=10, validation_data=(x_test, y_test),
                        validation_freq=2, verbose=verbose)
    results["history_keys"] = sorted(history.history)
    results["validated_epochs"] = len(history.history["val_loss"])
    stop = fastnn.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    more = model.fit(x_train, y_train, batch_size=32, epochs=40, initial_epoch=10,
                     validation_data=(x_test, y_test), callbacks=[stop], verbose=verbose)
    results["epochs_run"] = 10 + len(more.epoch)

    # 3. predict and standalone metrics
    probabilities = model.predict(x_test, verbose=0)
    accuracy = fastnn.metrics.SparseCategoricalAccuracy()
    accuracy.update_state(y_test, probabilities)
    results["sequential_accuracy"] = float(accuracy.result())

    # 4. save and load: weights only, then the whole model
    folder = tempfile.mkdtemp()
    model.save_weights(os.path.join(folder, "digits.weights.npz"))
    twin = fastnn.Sequential([layers.Input((64,)), layers.Dense(64, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(10, activation="softmax")])
    twin.load_weights(os.path.join(folder, "digits.weights.npz"))
    model.save(os.path.join(folder, "digits_model.npz"))
    restored = fastnn.models.load_model(os.path.join(folder, "digits_model.npz"))
    results["weights_reloaded"] = bool(np.array_equal(twin.predict(x_test, verbose=0), probabilities))
    results["model_reloaded"] = bool(np.array_equal(restored.predict(x_test, verbose=0), probabilities))

    # 5. a Model subclass with a custom layer, trained the same way
    custom = ResidualMLP()
    custom.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    custom.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    results["subclass_accuracy"] = custom.evaluate(x_test, y_test, verbose=0)[1]
    # 6. augmentation layers: active in fit, the identity in predict/evaluate
    augmented = fastnn.Sequential([
        layers.Input((8, 8, 1)),
        layers.RandomRotation(0.03), layers.RandomZoom(0.1), layers.RandomTranslation(0.1, 0.1),
        layers.Conv2D(16, 3, activation="relu", padding="same"), layers.MaxPool2D(),
        layers.Flatten(), layers.Dense(10, activation="softmax"),
    ])
    augmented.compile(optimizer=fastnn.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    augmented.fit(x_train.reshape(-1, 8, 8, 1), y_train, epochs=15, batch_size=32, verbose=0)
    results["augmented_cnn_accuracy"] = augmented.evaluate(x_test.reshape(-1, 8, 8, 1), y_test, verbose=0)[1]
    if verbose:
        for key, value in results.items():
            print(f"{key}: {value}")
    return results


if __name__ == "__main__":
    main()
