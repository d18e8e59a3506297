"""Run by tests/distributed/test_distributed.py, under `mpiexec -n 2` or as a plain process (not collected).

    python mpi_worker.py OUT_DIR train   # under mpiexec: fit and a custom loop for SGD, Adam, RMSprop, data-parallel
    python mpi_worker.py OUT_DIR ref     # one process: the same runs with plain optimizers and the global batch,
                                         # and data-parallel at world size 1
    python mpi_worker.py OUT_DIR fail    # under mpiexec: rank 1 raises during fit
    python mpi_worker.py OUT_DIR FAULT   # under mpiexec: one of the FAULTS below (each must end the job quickly)

Each run writes OUT_DIR/<mode>_<optimizer>_<tag>.npz: the weights (w0, w1, ...) and the fit history (JSON)."""
import json
import os
import sys
import time

import numpy as np

import fastnn
from fastnn import distributed as dist
from fastnn import layers

SAMPLES, FEATURES, CLASSES = 289, 20, 5  # 289 = 9 global batches of 32 + 1 sample: rank 1 gets none of the last
BATCH = 16  # per rank; the single process uses 2 × 16
FAULTS = ("exit", "interrupt", "epochs", "samples", "shapes", "layers", "optimizer", "stream", "evaluate", "stall")
EPOCHS = 2
OPTIMIZERS = {"sgd": lambda: fastnn.optimizers.SGD(0.05, momentum=0.9),
              "adam": lambda: fastnn.optimizers.Adam(0.01),
              "rmsprop": lambda: fastnn.optimizers.RMSprop(0.01)}


def data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype(np.float32)
    y = (np.abs(x[:, :CLASSES]).argmax(axis=1) + (x[:, -1] > 1)) % CLASSES  # learnable, not trivial
    return x, y.astype(np.int64)


def model():
    """Seeded differently on each rank on purpose: rank 0's initial weights and shuffles must win."""
    fastnn.utils.set_random_seed(1 + (dist.rank() if dist.is_initialized() else 0))
    return fastnn.Sequential([layers.Input((FEATURES,)), layers.Dense(32, activation="relu"),
                              layers.Dense(CLASSES, activation="softmax")])


def run_fit(optimizer, batch_size, out, tag, distributed):
    x, y = data()
    net = model()
    if distributed:
        optimizer = dist.DistributedOptimizer(optimizer)
    net.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = []
    if distributed:  # only rank 0 may write it
        callbacks.append(fastnn.callbacks.ModelCheckpoint(os.path.join(out, f"ckpt_rank{dist.rank()}.npz"),
                                                          save_weights_only=True))
    history = net.fit(x, y, batch_size=batch_size, epochs=EPOCHS, verbose=0, validation_data=(x[:101], y[:101]),
                      callbacks=callbacks)
    return net, history.history


def run_loop(optimizer, batch_size, out, tag, distributed):
    x, y = data()
    net = model()
    loss_fn = fastnn.losses.SparseCategoricalCrossentropy()
    weights = net.trainable_weights
    if distributed:
        optimizer = dist.DistributedOptimizer(optimizer)
        dist.broadcast_variables(net.weights)
    for _ in range(EPOCHS):
        if distributed:
            batches = dist.batch_indices(SAMPLES, batch_size, shuffle=True)
        else:
            order = fastnn.random.shuffle(np.arange(SAMPLES)).numpy()
            batches = (order[i:i + batch_size] for i in range(0, SAMPLES, batch_size))
        for idx in batches:
            if len(idx):
                with fastnn.GradientTape() as tape:
                    loss = loss_fn(y[idx], net(x[idx], training=True))
                grads = tape.gradient(loss, weights)
            else:
                grads = [None] * len(weights)
            if distributed:
                optimizer.apply_gradients(zip(grads, weights), num_samples=len(idx))
            else:
                optimizer.apply_gradients(zip(grads, weights))
    return net, {}


def _stop_rank_1_at_batch_3(error):
    def stop(batch, logs):
        if dist.rank() == 1 and batch == 3:
            if error is SystemExit:
                sys.exit(3)
            raise error("rank 1 stops on purpose")
    return fastnn.callbacks.LambdaCallback(on_train_batch_end=stop)


def _two_layers(units, use_bias=True):
    return fastnn.Sequential([layers.Input((FEATURES,)), layers.Dense(units[0], activation="relu", use_bias=use_bias),
                              layers.Dense(units[1], activation="softmax", use_bias=use_bias)])


