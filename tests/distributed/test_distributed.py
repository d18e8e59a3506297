"""fastnn.distributed on localhost: 2 ranks with batch B per rank train to the same weights as 1 process with
batch 2B on the same samples (SGD, Adam, RMSprop; fit and a custom loop), the ranks' weights stay bitwise
identical, a failing rank ends the job, and `mpiexec -n 2 python -m fastnn train` gives the single-process run.

The MPI jobs run in subprocesses (`mpiexec -n 2 sys.executable mpi_worker.py ...`) with a timeout; the children
import the same fastnn as this process. Skipped (with the reason) only when mpi4py is not installed: it comes with
the `test` extra."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import time

import numpy as np
import pytest

import fastnn

pytest.importorskip("mpi4py", reason="fastnn.distributed needs the `mpi` extra (mpi4py + an MPI library)")

WORKER = pathlib.Path(__file__).with_name("mpi_worker.py")
TIMEOUT = 180
OPTIMIZERS = ("sgd", "adam", "rmsprop")
RTOL = 1e-6  # max |w_2ranks - w_1rank| / max |w_1rank|, per weight tensor


def _mpiexec():
    """The mpiexec installed with this Python (the mpich wheel puts it next to the interpreter), else PATH's."""
    for directory in (os.path.dirname(sys.executable), sysconfig.get_path("scripts"),
                      sysconfig.get_path("scripts", f"{os.name}_user")):  # pip install --user
        found = shutil.which("mpiexec", path=directory)
        if found:
            return found
    found = shutil.which("mpiexec")
    assert found, "no mpiexec next to sys.executable or on PATH (install the `mpi` extra: mpi4py + mpich)"
    return found


