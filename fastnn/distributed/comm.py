"""The MPI world: `init`, `rank`/`size`/`local_rank`/`local_size`, `allreduce`/`broadcast` of numpy arrays,
`barrier`, `abort`.

mpi4py is imported by `init()` only (the optional extra `mpi`), so importing fastnn never needs MPI. A process
started without `mpiexec` is a world of one: every collective is then a copy, and training is exactly the
single-process run.
"""
import os
import sys
import time

import numpy as np

__all__ = ["init", "is_initialized", "rank", "size", "local_rank", "local_size", "allreduce", "broadcast",
           "broadcast_object", "barrier", "abort", "launched_world_size"]

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


def launched_world_size():
    """The world size an MPI launcher announced in the environment (1 without one); reads no MPI library."""
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def init(comm=None):
    """Join the MPI world (mpi4py's COMM_WORLD, or `comm`) and return its size. Idempotent.

    Also, with more than one rank: an uncaught exception on any rank aborts the whole job (instead of leaving the
    other ranks waiting in a collective), and when `OMP_NUM_THREADS` is unset each rank's kernels use
    cores // ranks-on-this-node threads, so ranks × threads never oversubscribe the cores."""
    global _world
    if _world is not None and comm is None:
        return _world.size
    try:
        from mpi4py import MPI  # noqa: PLC0415
    except ImportError as error:
        raise ImportError(_MISSING_EXTRA) from error
    _world = _World(MPI, MPI.COMM_WORLD if comm is None else comm)
    if _world.size > 1:
        _install_abort_on_exception()
        if not os.environ.get("OMP_NUM_THREADS"):
            from .. import set_num_threads  # noqa: PLC0415

            set_num_threads(max(1, _available_cores() // _world.local_size))
    return _world.size


def is_initialized():
    return _world is not None


def _require():
    if _world is None:
        raise RuntimeError("fastnn.distributed is not initialized: call fastnn.distributed.init() first")
    return _world


def rank():
    """This process's rank in the world (0 ... size()-1); rank 0 prints and writes checkpoints."""
    return _require().rank


def size():
    """The number of ranks."""
    return _require().size


def local_rank():
    """This process's rank among the ranks on the same machine."""
    return _require().local_rank


def local_size():
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


def allreduce(array, op="average"):
    """The elementwise sum ('sum') or mean ('average') of `array` over all ranks, as a new array (same shape and
    dtype on every rank; the mean of integers is computed in float64)."""
    world = _require()
    if op not in ("sum", "average"):
        raise ValueError(f"`op` must be 'sum' or 'average', received {op!r}")
    out = _contiguous_copy(array, "array")
    if op == "average" and out.dtype.kind != "f":
        out = out.astype(np.float64)
    if world.size > 1:
        world.comm.Allreduce(world.mpi.IN_PLACE, out, op=world.mpi.SUM)
    if op == "average":
        out /= out.dtype.type(world.size)
    return out


def allreduce_(buffer):
    """Sums the contiguous numpy `buffer` over all ranks in place (one message)."""
    world = _require()
    if world.size > 1:
        world.comm.Allreduce(world.mpi.IN_PLACE, buffer, op=world.mpi.SUM)
    return buffer


def broadcast(array, root=0):
    """Rank `root`'s `array` on every rank (a new array; shape and dtype must agree across ranks)."""
    world = _require()
    out = _contiguous_copy(array, "array")
    if world.size > 1:
        world.comm.Bcast(out, root=root)
    return out


def broadcast_object(obj, root=0):
    """Rank `root`'s picklable `obj` on every rank."""
    world = _require()
    return obj if world.size == 1 else world.comm.bcast(obj, root=root)


def barrier():
    world = _require()
    if world.size > 1:
        world.comm.Barrier()


def abort(code=1):
    """End every rank of the job now with exit status `code` (MPI_Abort)."""
    world = _require()
    sys.stdout.flush()
    sys.stderr.flush()
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
            sys.stderr.flush()
            time.sleep(0.5)  # the launcher forwards output asynchronously: let the traceback reach it first
            abort(1)

    hook._fastnn_aborts = True
    sys.excepthook = hook
