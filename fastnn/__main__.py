"""`python -m fastnn train`: the main job — trains a multilayer perceptron on the embedded 8×8 digits with
fastnn's fused kernels (no network needed), printing per-epoch loss/accuracy and the final test accuracy.

`python -m fastnn info`: version, instruction-set path and threads of this installation.
"""
import argparse
import sys
import time

import numpy as np

import fastnn
from fastnn import _core, kernels
from fastnn.datasets import digits


def info():
    print(f"fastnn {fastnn.__version__}")
    print(f"isa: {fastnn.isa()} (best supported: {_core.best_supported_isa()}; cpu: {_core.cpu_features()})")
    print(f"threads: {fastnn.get_num_threads()} (OpenMP: {'yes' if _core.has_openmp() else 'no'})")
    return 0


class MLP:
    """Dense(hidden, relu) → Dense(10) trained on sparse softmax cross-entropy with Adam, Keras defaults for
    initialisation (glorot_uniform kernels, zero biases) and Keras 3's Adam arithmetic."""

    def __init__(self, n_in, n_hidden, n_out, rng):
        def glorot(fan_in, fan_out):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

        self.params = [glorot(n_in, n_hidden), np.zeros(n_hidden, np.float32),
                       glorot(n_hidden, n_out), np.zeros(n_out, np.float32)]
        self.slots = [(np.zeros_like(p), np.zeros_like(p)) for p in self.params]
        self.step = 0

    def logits(self, x):
        w1, b1, w2, b2 = self.params
        hidden = kernels.dense(x, w1, b1, activation="relu")
        return hidden, kernels.dense(hidden, w2, b2)

    def train_step(self, x, labels, learning_rate):
        w1, b1, w2, b2 = self.params
        hidden, logits = self.logits(x)
        loss, dlogits = kernels.sparse_softmax_cross_entropy_with_logits_and_grad(
            labels, logits, grad_scale=1.0 / len(x))  # mean over the batch, as Keras reduces
        dw2 = kernels.matmul(hidden, dlogits, transpose_a=True)
        db2 = kernels.bias_add_grad(dlogits)
        dhidden = kernels.matmul(dlogits, w2, transpose_b=True)
        dz1, db1 = kernels.dense_activation_grad(dhidden, hidden, activation="relu")
        dw1 = kernels.matmul(x, dz1, transpose_a=True)  # no input gradient for the first layer
        self.step += 1
        for param, grad, (m, v) in zip(self.params, (dw1, db1, dw2, db2), self.slots):
            kernels.adam_update(param, grad, m, v, self.step, learning_rate=learning_rate)
        return float(loss.mean())

    def accuracy(self, x, labels):
        return float((self.logits(x)[1].argmax(axis=1) == labels).mean())


def train(args):
    if args.threads:
        fastnn.set_num_threads(args.threads)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train.reshape(len(x_train), -1) / 16.0).astype(np.float32)
    x_test = (x_test.reshape(len(x_test), -1) / 16.0).astype(np.float32)
    rng = np.random.default_rng(args.seed)
    model = MLP(x_train.shape[1], args.hidden, 10, rng)
    print(f"fastnn {fastnn.__version__} [{fastnn.isa()}, {fastnn.get_num_threads()} threads]: "
          f"MLP 64-{args.hidden}-10 on digits ({len(x_train)} train / {len(x_test)} test), "
          f"Adam({args.learning_rate}), batch {args.batch_size}, {args.epochs} epochs")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = rng.permutation(len(x_train))
        seen, loss_sum = 0, 0.0
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            loss_sum += model.train_step(x_train[idx], y_train[idx], args.learning_rate) * len(idx)
            seen += len(idx)
        if epoch == 1 or epoch == args.epochs or epoch % max(1, args.epochs // 10) == 0:
            print(f"epoch {epoch:3d}/{args.epochs} - loss: {loss_sum / seen:.4f} - "
                  f"accuracy: {model.accuracy(x_train, y_train):.4f} - {(time.perf_counter() - t0) * 1e3:.0f} ms")
    elapsed = time.perf_counter() - start
    print(f"test accuracy: {model.accuracy(x_test, y_test):.4f} (trained in {elapsed:.2f} s)")
    return 0


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, received {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastnn")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print version, ISA path and thread count")
    tr = sub.add_parser("train", help="train an MLP on the embedded 8x8 digits (no network needed)")
    tr.add_argument("--epochs", type=_positive_int, default=15)
    tr.add_argument("--batch-size", type=_positive_int, default=32)
    tr.add_argument("--hidden", type=_positive_int, default=64, help="hidden units (default 64)")
    tr.add_argument("--learning-rate", type=float, default=0.003)
    tr.add_argument("--threads", type=_positive_int, default=None, help="kernel threads (default: OpenMP's)")
    tr.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
