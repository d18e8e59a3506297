"""Build portability: the portable sources compile for aarch64 (cross compiler), as CMake builds them off x86."""
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-g++") is None,
                    reason="no aarch64 cross compiler (Debian: apt-get install g++-aarch64-linux-gnu)")
def test_portable_sources_compile_for_aarch64():
    out = subprocess.run(["bash", str(ROOT / "scripts" / "check_aarch64.sh")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "aarch64: compiled" in out.stdout
