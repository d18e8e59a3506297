"""ISA dispatch: the env cap, the run-time switch, and reporting."""
import os
import subprocess
import sys

import pytest

import fastnn
from fastnn import _core


def _run(code, **env):
    full_env = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(__file__))  # not the repo root: import the installed package
    assert out.returncode == 0, out.stderr
    return out


def test_isa_reports_a_known_path():
    assert fastnn.isa() in ("avx512", "avx2", "generic")
    assert _core.best_supported_isa() in ("avx512", "avx2", "generic")


@pytest.mark.parametrize("cap", ["generic", "avx2", "avx512"])
def test_env_caps_the_path(cap):
    out = _run("import fastnn; print(fastnn.isa())", FASTNN_ISA=cap)
    order = ["generic", "avx2", "avx512"]
    expected = order[min(order.index(cap), order.index(_core.best_supported_isa()))]
    assert out.stdout.strip() == expected


def test_unknown_env_value_warns_and_keeps_best():
    out = _run("import warnings; warnings.simplefilter('always'); import fastnn; print(fastnn.isa())",
               FASTNN_ISA="sse9")
    assert out.stdout.strip() == _core.best_supported_isa()
    assert "FASTNN_ISA='sse9'" in out.stderr


def test_set_isa_is_capped_by_the_cpu():
    before = _core.isa()
    try:
        assert _core.set_isa("generic") == "generic"
        assert fastnn.isa() == "generic"
        assert _core.set_isa("avx512") == _core.best_supported_isa()
    finally:
        _core.set_isa(before)
    with pytest.raises(ValueError, match="Unknown ISA: 'neon'"):
        _core.set_isa("neon")
