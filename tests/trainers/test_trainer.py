"""Model.train_step / test_step / predict_step overrides with Keras 3's contract (issue 15): the programs of
keras.io's "Customizing what happens in fit()" guide, run on fastnn and on Keras from the same initial weights, and
the loop's own promises (a raising train_step raises, metrics reset per epoch, compile without a loss)."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

R = np.random.default_rng(5)
X = R.standard_normal((64, 8)).astype(np.float32)
Y = (X @ R.standard_normal((8, 1)).astype(np.float32) + 0.1).astype(np.float32)
KERNEL = np.linspace(-0.5, 0.5, 8, dtype=np.float32).reshape(8, 1)


def _custom_model_class(M, keras_module):
    """The guide's first CustomModel: train_step with self.compute_loss and a loop over self.metrics."""
    class CustomModel(keras_module.Model):
        def train_step(self, data):
            x, y = data
            with M.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply(gradients, trainable_vars)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}
    return CustomModel


def _run_first_example(M, keras_module):
    CustomModel = _custom_model_class(M, keras_module)
    inputs = keras_module.Input(shape=(8,))
    outputs = keras_module.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)  # functional subclassing
    model.layers[-1].set_weights([KERNEL, np.zeros(1, np.float32)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return model, history.history


def test_custom_train_step_with_compute_loss_matches_keras():
    import keras
    import tensorflow as tf

    model, ours = _run_first_example(fastnn, fastnn)
    assert type(model).__name__ == "CustomModel" and isinstance(model, fastnn.Model)
    _, theirs = _run_first_example(tf, keras)
    assert sorted(ours) == sorted(theirs) == ["loss", "mae"]
    for key in ours:
        assert_close_scaled(np.array(ours[key]), np.array(theirs[key]), tol=1e-5, err_msg=key)


def _run_lower_level_example(M, keras_module):
    """The guide's second example: no loss in compile, the model's own trackers and `metrics` property."""
    class CustomModel(keras_module.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras_module.metrics.Mean(name="loss")
            self.mae_metric = keras_module.metrics.MeanAbsoluteError(name="mae") if hasattr(
                keras_module.metrics, "MeanAbsoluteError") else keras_module.metrics.MeanMetricWrapper(
                    lambda y, p: M.reduce_mean(M.abs(y - p), axis=-1), name="mae")

        def train_step(self, data):
            x, y = data
            with M.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras_module.losses.mean_squared_error(y, y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply(gradients, trainable_vars)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = keras_module.Input(shape=(8,))
    model = CustomModel(inputs, keras_module.layers.Dense(1)(inputs))
    model.layers[-1].set_weights([KERNEL, np.zeros(1, np.float32)])
    model.compile(optimizer="adam")
    return model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0).history


def test_custom_trackers_and_compile_without_a_loss_match_keras():
    import keras
    import tensorflow as tf

    ours, theirs = _run_lower_level_example(fastnn, fastnn), _run_lower_level_example(tf, keras)
    for key in ("loss", "mae"):
        assert_close_scaled(np.array(ours[key]), np.array(theirs[key]), tol=1e-5, err_msg=key)
    assert ours["loss"][2] < ours["loss"][0]  # the trackers were reset each epoch, so epochs differ


def _run_sample_weight_and_test_step(M, keras_module):
    class CustomModel(keras_module.Model):
        def train_step(self, data):
            x, y, sample_weight = data  # (x, y, sample_weight) as fit packs it
            with M.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return self.compute_metrics(x, y, y_pred, sample_weight)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name != "loss":
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics if m.name != "loss"}

    inputs = keras_module.Input(shape=(8,))
    model = CustomModel(inputs, keras_module.layers.Dense(1)(inputs))
    model.layers[-1].set_weights([KERNEL, np.zeros(1, np.float32)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    weights = np.linspace(0.5, 1.5, len(X), dtype=np.float32)
    history = model.fit(X, Y, sample_weight=weights, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    return history, model.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True)


def test_sample_weight_unpacking_compute_metrics_and_test_step_match_keras():
    import keras
    import tensorflow as tf

    (ours, ours_eval), (theirs, theirs_eval) = (_run_sample_weight_and_test_step(fastnn, fastnn),
                                                _run_sample_weight_and_test_step(tf, keras))
    assert_close_scaled(np.array(ours["mae"]), np.array(theirs["mae"]), tol=1e-5)
    assert sorted(ours_eval) == sorted(theirs_eval) == ["mae"]
    assert ours_eval["mae"] == pytest.approx(float(theirs_eval["mae"]), rel=1e-5)


def test_predict_step_override_is_used():
    class Doubling(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.dense = fastnn.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def predict_step(self, data):
            x, _, _ = fastnn.utils.unpack_x_y_sample_weight(data)
            return self(x) * 2.0

    model = Doubling()
    plain = model(X).numpy()
    np.testing.assert_allclose(model.predict(X, batch_size=10, verbose=0), 2 * plain, rtol=1e-6)


def test_a_raising_train_step_raises_out_of_fit():
    class Broken(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.dense = fastnn.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            raise RuntimeError("custom step failed")

    model = Broken()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(RuntimeError, match="custom step failed"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(RuntimeError, match="custom step failed"):
        model.train_on_batch(X, Y)


def test_train_step_must_return_a_dict_of_logs():
    class NoLogs(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.dense = fastnn.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            return 3.0

    model = NoLogs()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="must return a dict"):
        model.fit(X, Y, verbose=0)


def test_add_loss_only_model_trains_without_a_compiled_loss_or_labels():
    class Autoencoder(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.encode = fastnn.layers.Dense(4, activation="tanh")
            self.decode = fastnn.layers.Dense(8)

        def call(self, x):
            reconstruction = self.decode(self.encode(x))
            self.add_loss(fastnn.reduce_mean(fastnn.square(reconstruction - x)))
            return reconstruction

    fastnn.utils.set_random_seed(1)
    model = Autoencoder()
    model.compile(optimizer="adam")
    history = model.fit(X, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_default_steps_are_public_and_equal_the_fast_path():
    def trained(step_by_hand):
        fastnn.utils.set_random_seed(3)
        model = fastnn.Sequential([fastnn.Input((8,)), fastnn.layers.Dense(4, activation="relu"),
                                   fastnn.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        if step_by_hand:
            logs = [model.train_step((X[i:i + 16], Y[i:i + 16])) for i in range(0, 64, 16)]
        else:
            logs = [model.train_on_batch(X[i:i + 16], Y[i:i + 16], return_dict=True) for i in range(0, 64, 16)]
        return model.get_weights(), logs[-1]
    (w_fast, _), (w_step, logs) = trained(False), trained(True)
    for a, b in zip(w_fast, w_step):
        np.testing.assert_array_equal(a, b)
    assert sorted(logs) == ["loss", "mae"]


def _weighted_and_plain_metrics(M, keras_module):
    def mae(y, p):
        return M.reduce_mean(M.abs(y - p), axis=-1)
    inputs = keras_module.Input(shape=(8,))
    model = keras_module.Model(inputs, keras_module.layers.Dense(1)(inputs))
    model.layers[-1].set_weights([KERNEL, np.zeros(1, np.float32)])
    model.compile(optimizer="sgd", loss="mse", metrics=[mae], weighted_metrics=[mae])
    weights = np.linspace(0.5, 1.5, len(X), dtype=np.float32)
    return model.fit(X, Y, sample_weight=weights, batch_size=16, epochs=2, shuffle=False, verbose=0).history


def test_metrics_ignore_sample_weights_and_weighted_metrics_use_them_like_keras():
    import keras
    import tensorflow as tf

    ours, theirs = _weighted_and_plain_metrics(fastnn, fastnn), _weighted_and_plain_metrics(tf, keras)
    assert sorted(ours) == sorted(theirs) == ["loss", "mae", "weighted_mae"], (ours, theirs)
    for key in ours:
        assert_close_scaled(np.array(ours[key]), np.array(theirs[key]), tol=1e-5, err_msg=key)
    assert ours["mae"] != ours["weighted_mae"]


def _shapes_seen_by_train_step(keras_module, x):
    """fit(x) without targets: what `data` train_step receives (keras.io's VAE reads it as the image batch)."""
    seen = []

    class Recorder(keras_module.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras_module.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            seen.append(type(data).__name__ if isinstance(data, (list, tuple)) else tuple(data.shape))
            return {"seen": float(len(seen))}

    model = Recorder()
    model.compile(optimizer="sgd", run_eagerly=True)  # eager in Keras too, so that the batch shape is concrete
    model.fit(x, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return seen


def test_fit_without_targets_hands_train_step_the_bare_batch():
    import keras

    x = np.ones((8, 3), np.float32)
    ours, theirs = _shapes_seen_by_train_step(fastnn, x), _shapes_seen_by_train_step(keras, x)
    assert ours == theirs == [(4, 3), (4, 3)]
    assert fastnn.utils.unpack_x_y_sample_weight(fastnn.utils.pack_x_y_sample_weight([x, x])) == ([x, x], None, None)


def _distiller_like_accuracy(M, keras_module):
    """A train_step in tf.keras 2's style (keras.io's knowledge distillation): `self.compiled_metrics`."""
    class Student(keras_module.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras_module.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.compiled_metrics.update_state(y, y_pred)
            return {"acc": self.metrics[1].result()["sparse_categorical_accuracy"],
                    "loss": self.compiled_loss(y, y_pred)}

    model = Student()
    model(X[:1])  # builds the Dense in both frameworks
    model.dense.set_weights([np.tile(KERNEL, (1, 3)) * [1.0, -1.0, 0.5], np.zeros(3, np.float32)])
    model.compile(optimizer="sgd", loss=keras_module.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras_module.metrics.SparseCategoricalAccuracy()], run_eagerly=True)
    labels = (np.arange(64) % 3).astype(np.int64)
    return model.evaluate(X, labels, batch_size=16, verbose=0, return_dict=True)


def test_compiled_metrics_and_compiled_loss_work_and_warn_as_in_keras():
    import keras
    import tensorflow as tf

    with pytest.warns(DeprecationWarning, match="deprecated"):
        ours = _distiller_like_accuracy(fastnn, fastnn)
    with pytest.warns(UserWarning, match="deprecated"):  # Keras warns too (a UserWarning)
        theirs = _distiller_like_accuracy(tf, keras)
    assert set(ours) >= {"acc", "loss"}
    for key in ("acc", "loss"):
        assert_close_scaled(np.array(ours[key]), np.array(theirs[key]), tol=1e-5, err_msg=key)
