"""Train suite: one MNIST epoch of the MLP (784-512-10, RMSprop), of LeNet (Adam) and of LeNet with
BatchNormalization at batch 128 through fastnn `fit`, Keras `fit` and a PyTorch loop (same initial weights, Keras'
optimizer settings); one train_on_batch step at batch 32 and 128; predict throughput; test accuracy after one epoch;
peak RSS; fastnn on one thread for the 1 -> 2 thread speed-up."""
from .common import run_suite

# PyTorch's RMSprop adds eps outside the square root (Keras: inside), so on near-zero gradients its first step
# moves a weight by up to lr/sqrt(1 - rho) ≈ 3.2e-3 where Keras and fastnn barely move it: the step check allows it.
_STEP = {"kind": "train_step", "check_atol": 4e-3}


def task_list(quick):
    if quick:
        return [("MLP epoch (12,800 samples)", {"kind": "epoch", "model": "mlp", "batch": 128, "samples": 12800,
                                               "min_accuracy": 0.9, "warmup": 1, "wake": False, "rss": True}),
                ("MLP train_on_batch 32", {**_STEP, "model": "mlp", "batch": 32})]
    epoch = {"kind": "epoch", "batch": 128, "warmup": 1, "wake": False, "rss": True}
    return [
        ("MLP epoch", {**epoch, "model": "mlp", "min_accuracy": 0.96}),
        ("LeNet epoch", {**epoch, "model": "lenet", "min_accuracy": 0.965}),
        ("MLP train_on_batch 32", {**_STEP, "model": "mlp", "batch": 32}),
        ("MLP train_on_batch 128", {**_STEP, "model": "mlp", "batch": 128}),
        ("LeNet train_on_batch 32", {**_STEP, "model": "lenet", "batch": 32}),
        ("LeNet train_on_batch 128", {**_STEP, "model": "lenet", "batch": 128}),
        ("LeNet+BatchNorm epoch", {**epoch, "model": "lenet_bn", "min_accuracy": 0.965}),
        ("LeNet+BatchNorm train_on_batch 128", {**_STEP, "model": "lenet_bn", "batch": 128}),
        ("LSTM(128) over MNIST rows, epoch of 12,800",
         {**epoch, "model": "lstm", "samples": 12800, "min_accuracy": 0.7}),
        ("LSTM(128) over MNIST rows, train_on_batch 128", {**_STEP, "model": "lstm", "batch": 128}),
        ("MLP predict 10k, batch 32", {"kind": "predict", "model": "mlp", "batch": 32, "warmup": 1}),
        ("MLP predict 10k, batch 128", {"kind": "predict", "model": "mlp", "batch": 128, "warmup": 1}),
        ("LeNet predict 10k, batch 128", {"kind": "predict", "model": "lenet", "batch": 128, "warmup": 1}),
    ]


def run(threads=2, reps=3, quick=False, frameworks=None):
    return run_suite(task_list(quick), threads=threads, reps=reps, frameworks=frameworks, suite="train")
