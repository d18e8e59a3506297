"""Runs a published Keras/TensorFlow program unchanged but for its imports, on fastnn or on Keras itself.

The program files in `programs/` are the published code, verbatim (notebook code cells joined in order). `port()`
rewrites their import statements to fastnn's (`import tensorflow as tf` -> `import fastnn as tf`, `from
tensorflow.keras.layers import X` -> `from fastnn.keras.layers import X`, `keras.X` -> `fastnn.X`) and checks that
nothing but import statements changed. What the harness does besides, each marked in the program's entry:

- data: the MNIST loader reads this machine's copy of the IDX files, and `n_train`/`n_test` keep the first samples
  only, so a program runs in seconds; other data sets are stood in for by MNIST digits of their shapes (see
  SUBSTITUTES). Keras' loaders get the very same arrays.
- cuts: text substitutions applied to both the fastnn and the Keras run (fewer epochs), listed per program.
- notebook-only lines (`!pip ...`, `%matplotlib ...`) are dropped: they are not Python.
- numpy 1 aliases that numpy 2 removed (`np.Inf`, `np.NaN`, ...; see NUMPY1_ALIASES) are put back for the run, for
  both frameworks, when the installed numpy lacks them: the programs were written for numpy 1.
- seeding: Python's `random`, numpy and the framework are seeded (SEED) before the program runs, so its result is
  the same on every run on a machine, not a draw from its run-to-run spread.

`run(name, "keras")` runs the original with TensorFlow/Keras; scripts/record_compat_results.py stores its result
beside the program so the test compares fastnn with it.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import io
import linecache
import os
import pathlib
import re
import warnings

import numpy as np

PROGRAMS_DIR = pathlib.Path(__file__).resolve().parent / "programs"


@dataclasses.dataclass(frozen=True)
class Program:
    """One published program and how the harness runs it.

    Args:
        source: where it was published (repository, path and commit).
        result: an expression evaluated in the program's namespace after it ran: the accuracy (or other score in
            [0, 1]) compared with Keras'.
        cuts: (old, new) text substitutions applied to both runs, e.g. fewer epochs.
        n_train, n_test: samples kept from the data set loaders (None: all).
        tolerance: allowed |fastnn - keras| of `result`.
        warns: messages (regular expressions matched at their start) of the deprecation warnings the program is
            expected to raise, as Keras also warns for them; any other warning still fails the test.
    """

    source: str
    result: str
    cuts: tuple = ()
    n_train: int | None = None
    n_test: int | None = None
    tolerance: float = 0.02
    warns: tuple = ()


_IMPORT_REWRITES = [
    (re.compile(r"^(\s*)import tensorflow as tf\b"), r"\1import fastnn as tf"),
    (re.compile(r"^(\s*)from tensorflow import keras\b"), r"\1from fastnn import keras"),
    (re.compile(r"^(\s*)from tensorflow\.keras(\.[\w.]+)? import "), r"\1from fastnn.keras\2 import "),
    (re.compile(r"^(\s*)from tensorflow import "), r"\1from fastnn import "),
    (re.compile(r"^(\s*)import keras$"), r"\1import fastnn as keras"),
    (re.compile(r"^(\s*)from keras(\.[\w.]+)? import "), r"\1from fastnn\2 import "),
]


def source_of(name):
    """The published program `name` as a string of Python (notebook magics and shell lines dropped)."""
    text = (PROGRAMS_DIR / f"{name}.py").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(("!", "%"))]
    return "\n".join(lines) + "\n"


def _without_imports(tree):
    body = [node for node in ast.walk(tree) if not isinstance(node, (ast.Import, ast.ImportFrom, ast.alias))]
    return [ast.dump(node) for node in body if not isinstance(node, ast.Module)]


def port(source):
    """`source` with its TensorFlow/Keras imports rewritten to fastnn's; raises if anything else would change."""
    ported = "\n".join(_rewrite_line(line) for line in source.splitlines()) + "\n"
    if _without_imports(ast.parse(source)) != _without_imports(ast.parse(ported)):
        raise AssertionError("the port changed more than import statements")
    return ported


def _rewrite_line(line):
    for pattern, replacement in _IMPORT_REWRITES:
        line, count = pattern.subn(replacement, line)
        if count:
            return line
    return line


def _cut(source, program):
    for old, new in program.cuts:
        if old not in source:
            raise AssertionError(f"cut {old!r} not found in the program")
        source = source.replace(old, new)
    return source


