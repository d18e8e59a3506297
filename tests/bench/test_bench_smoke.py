"""Bench smoke test: `python -m bench kernels --quick` produces a checked table (timings are never asserted)."""
import json
import os
import pathlib
import re
import subprocess
import sys

from tf_oracle import require_tensorflow

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_quick_kernel_bench_runs_and_checks_outputs():
    out = subprocess.run([sys.executable, "-m", "bench", "kernels", "--quick", "--reps", "2",
                          "--frameworks", "numpy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "wrong result" not in out.stdout
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith(("sgemm", "conv2"))]
    frameworks = {(row[0], row[-7]) for row in rows}
    assert ("sgemm", "fastnn") in frameworks and ("sgemm", "numpy") in frameworks
    assert any(name == "conv2" for name, _ in frameworks)


def test_unknown_suite_is_an_error():
    out = subprocess.run([sys.executable, "-m", "bench", "nonsense"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2
    assert "unknown suite" in out.stderr


def test_autodiff_bench_checks_tf_against_fastnn():
    require_tensorflow()
    out = subprocess.run([sys.executable, "-m", "bench", "autodiff", "--reps", "2", "--frameworks", "tf"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "wrong result" not in out.stdout
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith("custom loop step")]
    assert {row[-7] for row in rows} == {"fastnn", "tf"}


def test_quick_train_and_startup_suites_produce_checked_results(mnist_dir):
    require_tensorflow()
    env = dict(os.environ, FASTNN_MNIST_DIR=mnist_dir)
    out = subprocess.run([sys.executable, "-m", "bench", "train", "startup", "--quick", "--reps", "1",
                          "--frameworks", "tf"], cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "wrong result" not in out.stdout
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith("MLP epoch")]
    assert {row[4] for row in rows} >= {"fastnn", "fastnn_1t", "tf"}
    record = json.loads((ROOT / "bench" / "results" / "train.json").read_text())
    assert record["suite"] == "train" and record["threads"] == 2 and record["rows"]
    assert all(r["accuracy"] >= 0.9 for r in record["rows"] if r["accuracy"] is not None)
    assert (ROOT / "bench" / "results" / "train.png").read_bytes()[:4] == b"\x89PNG"
    assert "cold import" in out.stdout


def test_a_missing_peer_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "torch"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('torch is blocked for this test', name='torch')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "bench", "kernels", "--quick", "--reps", "1", "--frameworks",
                          "torch"], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "unavailable: torch (not installed)" in out.stdout
    assert "Traceback" not in out.stderr, out.stderr

def test_quick_contention_bench_compares_policies_and_thread_counts():
    out = subprocess.run([sys.executable, "-m", "bench", "contention", "--quick", "--reps", "2",
                          "--frameworks", "numpy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    conditions = {re.match(r"gemm 128x784x512\s+(.*?)\s+\d", line).group(1)
                  for line in out.stdout.splitlines() if line.startswith("gemm 128x784x512")}
    assert conditions == {"idle", "1 busy process", "after numpy GEMM"}
    record = json.loads((ROOT / "bench" / "results" / "contention.json").read_text())
    for row in record["rows"]:
        assert {"fastnn 2t", "fastnn 2t static", "fastnn 1t"} <= set(row)
        assert row["fastnn 2t / 1t"] > 0 and row["fastnn 2t static / 1t"] > 0
    assert {"numpy 2t", "numpy 1t"} <= set(record["rows"][0])


def test_step_cost_decomposes_a_fit_step_into_its_kernels(mnist_dir):
    """bench/step_cost.py (issue 17): every C++ call of a fit step is recorded, the optimizer's fast path included
    (one multi-tensor update for all parameters), and replayed; timings are never asserted."""
    env = dict(os.environ, FASTNN_MNIST_DIR=mnist_dir)
    out = subprocess.run([sys.executable, "-m", "bench.step_cost", "--models", "mlp", "--threads", "1", "--steps",
                          "2", "--reps", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    row = next(line.split() for line in out.stdout.splitlines() if line.startswith("mlp "))
    assert row[2] == "1" and float(row[3]) > 0 and float(row[4]) > 0
    per_step = next(line for line in out.stdout.splitlines() if line.startswith("mlp ") and "per step" in line)
    assert "gemm x5" in per_step and "rmsprop_update_multi x1" in per_step, per_step
