"""Published Keras/TensorFlow programs, ported by changing their imports only, run on fastnn and land within
`tolerance` of the result Keras recorded for the same program, cuts and data (see compat/harness.py)."""
import re

import pytest
from compat import harness
from compat.programs_table import KERAS_RESULTS, PROGRAMS


def test_every_program_has_a_recorded_keras_result():
    assert sorted(KERAS_RESULTS) == sorted(PROGRAMS)


def test_the_port_changes_imports_only():
    for name in PROGRAMS:
        ported = harness.port(harness.source_of(name))  # raises if anything but import statements changed
        # ... and every TensorFlow / Keras import was rewritten
        assert not re.search(r"^\s*(import (tensorflow|keras)\b|from (tensorflow|keras)\b)", ported, re.M), name


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_runs_unchanged_and_matches_keras(name, mnist_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    program = PROGRAMS[name]
    value, _ = harness.run(name, program, "fastnn", workdir=tmp_path)
    keras_value = KERAS_RESULTS[name]
    assert abs(value - keras_value) <= program.tolerance, f"{name}: fastnn {value:.4f}, Keras {keras_value:.4f}"