def _local_mnist(program):
    import fastnn

    folder = os.environ.get("FASTNN_MNIST_DIR")
    (x_train, y_train), (x_test, y_test) = fastnn.datasets.mnist.load_data(path=folder)
    return (x_train[:program.n_train], y_train[:program.n_train]), (x_test[:program.n_test], y_test[:program.n_test])


def _as_cifar(split):
    """MNIST digits shaped as CIFAR-10 is: (n, 32, 32, 3) uint8 images, (n, 1) uint8 labels."""
    images, labels = split
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return np.repeat(images[..., None], 3, axis=-1), labels.reshape(-1, 1).astype(np.uint8)


# What each Keras data set loader returns under the harness: this machine has MNIST only (no network), so the other
# data sets are stood in for by MNIST digits with the shapes and dtypes their loaders return. The Keras reference
# run gets the same arrays, so the comparison stays fair; the accuracy is not the published one.
SUBSTITUTES = {
    "mnist": lambda data: data,
    "fashion_mnist": lambda data: data,
    "cifar10": lambda data: tuple(_as_cifar(split) for split in data),
}


# numpy 2 removed these spellings (NEP 52); published programs written for numpy 1 still use them (np.Inf in
# keras-io's callbacks guide). Restored only while a program runs, and only where numpy lacks them.
NUMPY1_ALIASES = {"Inf": np.inf, "Infinity": np.inf, "infty": np.inf, "PINF": np.inf, "NINF": -np.inf,
                  "NaN": np.nan, "NAN": np.nan, "float_": np.float64, "complex_": np.complex128}


@contextlib.contextmanager
def _numpy1_aliases():
    added = [name for name in NUMPY1_ALIASES if name not in vars(np)]
    for name in added:
        setattr(np, name, NUMPY1_ALIASES[name])
    try:
        yield
    finally:
        for name in added:
            delattr(np, name)


@contextlib.contextmanager
def _data_for(framework, data):
    """Points the data set loaders of `framework` at `data` (see SUBSTITUTES)."""
    if framework == "fastnn":
        import fastnn

        packages = [fastnn.datasets]
    else:
        import keras
        import tensorflow as tf

        packages = [keras.datasets, tf.keras.datasets]
    saved = []
    for package in packages:
        for dataset, substitute in SUBSTITUTES.items():
            module = getattr(package, dataset, None)
            if module is None:
                continue  # a loader the framework lacks fails in the program, as it would for a user
            saved.append((module, module.load_data))
            value = substitute(data)
            module.load_data = lambda *args, _value=value, **kwargs: _value
    try:
        yield
    finally:
        for module, load_data in saved:
            module.load_data = load_data


SEED = 1234


def _seed(framework):
    """Seeds Python's `random`, numpy's global generator and the framework before a program runs (the harness'
    only change to the run itself), so a program whose result depends on its initial weights or shuffling lands
    on the same value every run on this machine instead of anywhere in its run-to-run spread."""
    if framework == "fastnn":
        import fastnn

        fastnn.utils.set_random_seed(SEED)
    else:
        import keras

        keras.utils.set_random_seed(SEED)


def run(name, program, framework="fastnn", workdir=None):
    """Runs program `name` on `framework` ("fastnn" or "keras") and returns its `result` as a float."""
    import matplotlib

    matplotlib.use("Agg")  # the tutorials plot; the harness only needs the figures drawn, not shown
    source = _cut(source_of(name), program)
    if framework == "fastnn":
        source = port(source)
    namespace = {"__name__": "__main__"}
    import fastnn  # noqa: F401  (imported before the program changes folder: the same fastnn the caller sees)

    data = _local_mnist(program)
    cwd = os.getcwd()
    try:
        if workdir is not None:
            os.chdir(workdir)
        filename = f"<compat {name} on {framework}>"
        # registered so that inspect.getsource finds the functions (tf.function's AutoGraph reads them)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _seed(framework)
        with _data_for(framework, data), _numpy1_aliases(), contextlib.redirect_stdout(io.StringIO()) as out, \
                warnings.catch_warnings():
            for message in program.warns:
                warnings.filterwarnings("ignore", message=message)
            exec(compile(source, filename, "exec"), namespace)
            value = eval(program.result, namespace)
    finally:
        os.chdir(cwd)
    value = float(np.asarray(value))
    namespace.clear()
    return value, out.getvalue()
