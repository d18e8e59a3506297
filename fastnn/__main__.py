"""`python -m fastnn train`: the main job — trains a model with `compile`/`fit` (Keras-style progress) and
prints the test accuracy and time. Defaults: the MLP on the embedded 8×8 digits (no network needed, a few seconds).

    python -m fastnn train [--model mlp|lenet] [--dataset digits|mnist] [--data-dir DIR] [--epochs N]
                           [--batch-size N] [--learning-rate LR] [--threads N] [--seed N] [--plot FILE]

The last 10 % of the training set is held out for the `val_*` columns; the test set is scored once, at the end.
`python -m fastnn train --help` lists every option with its default; `python -m fastnn --version` and
`python -m fastnn info` (version, instruction-set path and threads of this installation).

Under an MPI launcher (`mpiexec -n 2 python -m fastnn train ...`, extra `mpi`) the job trains data-parallel:
`--batch-size` stays the global batch (split evenly over the ranks), so the result equals the single-process run;
only rank 0 prints.
"""
import argparse
import os
import re
import sys
import time

import numpy as np

import fastnn
from fastnn import layers
from fastnn.kernels import runtime


def info():
    print(f"fastnn {fastnn.__version__}")
    print(f"isa: {fastnn.isa()} (best supported: {runtime.best_supported_isa()}; cpu: {runtime.cpu_features()})")
    print(f"threads: {fastnn.get_num_threads()} (OpenMP: {'yes' if runtime.has_openmp() else 'no'})")
    return 0


def load(dataset, data_dir=None):
    """(x_train, y_train), (x_test, y_test) as float32 images (n, h, w, 1) in [0, 1] and int labels; MNIST from
    `data_dir` when given (else FASTNN_MNIST_DIR or the download cache)."""
    if dataset == "digits":
        (x_train, y_train), (x_test, y_test) = fastnn.datasets.digits.load_data()
        scale = 16.0
    else:
        (x_train, y_train), (x_test, y_test) = fastnn.datasets.mnist.load_data(path=data_dir)
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


VALIDATION_SPLIT = 0.1  # the val_* columns; the test set is scored once, after training


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
    (x_train, y_train), (x_test, y_test) = load(args.dataset, args.data_dir)
    hidden = args.hidden or (64 if args.dataset == "digits" else 512)
    model = build(args.model, x_train.shape[1:], hidden)
    optimizer = fastnn.optimizers.get({"class_name": optimizer_name,
                                       "config": {"learning_rate": learning_rate}})
    name = type(optimizer).__name__
    if ranks > 1:
        optimizer = fastnn.distributed.DistributedOptimizer(optimizer)  # fit/evaluate shard over the ranks
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_fit = int(len(x_train) * (1.0 - VALIDATION_SPLIT))  # fit keeps the first samples for training (Keras)
    say(f"fastnn {fastnn.__version__} [{fastnn.isa()}, {fastnn.get_num_threads()} threads"
        f"{f' x {ranks} ranks' if ranks > 1 else ''}]: {args.model} ({model.count_params():,} params) on "
        f"{args.dataset} ({n_fit} train + {len(x_train) - n_fit} validation / {len(x_test)} test), "
        f"{name}({learning_rate}), batch {batch_size}"
        f"{f' ({batch_size // ranks} per rank)' if ranks > 1 else ''}, {epochs} epochs")
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=batch_size // ranks, epochs=epochs,
                        validation_split=VALIDATION_SPLIT, verbose=args.verbose)
    elapsed = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    say(f"test accuracy: {accuracy:.4f} - test loss: {loss:.4f} (trained in {elapsed:.2f} s, "
        f"{elapsed / epochs:.2f} s/epoch)")
    if args.plot and root:
        history.plot(args.plot, title=f"fastnn {args.model} on {args.dataset}")
        print(f"training curves written to {args.plot}")
    return 0


