"""What each framework runs for each task kind. A task is a JSON-able dict {"kind": ..., shape params}; every
framework builds the same seeded inputs, so outputs can be compared across processes.

build(fw, framework, task) -> (fn, output): fn() does the timed work, output() returns its result as an array.
"""
import json
import zlib

import numpy as np

FRAMEWORKS = {
    "gemm": ("fastnn", "numpy", "torch", "tf"),
}


def load_framework(name, threads):
    if name == "fastnn":
        import fastnn

        fastnn.set_num_threads(threads)
        return fastnn
    if name == "numpy":
        return np
    if name.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        return torch
    if name == "tf":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        return tf
    raise ValueError(f"unknown framework {name!r}")


def framework_version(fw, name):
    return getattr(fw, "__version__", "?")


def _rng(task):
    return np.random.default_rng(zlib.crc32(json.dumps(task, sort_keys=True).encode()))


def build(fw, name, task):
    builder = globals().get(f"_{task['kind']}_{name.split('_')[0]}")
    if builder is None:
        raise ValueError(f"no {task['kind']} task for {name}")
    return builder(fw, name, task, _rng(task))


# ---------------------------------------------------------------------------------------------------- GEMM
def _gemm_inputs(task, rng):
    m, k, n, ta, tb = task["m"], task["k"], task["n"], task["ta"], task["tb"]
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return a, b, ta, tb


def _gemm_fastnn(fastnn, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    gemm = fastnn._core.gemm
    fn = lambda: gemm(a, b, transpose_a=ta, transpose_b=tb)  # noqa: E731
    return fn, fn


def _gemm_numpy(np_, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    a, b = (a.T if ta else a), (b.T if tb else b)
    fn = lambda: a @ b  # noqa: E731
    return fn, fn


def _gemm_torch(torch, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    at, bt = torch.from_numpy(a), torch.from_numpy(b)
    at, bt = (at.t() if ta else at), (bt.t() if tb else bt)
    fn = lambda: torch.matmul(at, bt)  # noqa: E731
    return fn, lambda: fn().numpy()


def _gemm_tf(tf, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    at, bt = tf.constant(a), tf.constant(b)
    fn = lambda: tf.linalg.matmul(at, bt, transpose_a=ta, transpose_b=tb)  # noqa: E731
    return fn, lambda: fn().numpy()


def flops(task):
    if task["kind"] == "gemm":
        return 2.0 * task["m"] * task["n"] * task["k"]
    return None
