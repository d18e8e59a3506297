"""Autodiff suite: one custom-training-loop step (GradientTape, mean sparse softmax cross-entropy, gradients,
Adam) of the 784-512-10 MLP at batch 128, fastnn next to TF eager and PyTorch eager, each in its own worker; and
the per-op bookkeeping cost of each framework's tape (100 elementwise ops on a 4x4 variable, then the gradient)."""
from .common import run_suite


def task_list(quick):
    return [("custom loop step MLP 784-512-10 batch 128",
             {"kind": "loop_step", "sizes": [784, 512, 10], "batch": 128}),
            ("tape: 100 tiny ops + gradient", {"kind": "tape_overhead", "ops": 100})]


def run(threads=2, reps=9, quick=False, frameworks=None):
    return run_suite(task_list(quick), threads=threads, reps=reps, frameworks=frameworks, suite="autodiff")