def _checked(kind, convert, ok):
    """An argparse `type` that reads "invalid value for --epochs: 'abc' (expected a positive integer)"."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"invalid value {text!r} (expected {kind})")
        return value
    parse.__name__ = kind  # argparse names the type in some messages
    return parse


_positive_int = _checked("a positive integer", int, lambda v: v >= 1)
_positive_float = _checked("a positive number", float, lambda v: v > 0 and v != float("inf"))
_any_int = _checked("an integer", int, lambda v: True)
_PLOT_FORMATS = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


class _DefaultsFormatter(argparse.HelpFormatter):
    """--help shows each option's default, unless its help already says it (the per-dataset ones)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" not in text and action.default is not None and action.default is not argparse.SUPPRESS:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with messages that name the option first: "invalid value for --epochs: 'abc' (...)"."""

    def error(self, message):
        message = re.sub(r"^argument (\S+?)(?:/\S+)?: invalid value ", r"invalid value for \1: ", message)
        super().error(message)


def _check_plot_target(parser, path):
    """Fail before training (one line, exit 2) when the plot could not be written afterwards."""
    if not path.lower().endswith(_PLOT_FORMATS):
        parser.error(f"invalid value for --plot: {path!r} (the file name must end in one of "
                     f"{', '.join(_PLOT_FORMATS)})")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"invalid value for --plot: {path!r} (the folder {folder!r} does not exist)")
    try:
        import matplotlib  # noqa: F401, PLC0415  (optional: only --plot needs it)
    except ImportError:
        parser.error("--plot needs matplotlib, which is not installed (pip install matplotlib)")


def _defaults_help(column):
    """The per-(model, dataset) defaults of one DEFAULTS column, for --help."""
    return ", ".join(f"{model}/{dataset}: {values[column]}" for (model, dataset), values in DEFAULTS.items())


def main(argv=None):
    parser = _Parser(prog="python -m fastnn", description="fastnn's command line: train the main job, or print "
                     "what this installation runs on.")
    parser.add_argument("--version", action="version", version=f"fastnn {fastnn.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("info", help="print version, ISA path and thread count")
    tr = sub.add_parser("train", help="train a model (default: an MLP on the embedded 8x8 digits, no network)",
                        formatter_class=_DefaultsFormatter,
                        description="Train with compile/fit and print the test accuracy. The validation columns "
                        "(val_loss, val_accuracy) come from the last 10% of the training data; the test set is "
                        "used once, at the end.")
    tr.add_argument("--model", choices=("mlp", "lenet"), default="mlp", help="the network")
    tr.add_argument("--dataset", choices=("digits", "mnist"), default="digits",
                    help="digits ships with fastnn; mnist is read from --data-dir, FASTNN_MNIST_DIR or the cache "
                    "(downloaded once, SHA-256 checked)")
    tr.add_argument("--data-dir", metavar="DIR", default=None,
                    help="a folder holding the four MNIST IDX files (.gz or not), for offline use")
    tr.add_argument("--epochs", metavar="N", type=_positive_int, default=None,
                    help=f"epochs (default per model/dataset: {_defaults_help(0)})")
    tr.add_argument("--batch-size", metavar="N", type=_positive_int, default=None,
                    help=f"global batch size (default: {_defaults_help(1)})")
    tr.add_argument("--hidden", metavar="N", type=_positive_int, default=None,
                    help="MLP hidden units (default: 64 on digits, 512 on mnist)")
    tr.add_argument("--learning-rate", metavar="LR", type=_positive_float, default=None,
                    help=f"learning rate (default: {_defaults_help(3)}; optimizer: {_defaults_help(2)})")
    tr.add_argument("--threads", metavar="N", type=_positive_int, default=None,
                    help="kernel threads (default: OMP_NUM_THREADS, else one per core)")
    tr.add_argument("--seed", metavar="N", type=_any_int, default=0, help="random seed (same seed, same run)")
    tr.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                    help="0 silent, 1 progress bar, 2 one line per epoch")
    tr.add_argument("--plot", metavar="FILE", default=None,
                    help="save loss/accuracy curves to this image (.png, .pdf, .svg, .jpg; needs matplotlib)")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    if args.plot is not None:
        _check_plot_target(tr, args.plot)
    if args.data_dir is not None:
        if args.dataset != "mnist":
            tr.error("--data-dir applies to --dataset mnist (the digits ship with fastnn)")
        if not os.path.isdir(args.data_dir):
            tr.error(f"invalid value for --data-dir: {args.data_dir!r} (not a folder)")
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
