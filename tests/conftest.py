"""Shared fixtures: every kernel test runs once per instruction-set path (`isa` fixture), TensorFlow is the
oracle (imported, never skipped where the test extra installs it), hypothesis runs derandomized in CI."""
import os

import numpy as np
import pytest
from tf_oracle import reason_to_run_without_tensorflow, require_tensorflow, tensorflow_missing

from fastnn import _core

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci", derandomize=True, deadline=None, max_examples=60,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("dev", deadline=None, max_examples=200)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # hypothesis is part of the `test` extra; tests that need it import it themselves
    pass

ISA_PATHS = ("avx512", "avx2", "generic")
_ISA_RANK = {name: i for i, name in enumerate(reversed(ISA_PATHS))}


@pytest.fixture(params=ISA_PATHS)
def isa(request):
    """Runs the test on one ISA path (in-process, through fastnn._core.set_isa); restores the default after.
    Paths this CPU lacks skip with the reason shown in the summary (-ra)."""
    wanted = request.param
    best = _core.best_supported_isa()
    if _ISA_RANK[wanted] > _ISA_RANK[best]:
        pytest.skip(f"CPU lacks the {wanted} path (best: {best}; features: {_core.cpu_features()})")
    before = _core.isa()
    assert _core.set_isa(wanted) == wanted
    yield wanted
    _core.set_isa(before)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Tests that import TensorFlow or Keras themselves skip, with the reason, where TF is not installed by design;
    anywhere else a missing TensorFlow stays an error."""
    try:
        return (yield)
    except ModuleNotFoundError as error:
        reason = reason_to_run_without_tensorflow() if tensorflow_missing(error) else None
        if reason is None:
            raise
        pytest.skip(f"needs TensorFlow: {reason}")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, the numerical oracle. A test dependency: missing TF is an error, not a skip, except where the test
    extra does not install it (see `reason_to_run_without_tensorflow`)."""
    return require_tensorflow()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def mnist_dir():
    """The machine's copy of the MNIST IDX files: $FASTNN_MNIST_DIR, else ../shared/datasets/mnist beside the
    project root (the layout of this project's machines). Skips with the reason if neither exists."""
    import pathlib

    candidates = [os.environ.get("FASTNN_MNIST_DIR"),
                  pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist",
                  pathlib.Path("/work/shared/datasets/mnist")]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate, "train-images-idx3-ubyte.gz").is_file():
            return str(candidate)
    pytest.skip(f"no MNIST IDX files found (looked in {[str(c) for c in candidates if c]})")
