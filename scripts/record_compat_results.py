"""Runs each ported program of tests/compat on TensorFlow/Keras (the original, with the harness' cuts and data) and
on fastnn, prints both results with their CPU times, and writes Keras' results into tests/compat/programs_table.py.

Usage: FASTNN_MNIST_DIR=../shared/datasets/mnist python scripts/record_compat_results.py [name ...]
"""
import pathlib
import re
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from compat import harness  # noqa: E402
from compat.programs_table import KERAS_RESULTS, PROGRAMS  # noqa: E402


def _timed(name, framework):
    start = time.process_time()
    with tempfile.TemporaryDirectory() as workdir:
        try:
            value, _ = harness.run(name, PROGRAMS[name], framework, workdir=workdir)
        except Exception as error:  # noqa: BLE001 (a failing program is reported, and the others still run)
            return None, f"{type(error).__name__}: {error}"[:300], time.process_time() - start
    return value, "", time.process_time() - start


def main(names):
    results = dict(KERAS_RESULTS)
    for name in names or sorted(PROGRAMS):
        keras_value, keras_error, keras_cpu = _timed(name, "keras")
        fastnn_value, fastnn_error, fastnn_cpu = _timed(name, "fastnn")
        print(f"{name:32s} keras {keras_value!s:>8.8} ({keras_cpu:6.1f} s CPU) {keras_error}   "
              f"fastnn {fastnn_value!s:>8.8} ({fastnn_cpu:6.1f} s CPU) {fastnn_error}", flush=True)
        if keras_value is not None:
            results[name] = round(keras_value, 4)
    table = ROOT / "tests" / "compat" / "programs_table.py"
    body = "".join(f"    {name!r}: {value},\n" for name, value in sorted(results.items()))
    text = re.sub(r"KERAS_RESULTS = \{\n.*?\}\n", "KERAS_RESULTS = {\n" + body + "}\n", table.read_text(), flags=re.S)
    table.write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
