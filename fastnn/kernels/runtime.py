"""fastnn.kernels.runtime — the compiled extension's state that is not a kernel family: its version, the
instruction-set path the kernels run on, kernel threads and whether OpenMP is in. `fastnn.isa`,
`fastnn.set_num_threads`, `fastnn.version` and `python -m fastnn info` read it from here (only `fastnn.kernels`
imports the extension, `fastnn._core`)."""
from .. import _core

__all__ = ["__version__", "isa", "best_supported_isa", "cpu_features", "has_openmp", "max_threads",
           "get_num_threads", "set_num_threads"]

__version__ = _core.__version__
isa = _core.isa  # 'avx512', 'avx2' or 'generic': the path the kernels run on now
best_supported_isa = _core.best_supported_isa  # what this CPU + OS can run
cpu_features = _core.cpu_features  # human-readable CPU flags
has_openmp = _core.has_openmp
max_threads = _core.max_threads  # CPUs this process may run on: the cap on kernel threads
get_num_threads = _core.get_num_threads
set_num_threads = _core.set_num_threads  # unchecked beyond n >= 0 (0: the OpenMP default); fastnn's checks the rest
