"""`python -m fastnn train`: the main job — trains a model with `compile`/`fit` (Keras-style progress) and
prints the test accuracy and time. Defaults: the MLP on the embedded 8×8 digits (no network needed, a few seconds).

    python -m fastnn train [--model mlp|lenet] [--dataset digits|mnist] [--epochs N] [--batch-size N]
                           [--learning-rate LR] [--threads N] [--seed N] [--plot FILE]

`python -m fastnn info`: version, instruction-set path and threads of this installation.

Under an MPI launcher (`mpiexec -n 2 python -m fastnn train ...`, extra `mpi`) the job trains data-parallel:
`--batch-size` stays the global batch (split evenly over the ranks), so the result equals the single-process run;
only rank 0 prints.
"""
import argparse
import sys
import time

import numpy as np

import fastnn
from fastnn import _core, layers


def info():
    print(f"fastnn {fastnn.__version__}")
    print(f"isa: {fastnn.isa()} (best supported: {_core.best_supported_isa()}; cpu: {_core.cpu_features()})")
    print(f"threads: {fastnn.get_num_threads()} (OpenMP: {'yes' if _core.has_openmp() else 'no'})")
    return 0


def load(dataset):
    """(x_train, y_train), (x_test, y_test) as float32 images (n, h, w, 1) in [0, 1] and int labels."""
    if dataset == "digits":
        (x_train, y_train), (x_test, y_test) = fastnn.datasets.digits.load_data()
        scale = 16.0
    else:
        (x_train, y_train), (x_test, y_test) = fastnn.datasets.mnist.load_data()
        scale = 255.0
    prep = lambda x: (x[..., None] / scale).astype(np.float32)  # noqa: E731
    return (prep(x_train), y_train.astype(np.int64)), (prep(x_test), y_test.astype(np.int64))


def build(model_name, image_shape, hidden):
    """The seed MLP (Flatten, Dense(hidden, relu), Dense(10, softmax)) or LeNet (two conv/pool/ReLU stages,
    Dense 120-84-10); small images (the 8×8 digits) use 'same' padding so LeNet's stages fit."""
    if model_name == "mlp":
        return fastnn.Sequential([layers.Input(image_shape), layers.Flatten(),
                                  layers.Dense(hidden, activation="relu"), layers.Dense(10, activation="softmax")])
    padding = "same" if image_shape[0] < 16 else "valid"
    return fastnn.Sequential([
        layers.Input(image_shape),
        layers.Conv2D(6, 3, padding=padding), layers.MaxPool2D(2, 2), layers.ReLU(),
        layers.Conv2D(16, 3, padding=padding), layers.MaxPool2D(), layers.ReLU(),
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


DEFAULTS = {  # (model, dataset) -> epochs, batch size, optimizer, learning rate
    ("mlp", "digits"): (15, 32, "adam", 0.003),
    ("lenet", "digits"): (15, 32, "adam", 0.003),
    ("mlp", "mnist"): (5, 128, "rmsprop", 0.001),
    ("lenet", "mnist"): (3, 128, "adam", 0.001),
}


def _ranks():
    """1, or the world size after joining it when an MPI launcher started more than one process."""
    if fastnn.distributed.launched_world_size() == 1:
        return 1
    return fastnn.distributed.init()


def train(args):
    ranks = _ranks()
    root = ranks == 1 or fastnn.distributed.rank() == 0  # only rank 0 prints and plots
    say = print if root else lambda *args, **kwargs: None
    if args.threads:
        fastnn.set_num_threads(args.threads)
    fastnn.utils.set_random_seed(args.seed)
    epochs, batch_size, optimizer_name, learning_rate = DEFAULTS[(args.model, args.dataset)]
    epochs = args.epochs or epochs
    batch_size = args.batch_size or batch_size
    learning_rate = args.learning_rate or learning_rate
    if batch_size % ranks:
        raise SystemExit(f"--batch-size {batch_size} must be a multiple of the {ranks} ranks")
    (x_train, y_train), (x_test, y_test) = load(args.dataset)
    hidden = args.hidden or (64 if args.dataset == "digits" else 512)
    model = build(args.model, x_train.shape[1:], hidden)
    optimizer = fastnn.optimizers.get({"class_name": optimizer_name,
                                       "config": {"learning_rate": learning_rate}})
    name = type(optimizer).__name__
    if ranks > 1:
        optimizer = fastnn.distributed.DistributedOptimizer(optimizer)  # fit/evaluate shard over the ranks
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    say(f"fastnn {fastnn.__version__} [{fastnn.isa()}, {fastnn.get_num_threads()} threads"
        f"{f' x {ranks} ranks' if ranks > 1 else ''}]: {args.model} ({model.count_params():,} params) on "
        f"{args.dataset} ({len(x_train)} train / {len(x_test)} test), {name}({learning_rate}), batch {batch_size}"
        f"{f' ({batch_size // ranks} per rank)' if ranks > 1 else ''}, {epochs} epochs")
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=batch_size // ranks, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=args.verbose)
    elapsed = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    say(f"test accuracy: {accuracy:.4f} - test loss: {loss:.4f} (trained in {elapsed:.2f} s, "
        f"{elapsed / epochs:.2f} s/epoch)")
    if args.plot and root:
        history.plot(args.plot, title=f"fastnn {args.model} on {args.dataset}")
        print(f"training curves written to {args.plot}")
    return 0


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, received {text!r}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, received {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastnn")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print version, ISA path and thread count")
    tr = sub.add_parser("train", help="train a model (default: an MLP on the embedded 8x8 digits, no network)")
    tr.add_argument("--model", choices=("mlp", "lenet"), default="mlp")
    tr.add_argument("--dataset", choices=("digits", "mnist"), default="digits",
                    help="digits ships with fastnn; mnist is read from FASTNN_MNIST_DIR or downloaded once")
    tr.add_argument("--epochs", type=_positive_int, default=None)
    tr.add_argument("--batch-size", type=_positive_int, default=None)
    tr.add_argument("--hidden", type=_positive_int, default=None, help="MLP hidden units (64 digits, 512 mnist)")
    tr.add_argument("--learning-rate", type=_positive_float, default=None)
    tr.add_argument("--threads", type=_positive_int, default=None, help="kernel threads (default: OpenMP's)")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1)
    tr.add_argument("--plot", metavar="FILE", default=None, help="save loss/accuracy curves to this PNG")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
