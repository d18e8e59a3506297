"""Kernel suite: fastnn next to numpy (OpenBLAS), PyTorch and TensorFlow, each in its own worker process.
Every framework's output is checked against fastnn's before its time is reported."""
from .common import run_suite


def task_list(quick):
    gemm = [("sgemm 128x784x512", 128, 784, 512, False, False),
            ("sgemm 128x512x10", 128, 512, 10, False, False),
            ("dW 784x128^T.128x512", 784, 128, 512, True, False),
            ("dX 128x512.(784x512)^T", 128, 512, 784, False, True),
            ("sgemm 512^3", 512, 512, 512, False, False),
            ("sgemm 1024^3", 1024, 1024, 1024, False, False)]
    out = [(label, {"kind": "gemm", "m": m, "k": k, "n": n, "ta": ta, "tb": tb})
           for label, m, k, n, ta, tb in gemm]
    # Same multiply with half of A subnormal: fastnn's time should match the row above (denormals flushed)
    out.insert(1, ("sgemm 128x784x512, A half denormal",
                   {"kind": "gemm", "m": 128, "k": 784, "n": 512, "ta": False, "tb": False, "denormal": True}))
    lenet = [("conv1 28x28x1->6 3x3 fwd+bwd",
              {"kind": "conv", "n": 128, "h": 28, "w": 28, "cin": 1, "cout": 6, "k": 3}),
             ("conv2 13x13x6->16 3x3 fwd+bwd",
              {"kind": "conv", "n": 128, "h": 13, "w": 13, "cin": 6, "cout": 16, "k": 3}),
             ("conv wide 32x32x64->64 3x3 fwd+bwd (batch 32)",
              {"kind": "conv", "n": 32, "h": 32, "w": 32, "cin": 64, "cout": 64, "k": 3}),
             ("maxpool 26x26x6 2x2 fwd+bwd", {"kind": "maxpool", "n": 128, "h": 26, "w": 26, "c": 6}),
             ("maxpool 11x11x16 2x2 fwd+bwd", {"kind": "maxpool", "n": 128, "h": 11, "w": 11, "c": 16}),
             ("softmax-xent 128x10 loss+grad", {"kind": "xent", "rows": 128, "classes": 10}),
             ("adam update 407,050 params", {"kind": "adam", "shapes": [[784, 512], [512], [512, 10], [10]]}),
             ("depthwise 56x56x64 3x3 same fwd+bwd (batch 16)",
              {"kind": "depthwise", "n": 16, "h": 56, "w": 56, "c": 64}),
             ("conv-transpose 14x14x64->32 3x3 s2 same fwd+bwd (batch 32)",
              {"kind": "deconv", "n": 32, "h": 14, "w": 14, "cin": 64, "cout": 32}),
             ("batchnorm 32x32x64 fwd+bwd (batch 32)", {"kind": "batchnorm", "n": 32, "h": 32, "w": 32, "c": 64}),
             ("gelu 128x3072 fwd+bwd", {"kind": "gelu", "shape": [128, 3072]}),
             ("LSTM 128 units, 28 steps of 28 fwd+bwd (batch 32)",
              {"kind": "lstm", "n": 32, "t": 28, "f": 28, "units": 128}),
             ("embedding 20000x64, 128x200 ids fwd+bwd",
              {"kind": "embedding", "vocab": 20000, "dim": 64, "batch": 128, "seq": 200})]
    if quick:
        return out[:1] + lenet[1:2]
    return out + lenet


def run(threads=2, reps=9, quick=False, frameworks=None):
    return run_suite(task_list(quick), threads=threads, reps=reps, frameworks=frameworks, suite="kernels")
