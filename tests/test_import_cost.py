"""`import fastnn` stays cheap: optional and network modules load on first use, never at import (issue 14).
Checked by which modules an import brings in, which does not depend on how busy the machine is; the time itself is
measured by `python -m bench startup`."""
import os
import subprocess
import sys

LAZY = ("urllib.request", "http.client", "ssl", "h5py", "matplotlib", "mpi4py", "PIL", "tensorflow", "torch")


def test_import_loads_no_optional_or_network_module():
    program = ("import sys; before = set(sys.modules); import fastnn; "
               f"print(sorted(m for m in {LAZY!r} if m in set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(__file__))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