def fault(what):
    """Rank 1 differs from rank 0 in one way (what); the job must end with a message, never hang."""
    x, y = data()
    me = dist.rank()
    net, optimizer, kwargs = model(), fastnn.optimizers.SGD(0.1), {"epochs": 1000, "callbacks": []}
    if what == "exit":          # sys.exit(3) in the middle of an epoch
        kwargs["callbacks"] = [_stop_rank_1_at_batch_3(SystemExit)]
    elif what == "interrupt":   # Ctrl-C
        kwargs["callbacks"] = [_stop_rank_1_at_batch_3(KeyboardInterrupt)]
    elif what == "epochs":      # fewer epochs than rank 0
        kwargs["epochs"] = 2 + me
    elif what == "samples":     # one sample fewer
        x, y = (x[:-1], y[:-1]) if me else (x, y)
    elif what == "shapes":      # the same parameter count (800) in other shapes
        net = _two_layers((32, 5) if me == 0 else (20, 20), use_bias=False)
    elif what == "layers":      # a different number of weights
        net = _two_layers((32, 5), use_bias=me == 0)
    elif what == "optimizer":
        optimizer = fastnn.optimizers.SGD(0.1 * (me + 1))
    elif what == "stream":      # rank 1's generator ends an epoch 2 batches early
        def batches(xs, ys):
            for start in range(0, SAMPLES - 2 * BATCH * me, BATCH):
                yield xs[start:start + BATCH], ys[start:start + BATCH]
        x, y, kwargs["epochs"] = batches(x, y), None, 1
    elif what == "evaluate":    # sys.exit(4) inside a data-parallel evaluate (in a metric)
        def exiting_accuracy(y_true, y_pred):
            if me == 1:
                sys.exit(4)
            return fastnn.metrics.sparse_categorical_accuracy(y_true, y_pred)
        net.compile(dist.DistributedOptimizer(optimizer), "sparse_categorical_crossentropy",
                    metrics=[exiting_accuracy])
        net.evaluate(x, y, batch_size=BATCH, verbose=0)
        return
    elif what == "stall" and me == 1:
        time.sleep(120)  # rank 1 never calls fit: rank 0 waits in the start check until the watchdog fires
        return
    net.compile(dist.DistributedOptimizer(optimizer), "sparse_categorical_crossentropy")
    net.fit(x, y, batch_size=BATCH, verbose=0, **kwargs)


def save(out, name, net, history):
    np.savez(os.path.join(out, name + ".npz"), history=json.dumps(history),
             **{f"w{i}": w for i, w in enumerate(net.get_weights())})


def main(out, what):
    if what == "ref":
        for mode, run in (("fit", run_fit), ("loop", run_loop)):
            for name, make in OPTIMIZERS.items():
                save(out, f"{mode}_{name}_ref", *run(make(), 2 * BATCH, out, "ref", False))
        dist.init()
        assert dist.size() == 1
        for name, make in OPTIMIZERS.items():  # world of one: the data-parallel path must be the plain one
            save(out, f"fit_{name}_single", *run_fit(make(), 2 * BATCH, out, "single", True))
        return
    dist.init()
    assert dist.size() == 2, dist.size()
    if what == "fail":
        def explode(batch, logs):
            if dist.rank() == 1 and batch == 3:
                raise RuntimeError("rank 1 fails on purpose")
        x, y = data()
        net = model()
        net.compile(dist.DistributedOptimizer(fastnn.optimizers.SGD(0.1)), "sparse_categorical_crossentropy")
        net.fit(x, y, batch_size=BATCH, epochs=1000, verbose=0,
                callbacks=[fastnn.callbacks.LambdaCallback(on_train_batch_end=explode)])
        return
    if what in FAULTS:
        fault(what)
        return
    me = dist.rank()
    api = {"rank": me, "size": dist.size(), "local_rank": dist.local_rank(), "local_size": dist.local_size(),
           "sum": dist.allreduce(np.array([1.0, 10.0], np.float32) * (me + 1), op="sum").tolist(),
           "average": dist.allreduce(np.array([1.0, 10.0]) * (me + 1)).tolist(),
           "int_average": float(dist.allreduce(np.array(me + 1))),
           "broadcast": dist.broadcast(np.array([7, 0]) if me == 0 else np.array([-1, -1])).tolist(),
           "object": dist.broadcast_object({"from": me})}
    with open(os.path.join(out, f"api_rank{me}.json"), "w") as f:
        json.dump(api, f)
    for mode, run in (("fit", run_fit), ("loop", run_loop)):
        for name, make in OPTIMIZERS.items():
            save(out, f"{mode}_{name}_rank{me}", *run(make(), BATCH, out, "dist", True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
