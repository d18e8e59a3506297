"""The MPI world: `init`, `rank`/`size`/`local_rank`/`local_size`, `allreduce`/`broadcast` of numpy arrays,
`barrier`, `abort`, and the stall watchdog (`set_timeout`).

mpi4py is imported by `init()` only (the optional extra `mpi`), so importing fastnn never needs MPI. A process
started without `mpiexec` is a world of one: every collective is then a copy, and training is exactly the
single-process run.

A watchdog thread (started by `init` with more than one rank) watches every collective fastnn makes: a rank
that waits longer than the timeout in one (a peer left training, hangs, or is in another collective) prints which
collective and training step it waits in and aborts the job instead of hanging forever. The collectives themselves
stay the blocking MPI calls (mpi4py releases the GIL in them, so the thread runs meanwhile).
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._threads import set_num_threads
from ..variable import Variable

__all__ = ["init", "is_initialized", "rank", "size", "local_rank", "local_size", "allreduce", "broadcast",
           "broadcast_object", "allgather_object", "barrier", "abort", "launched_world_size", "set_timeout",
           "get_timeout", "broadcast_variables"]

TIMEOUT_VARIABLE = "FASTNN_DISTRIBUTED_TIMEOUT"
DEFAULT_TIMEOUT = 300.0  # seconds: above any checkpoint write or epoch-end work one rank does while others wait

_MISSING_EXTRA = ("fastnn.distributed needs MPI for Python: pip install mpi4py mpich (MPI for Python and the MPICH "
                  "wheel, which brings mpiexec; or, in a fastnn checkout, pip install \".[mpi]\")")

# The environment variables MPI launchers set to the world size (MPICH/Hydra and Intel MPI, Open MPI, MVAPICH).
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


class _World:
    def __init__(self, mpi, comm):
        self.mpi, self.comm = mpi, comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        local = comm.Split_type(mpi.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        local.Free()


_world = None
_timeout = None   # None: not set by set_timeout(), read the environment
_position = ""    # where training is ("fit(), epoch 2/5, step 14/20"), for the watchdog's message
_waiting = None   # (what, time.monotonic() at entry) while this rank is in one of fastnn's collectives
_watchdog = None


def launched_world_size() -> int:
    """The world size an MPI launcher announced in the environment (1 without one); reads no MPI library."""
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def init(comm: Any = None, timeout: float | None = None) -> int:
    """Join the MPI world (mpi4py's COMM_WORLD, or `comm`) and return its size. Idempotent.

    Also, with more than one rank: an uncaught exception on any rank aborts the whole job (instead of leaving the
    other ranks waiting in a collective), and when `OMP_NUM_THREADS` is unset each rank's kernels use
    cores // ranks-on-this-node threads, so ranks × threads never oversubscribe the cores.

    Args:
        comm: an mpi4py communicator (default COMM_WORLD).
        timeout: the stall watchdog's limit in seconds, as `set_timeout` (default: the environment variable
            FASTNN_DISTRIBUTED_TIMEOUT, else 300).
    """
    global _world
    if timeout is not None:
        set_timeout(timeout)
    get_timeout()  # a bad FASTNN_DISTRIBUTED_TIMEOUT fails here, not in the watchdog thread
    if _world is not None and comm is None:
        return _world.size
    try:
        from mpi4py import MPI  # noqa: PLC0415
    except ImportError as error:
        raise ImportError(_MISSING_EXTRA) from error
    _world = _World(MPI, MPI.COMM_WORLD if comm is None else comm)
    if _world.size > 1:
        _install_abort_on_exception()
        _start_watchdog()
        if not os.environ.get("OMP_NUM_THREADS"):
            set_num_threads(max(1, _available_cores() // _world.local_size))
    return _world.size


def is_initialized() -> bool:
    """Whether `init()` has run in this process.

    Returns:
        A bool.
    """
    return _world is not None


def _require():
    if _world is None:
        raise RuntimeError("fastnn.distributed is not initialized: call fastnn.distributed.init() first")
    return _world


def rank() -> int:
    """This process's rank in the world (0 ... size()-1); rank 0 prints and writes checkpoints."""
    return _require().rank


def size() -> int:
    """The number of ranks."""
    return _require().size


def local_rank() -> int:
    """This process's rank among the ranks on the same machine."""
    return _require().local_rank


def local_size() -> int:
    """The number of ranks on this machine."""
    return _require().local_size


