"""fastnn.distributed — data-parallel training over MPI (mpi4py; the optional extra `mpi`), Horovod-style.

    import fastnn
    from fastnn import distributed as dist

    dist.init()                                   # world size, rank, local rank from MPI
    model = ...                                   # the same model on every rank
    model.compile(optimizer=dist.DistributedOptimizer(fastnn.optimizers.Adam(1e-3)), loss=..., metrics=[...])
    model.fit(x, y, batch_size=64, epochs=5)      # 64 samples per rank per step

Launch with `mpiexec -n 4 python train.py`. Compiled with a `DistributedOptimizer`, `fit` broadcasts rank 0's
initial weights, shards each epoch's shuffled samples by rank, averages gradients (one fused allreduce per step)
and metrics (weighted by sample counts) over ranks, and lets only rank 0 print and write checkpoints: the weights
equal those of one process training with batch `batch_size × size()` on the same samples. Custom loops use
`batch_indices`, `broadcast_variables` and `DistributedOptimizer.apply_gradients(..., num_samples=)`.
See docs/distributed.md.

Faults end the job within seconds, with a message, instead of hanging it: ranks that call `fit`/`evaluate`
differently (samples, epochs, steps, ...) or hold different models or optimizers get a ValueError naming the first
difference; a rank leaving the data-parallel loop by any exception, `sys.exit` or Ctrl-C aborts the job; a rank
waiting longer than `set_timeout(seconds)` (default 300, or FASTNN_DISTRIBUTED_TIMEOUT) in a collective aborts it.

Importing this module does not import mpi4py; `init()` does (and says which extra to install when missing).
"""
from .comm import (abort, allgather_object, allreduce, barrier, broadcast, broadcast_object, broadcast_variables,
                   get_timeout, init, is_initialized, launched_world_size, local_rank, local_size, rank, set_timeout,
                   size)
from .data import batch_indices, local_part
from .optimizer import DistributedOptimizer
from .training import DataParallel

__all__ = ["init", "is_initialized", "rank", "size", "local_rank", "local_size", "allreduce", "broadcast",
           "broadcast_object", "allgather_object", "barrier", "abort", "launched_world_size", "set_timeout",
           "get_timeout", "DistributedOptimizer", "broadcast_variables", "batch_indices", "local_part",
           "DataParallel"]
