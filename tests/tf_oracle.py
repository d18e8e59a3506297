"""TensorFlow, the oracle of the test suite: imported where the `test` extra installs it (a missing TF is then an
error), skipped with the reason where it does not (see the environment markers of the extra in pyproject.toml)."""
import os
import pathlib
import re
import sys

import pytest
from packaging.markers import Marker  # a dependency of pytest itself


def reason_to_run_without_tensorflow():
    """Why this run may lack TensorFlow, or None when a missing TensorFlow is an error.

    TensorFlow is in the `test` extra only where it has a wheel (see the environment marker in pyproject.toml); the
    Python-version matrix (tests/test_python_versions.py) sets FASTNN_TESTS_WITHOUT_TF=1 because it checks the
    interpreter and the oldest numpy while the main run checks agreement with TensorFlow."""
    if os.environ.get("FASTNN_TESTS_WITHOUT_TF") == "1":
        return "FASTNN_TESTS_WITHOUT_TF=1 (the Python-version matrix; the main run compares with TensorFlow)"
    pyproject = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"
    text = pyproject.read_text() if pyproject.is_file() else ""
    test_extra = re.search(r"^test = \[(.*)\]", text, re.M)
    markers = re.findall(r'"tensorflow(?:-cpu)?[^";]*;([^"]*)"', test_extra.group(1)) if test_extra else []
    if not markers or any(Marker(marker.strip()).evaluate() for marker in markers):
        return None
    return (f"TensorFlow has no wheel for Python {sys.version_info[0]}.{sys.version_info[1]} on this platform, so "
            f"the test extra does not install it")


def tensorflow_missing(error):
    return isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in ("tensorflow", "keras")


def require_tensorflow():
    """Imports TensorFlow (the oracle); skips with the reason where the run lacks it by design, else fails."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf_module
    except ModuleNotFoundError as error:
        reason = reason_to_run_without_tensorflow() if tensorflow_missing(error) else None
        if reason is None:
            raise
        pytest.skip(f"needs TensorFlow: {reason}")
    return tf_module