def _available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _contiguous_copy(array, name):
    arr = np.array(array, order="C")  # a private C-contiguous copy (0-d stays 0-d)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"`{name}` must be a numeric numpy array, received dtype {arr.dtype}")
    return arr


# --- the stall watchdog
def set_timeout(seconds: float | None) -> None:
    """Abort the job when a rank waits longer than `seconds` in one of fastnn's collectives (None or 0: wait
    forever). The waiting rank prints the collective and the training step it is in, then calls MPI_Abort.

    Raises:
        ValueError: if `seconds` is not a non-negative number or None.

    Args:
        seconds: A non-negative number, or None / 0 to wait forever.
    """
    global _timeout
    _timeout = _timeout_value(seconds, "seconds")


def get_timeout() -> float | None:
    """The stall watchdog's limit in seconds (None: no limit)."""
    if _timeout is not None:
        return _timeout or None
    value = os.environ.get(TIMEOUT_VARIABLE, "")
    if not value.strip():
        return DEFAULT_TIMEOUT
    try:
        return _timeout_value(float(value), TIMEOUT_VARIABLE) or None
    except ValueError:
        raise ValueError(f"{TIMEOUT_VARIABLE} must be a non-negative number of seconds, received {value!r}") from None


def _timeout_value(seconds, name):
    if seconds is None:
        return 0.0
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0 or \
            seconds == float("inf"):
        raise ValueError(f"`{name}` must be a non-negative number of seconds or None, received {seconds!r}")
    return float(seconds)


def set_position(text):
    """Record where training is (e.g. "fit epoch 2/5 step 14/20") for the watchdog's and abort messages."""
    global _position
    _position = text


def _start_watchdog():
    global _watchdog
    if _watchdog is None:
        _watchdog = threading.Thread(target=_watch, name="fastnn.distributed watchdog", daemon=True)
        _watchdog.start()


def _watch():
    """The watchdog thread: every 1/20 of the timeout (at most 1 s), checks how long this rank has been in its
    current collective."""
    while True:
        limit = get_timeout()
        time.sleep(1.0 if limit is None else min(1.0, max(0.01, limit / 20)))
        current = _waiting
        if current is not None and limit is not None:
            waited = time.monotonic() - current[1]
            if waited > limit:
                _stalled(current[0], waited, limit)


def _collective(what, call, *args, **kwargs):
    """Run one blocking collective under the watchdog's eye."""
    global _waiting
    _waiting = (what, time.monotonic())
    try:
        return call(*args, **kwargs)
    finally:
        _waiting = None


def _stalled(what, waited, limit):
    world = _world
    where = f" ({_position})" if _position else ""
    sys.stderr.write(
        f"fastnn.distributed: rank {world.rank} has waited {waited:.1f} s in {what}{where} for the other ranks "
        f"(timeout {limit:g} s, set by fastnn.distributed.set_timeout or {TIMEOUT_VARIABLE}): another rank left "
        f"training, stalled or is in a different collective; aborting all {world.size} ranks\n")
    sys.stderr.flush()
    abort(1)


def fail(error, what):
    """Print `error` (any BaseException, SystemExit and KeyboardInterrupt included) and abort the job: called
    when a rank leaves a data-parallel `what` early, which would leave the other ranks waiting in a collective."""
    world = _require()
    traceback.print_exception(type(error), error, error.__traceback__)
    where = f" ({_position})" if _position else ""
    sys.stderr.write(f"fastnn.distributed: rank {world.rank} left {what}{where} with "
                     f"{type(error).__name__}({error}); aborting all {world.size} ranks\n")
    code = error.code if isinstance(error, SystemExit) and isinstance(error.code, int) and error.code else 1
    abort(code)


# --- collectives
def allreduce(array: np.ndarray, op: str = "average", what: str = "an allreduce") -> np.ndarray:
    """The elementwise sum ('sum') or mean ('average') of `array` over all ranks, as a new array (same shape and
    dtype on every rank; the mean of integers is computed in float64).

    Args:
        array: A numpy array (the same shape and dtype on every rank).
        op: `"average"` (the default) or `"sum"`.
        what: What the collective is for, named in the stall watchdog's message.

    Returns:
        A new array of `array`'s shape and dtype.
    """
    world = _require()
    if op not in ("sum", "average"):
        raise ValueError(f"`op` must be 'sum' or 'average', received {op!r}")
    out = _contiguous_copy(array, "array")
    if op == "average" and out.dtype.kind != "f":
        out = out.astype(np.float64)
    if world.size > 1:
        _collective(what, world.comm.Allreduce, world.mpi.IN_PLACE, out, op=world.mpi.SUM)
    if op == "average":
        out /= out.dtype.type(world.size)
    return out


