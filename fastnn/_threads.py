"""How many threads the kernels use, and which instruction set they run on (re-exported as `fastnn.isa`,
`fastnn.set_num_threads`, `fastnn.get_num_threads`). A leaf: `fastnn.distributed` sets the thread count per rank
through it without importing the whole package."""
from __future__ import annotations

import numbers
import warnings

from .kernels import runtime as _runtime  # the only importer of the compiled `_core`

__all__ = ["isa", "set_num_threads", "get_num_threads"]


def isa() -> str:
    """The instruction-set path the kernels run on: 'avx512', 'avx2' or 'generic'."""
    return _runtime.isa()


def set_num_threads(n: int | None) -> None:
    """Sets how many threads every fastnn kernel uses.

    The count is capped at the number of CPUs this process may run on (`os.sched_getaffinity`), with a
    RuntimeWarning: more threads than CPUs only slow the kernels down (each parallel region waits for its slowest,
    descheduled thread), and a huge count would make the OpenMP runtime end the process when it cannot create the
    threads. `OMP_NUM_THREADS` and threadpoolctl's OpenMP limit are capped the same way (without a warning).

    While the cores are contended (another busy process, or another library's threads still spinning), kernels
    run on one thread for a while when more threads keep losing to one; `FASTNN_THREAD_POLICY=static` turns that
    off. Results are bitwise identical for every thread count.

    Args:
        n: a positive int, or None to return to the default: `OMP_NUM_THREADS` / threadpoolctl's OpenMP limit if
            set, else one thread per CPU.

    Raises:
        TypeError: if `n` is not an int (bool is not accepted) or None.
        ValueError: if `n` < 1.

    Example:

    >>> fastnn.set_num_threads(1)     # serial kernels
    >>> fastnn.set_num_threads(None)  # back to the default
    """
    if n is None:
        _runtime.set_num_threads(0)
        return
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"set_num_threads expects an int or None, received {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive int (or None for the default). Received: n={n}")
    cap = _runtime.max_threads()
    if n > cap:
        warnings.warn(f"set_num_threads({n}): using {cap} threads, the number of CPUs this process may run on",
                       RuntimeWarning, stacklevel=2)
        n = cap
    _runtime.set_num_threads(n)


def get_num_threads() -> int:
    """Threads a kernel would use now (at most the number of CPUs this process may run on)."""
    return _runtime.get_num_threads()
