"""The linter CI runs: ruff with the rules pyproject.toml keeps, over the package, the tests, the bench and the
scripts. A failure lists the file, line and rule."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip(f"no source checkout above {ROOT} (tests run from an installed copy)")
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run(command + ["check", "--no-cache", "fastnn", "tests", "bench", "scripts"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