def allreduce_(buffer, what="an allreduce"):
    """Sums the contiguous numpy `buffer` over all ranks in place (one message)."""
    world = _require()
    if world.size > 1:
        _collective(what, world.comm.Allreduce, world.mpi.IN_PLACE, buffer, op=world.mpi.SUM)
    return buffer


def broadcast(array: np.ndarray, root: int = 0, what: str = "a broadcast") -> np.ndarray:
    """Rank `root`'s `array` on every rank (a new array; shape and dtype must agree across ranks).

    Args:
        array: A numpy array (the same shape and dtype on every rank).
        root: The rank whose value is sent.
        what: What the collective is for, named in the stall watchdog's message.

    Returns:
        A new array: rank `root`'s value.
    """
    world = _require()
    out = _contiguous_copy(array, "array")
    if world.size > 1:
        _collective(what, world.comm.Bcast, out, root=root)
    return out


def broadcast_object(obj: object, root: int = 0, what: str = "a broadcast") -> object:
    """Rank `root`'s picklable `obj` on every rank.

    Args:
        obj: A picklable object.
        root: The rank whose value is sent.
        what: What the collective is for, named in the stall watchdog's message.

    Returns:
        Rank `root`'s object.
    """
    world = _require()
    if world.size == 1:
        return obj
    return _collective(what, world.comm.bcast, obj, root=root)


def allgather_object(obj: object, what: str = "an allgather") -> list:
    """[rank 0's obj, rank 1's obj, ...] on every rank (picklable objects).

    Args:
        obj: A picklable object.
        what: What the collective is for, named in the stall watchdog's message.

    Returns:
        A list with one object per rank, in rank order.
    """
    world = _require()
    if world.size == 1:
        return [obj]
    return _collective(what, world.comm.allgather, obj)


def barrier(what: str = "a barrier") -> None:
    """Wait until every rank calls `barrier()` (under the stall watchdog's timeout).

    Args:
        what: What the collective is for, named in the stall watchdog's message.
    """
    world = _require()
    if world.size > 1:
        _collective(what, world.comm.Barrier)


def abort(code: int = 1) -> None:
    """End every rank of the job with exit status `code` (MPI_Abort), after a 0.5 s pause: the launcher forwards
    the ranks' output asynchronously, and what a rank printed just before (why it aborts) must reach it first.

    Args:
        code: The exit status.
    """
    world = _require()
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(0.5)
    world.comm.Abort(code)


def _install_abort_on_exception():
    """An uncaught exception prints its traceback as usual, then aborts the communicator: the launcher ends every
    rank and exits non-zero, instead of the healthy ranks waiting forever in the next allreduce."""
    previous = sys.excepthook
    if getattr(previous, "_fastnn_aborts", False):
        return

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        if _world is not None:
            sys.stderr.write(f"fastnn.distributed: rank {_world.rank} failed; aborting all {_world.size} ranks\n")
            abort(1)

    hook._fastnn_aborts = True
    sys.excepthook = hook


def broadcast_variables(variables: Sequence[Variable], root: int = 0) -> None:
    """Assigns rank `root`'s values to `variables` on every rank.

    Float32 variables travel in one message. `fit` does this at its start for a model compiled with a
    `DistributedOptimizer`; a custom loop calls it once before training.

    Args:
        variables: A list of Variables, the same on every rank (e.g. `model.weights + optimizer.variables`).
        root: The rank whose values are sent.
    """
    variables = list(variables)
    if size() == 1:
        return
    floats = [v for v in variables if v.dtype == np.float32]
    if floats:
        buffer = np.concatenate([v._value.reshape(-1) for v in floats]) if len(floats) > 1 else \
            floats[0]._value.reshape(-1).copy()
        buffer = broadcast(buffer, root, what="the broadcast of rank 0's weights")
        offset = 0
        for v in floats:
            n = v._value.size
            v.assign(buffer[offset:offset + n].reshape(v.shape))
            offset += n
    for v in variables:
        if v.dtype != np.float32:
            v.assign(broadcast(v._value, root, what="the broadcast of rank 0's weights"))
