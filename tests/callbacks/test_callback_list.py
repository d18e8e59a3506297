"""The hooks `fit`, `evaluate` and `predict` call, in Keras 3's order, each with a `logs` dict carrying Keras' keys
(keras-io's "Writing your own callbacks" guide reads `logs.keys()` in every hook)."""
import numpy as np

import fastnn
from fastnn.callbacks.callback import HOOKS


def recorder(base):
    """A callback class (subclassing `base`) that records (hook, sorted logs keys) for every hook."""
    def make(hook):
        def method(self, *args, logs=None):
            if args and isinstance(args[-1], dict):  # logs passed positionally
                *args, logs = args
            assert isinstance(logs, dict), (hook, logs)
            self.events.append((hook, tuple(args), tuple(sorted(logs))))
        return method

    namespace = {hook: make(hook) for hook in HOOKS}
    namespace["events"] = None
    return type("Recorder", (base,), namespace)


def run(M):
    """The guide's first example: fit with validation, evaluate, predict, each with a recording callback."""
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 6)).astype(np.float32), rng.random((40, 1)).astype(np.float32)
    model = M.Sequential([M.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mean_squared_error", metrics=["mean_absolute_error"])
    Recorder = recorder(M.callbacks.Callback)
    events = []
    for call in (lambda cb: model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.5, callbacks=[cb]),
                 lambda cb: model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[cb]),
                 lambda cb: model.predict(x, batch_size=16, verbose=0, callbacks=[cb])):
        cb = Recorder()
        cb.events = []
        call(cb)
        events.append(cb.events)
    return events


def test_hooks_and_their_logs_match_keras(tf):
    ours, theirs = run(fastnn), run(tf.keras)
    for name, got, want in zip(("fit", "evaluate", "predict"), ours, theirs):
        assert got == want, name


def test_a_hook_called_without_logs_gets_an_empty_dict():
    seen = []

    class Keys(fastnn.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(list(logs.keys()))

        def on_epoch_begin(self, epoch, logs=None):
            seen.append((epoch, logs))

    callbacks = fastnn.callbacks.CallbackList([Keys()], None, {})
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(3)
    callbacks.on_epoch_begin(4, None)
    callbacks.on_epoch_begin(5, logs={"loss": 1.0})
    assert seen == [[], (3, {}), (4, {}), (5, {"loss": 1.0})]

