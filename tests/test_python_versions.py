"""The supported range, tested: the suite runs on the oldest and the newest supported Python, each with the oldest
numpy that has wheels for it, in a fresh venv built from this checkout (TensorFlow is left out there: agreement with
TensorFlow is the main run's job, and those tests skip with the reason)."""
import glob
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (Python, the oldest numpy with wheels for it). 1.24 is the floor pyproject.toml declares.
MATRIX = [("3.9", "1.24.0"), ("3.13", "2.1.0")]
# the test extra minus TensorFlow (the oracle, run in the main job), MPI (its own job: tests/distributed) and the
# packaging tools (tests/test_packaging.py runs once, in the main job)
TEST_DEPENDENCIES = ["pytest>=7", "hypothesis>=6", "threadpoolctl>=3", "matplotlib>=3.5", "h5py>=3"]
# run in the main job only: this file itself, the sanitizer build and the wheel/sdist build
NOT_AGAIN = ["tests/test_python_versions.py", "tests/test_sanitizers.py", "tests/test_packaging.py"]


def _interpreter(version):
    """A working `python<version>`: on PATH, or in pyenv's versions folder (whose shims refuse versions that are
    installed but not selected)."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{(result.stdout + result.stderr)[-6000:]}"
    return result


@pytest.mark.slow
@pytest.mark.parametrize("version,numpy_version", MATRIX, ids=[f"python{v}" for v, _ in MATRIX])
def test_the_suite_passes_on_the_oldest_and_newest_python(version, numpy_version, tmp_path):
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "csrc").is_dir():
        pytest.skip(f"no source checkout above {ROOT} (tests run from an installed copy)")
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"Python {version} is not installed here (looked on PATH and in pyenv's versions)")
    venv = tmp_path / "venv"
    _run([python, "-m", "venv", str(venv)], timeout=300)
    venv_python = str(venv / "bin" / "python")
    pip = [venv_python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run(pip + [f"numpy=={numpy_version}", *TEST_DEPENDENCIES], timeout=1200)
    _run(pip + ["--no-deps", str(ROOT)], timeout=1800)  # build isolation: the build needs nothing preinstalled
    installed = _run([venv_python, "-c", "import numpy, fastnn; print(numpy.__version__)"], cwd=tmp_path)
    assert installed.stdout.strip() == numpy_version  # nothing upgraded the oldest numpy

    env = dict(os.environ, FASTNN_TESTS_WITHOUT_TF="1")
    env.pop("PYTHONPATH", None)
    command = [venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    command += [f"--deselect={path}" for path in NOT_AGAIN]
    suite = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    summary = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else ""
    assert suite.returncode == 0, f"Python {version}, numpy {numpy_version}: {summary}\n{suite.stdout[-8000:]}"
    assert " passed" in summary and "failed" not in summary, summary
    print(f"Python {version} + numpy {numpy_version}: {summary}", file=sys.stderr)
