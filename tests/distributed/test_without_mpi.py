"""Without mpi4py, fastnn imports and trains as always; only fastnn.distributed.init() needs the `mpi` extra."""
import os
import pathlib
import subprocess
import sys

import fastnn

PROGRAM = """
import sys
sys.modules["mpi4py"] = None  # as if the `mpi` extra were not installed
import numpy as np
import fastnn
from fastnn import distributed
model = fastnn.Sequential([fastnn.layers.Input((3,)), fastnn.layers.Dense(2)])
model.compile("sgd", "mse")
model.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), verbose=0)
assert not distributed.is_initialized() and distributed.launched_world_size() == 1
try:
    distributed.init()
except ImportError as error:
    print("ImportError:", error)
"""


def test_fastnn_works_without_mpi4py_and_init_says_what_to_install():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(pathlib.Path(fastnn.__file__).resolve().parents[1]),
                                                    env.get("PYTHONPATH")) if p)
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        env.pop(name, None)
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert "ImportError: fastnn.distributed needs MPI for Python" in out.stdout
    # `fastnn` on PyPI is another project
    assert "pip install mpi4py mpich" in out.stdout and "fastnn[" not in out.stdout