def _env():
    """The children import this process's fastnn, one kernel thread per rank (2 ranks on 2 cores)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    package_root = str(pathlib.Path(fastnn.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    for name in ("PMI_SIZE", "PMI_RANK", "PMI_FD", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        env.pop(name, None)  # a test run under a launcher must not look like one to the plain children
    return env


def _run(args, ranks=None, timeout=TIMEOUT, cwd=None, env=None):
    command = ([_mpiexec(), "-n", str(ranks)] if ranks else []) + [sys.executable, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**_env(), **(env or {})},
                          cwd=cwd)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    ref = _run([WORKER, out, "ref"])
    assert ref.returncode == 0, ref.stdout + ref.stderr
    job = _run([WORKER, out, "train"], ranks=2)
    assert job.returncode == 0, job.stdout + job.stderr

    def load(name):
        with np.load(out / f"{name}.npz") as f:
            weights = [f[f"w{i}"] for i in range(sum(k.startswith("w") for k in f.files))]
            return weights, json.loads(str(f["history"]))
    return out, load


def _max_relative(a, b):
    return max(float(np.abs(x - y).max() / np.abs(y).max()) for x, y in zip(a, b))


@pytest.mark.parametrize("mode", ["fit", "loop"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_two_ranks_equal_one_process_with_the_global_batch(runs, mode, optimizer):
    _, load = runs
    reference, ref_history = load(f"{mode}_{optimizer}_ref")
    rank0, history0 = load(f"{mode}_{optimizer}_rank0")
    rank1, history1 = load(f"{mode}_{optimizer}_rank1")
    assert len(rank0) == len(reference) == 4
    assert all(np.array_equal(a, b) for a, b in zip(rank0, rank1)), "the ranks' weights differ"
    relative = _max_relative(rank0, reference)
    print(f"{mode} {optimizer}: max relative weight difference 2 ranks vs 1 process = {relative:.2e}")
    assert relative <= RTOL
    if mode == "fit":  # loss and metrics averaged over all samples of both ranks, as one process logs them
        assert history0 == history1
        assert sorted(history0) == sorted(ref_history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
        for key, values in ref_history.items():
            np.testing.assert_allclose(history0[key], values, rtol=1e-5, err_msg=key)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_one_rank_data_parallel_fit_is_the_plain_fit(runs, optimizer):
    _, load = runs
    single, single_history = load(f"fit_{optimizer}_single")
    reference, ref_history = load(f"fit_{optimizer}_ref")
    assert all(np.array_equal(a, b) for a, b in zip(single, reference))
    assert single_history == ref_history


def test_collectives(runs):
    out, _ = runs
    for rank in (0, 1):
        api = json.loads((out / f"api_rank{rank}.json").read_text())
        assert api == {"rank": rank, "size": 2, "local_rank": rank, "local_size": 2, "sum": [3.0, 30.0],
                       "average": [1.5, 15.0], "int_average": 1.5, "broadcast": [7, 0], "object": {"from": 0}}


def test_only_rank_0_writes_checkpoints(runs):
    out, _ = runs
    assert (out / "ckpt_rank0.npz").is_file() and not (out / "ckpt_rank1.npz").exists()


def test_a_failing_rank_ends_the_job(tmp_path):
    start = time.perf_counter()
    job = _run([WORKER, tmp_path, "fail"], ranks=2, timeout=120)
    elapsed = time.perf_counter() - start
    assert job.returncode != 0, job.stdout + job.stderr
    assert "rank 1 fails on purpose" in job.stderr and "aborting all 2 ranks" in job.stderr, job.stderr
    assert elapsed < 60


WATCHDOG = 3  # seconds (FASTNN_DISTRIBUTED_TIMEOUT) for the fault jobs: only the "stall" case needs it
FAULTS = {  # rank 1 differs from rank 0 (mpi_worker.fault) -> what the job's stderr must say
    "exit": r"rank 1 left fit\(\) \(fit\(\), epoch 1/1000, step 4/10\) with SystemExit\(3\); aborting all 2 ranks",
    "interrupt": r"rank 1 left fit\(\) .*with KeyboardInterrupt\(rank 1 stops on purpose\); aborting all 2 ranks",
    "epochs": r"Every rank must call fit\(\) with the same `epochs`; received rank 0: 2, rank 1: 3",
    "samples": r"Every rank must pass the same number of samples to fit\(\) .*received rank 0: 289, rank 1: 288",
    "shapes": r"The ranks' models differ: weight 0 is 'dense\w*/kernel' of shape \(20, 32\) \(float32\) on rank 0 "
              r"but 'dense\w*/kernel' of shape \(20, 20\) \(float32\) on rank 1",
    "layers": r"The ranks' models differ: weight 1 is 'dense\w*/bias' of shape \(32,\) \(float32\) on rank 0 but "
              r"'dense\w*/kernel' of shape \(32, 5\) \(float32\) on rank 1",
    "optimizer": r"The ranks' optimizers differ in `learning_rate`: rank 0 has 0.1, rank 1 has 0.2",
    "stream": r"yield different numbers of batches per epoch: at step 18, 1 of 2 ranks had no batch left",
    "evaluate": r"rank 1 left evaluate\(\) \(evaluate\(\) \(or fit\(\)'s validation\)\) with SystemExit\(4\); "
                r"aborting all 2 ranks",
    "stall": r"rank 0 has waited \d+\.\d s in the start of fit\(\) \(checking the ranks' arguments agree\) for the "
             r"other ranks \(timeout 3 s.*aborting all 2 ranks",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_rank_that_differs_or_leaves_ends_the_job_with_a_message(tmp_path, fault):
    start = time.perf_counter()
    job = _run([WORKER, tmp_path, fault], ranks=2, timeout=120, env={"FASTNN_DISTRIBUTED_TIMEOUT": str(WATCHDOG)})
    elapsed = time.perf_counter() - start
    assert job.returncode != 0, job.stdout + job.stderr
    assert re.search(FAULTS[fault], job.stderr), job.stderr
    assert elapsed < 60, elapsed  # seconds here (a busy 2-core machine); hangs used to last until the timeout


def _epoch_lines(stdout):
    return re.findall(r"^\d+/\d+ .*$", stdout, re.M)


def test_mpiexec_main_job_equals_the_single_process_run(tmp_path):
    args = ["-m", "fastnn", "train", "--epochs", "2", "--verbose", "2", "--batch-size", "32"]
    single = _run(args, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    job = _run(args, ranks=2, cwd=tmp_path)
    assert job.returncode == 0, job.stdout + job.stderr
    assert (len(re.findall(r"^fastnn \d", job.stdout, re.M)) == 1 and "x 2 ranks" in job.stdout
            and "(16 per rank)" in job.stdout)
    assert job.stdout.count("test accuracy") == 1, job.stdout  # rank 0 prints, rank 1 is silent

    def numbers(stdout):
        lines = _epoch_lines(stdout) + re.findall(r"^test accuracy.*$", stdout, re.M)
        return [float(v) for line in lines for v in re.findall(r"(?:loss|accuracy): ([0-9.]+)", line)]
    assert len(numbers(job.stdout)) == 10
    np.testing.assert_allclose(numbers(job.stdout), numbers(single.stdout), atol=2e-4)


def test_main_job_rejects_a_batch_the_ranks_cannot_share(tmp_path):
    job = _run(["-m", "fastnn", "train", "--epochs", "1", "--batch-size", "33"], ranks=2, cwd=tmp_path)
    assert job.returncode != 0 and "multiple of the 2 ranks" in job.stderr
