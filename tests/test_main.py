"""The command line: `python -m fastnn train` (the README's main job) and `python -m fastnn info`."""
import os
import re
import subprocess
import sys

import pytest


def _run(*args):
    out = subprocess.run([sys.executable, "-m", "fastnn", *args], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ), cwd=os.path.dirname(__file__))
    return out


def test_info_reports_version_isa_threads():
    out = _run("info")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^fastnn \d+\.\d+", out.stdout, re.M)
    assert re.search(r"^isa: (avx512|avx2|generic)", out.stdout, re.M)
    assert re.search(r"^threads: \d+", out.stdout, re.M)
    if "avx512f" not in out.stdout:  # zmm state only matters (and is only mentioned) on an AVX-512 CPU
        assert "zmm" not in out.stdout, out.stdout


def _epoch_losses(stdout):
    return [float(m.group(1)) for m in re.finditer(r"^\d+/\d+ .*? - loss: ([0-9.]+)", stdout, re.M)]


def test_train_learns_the_digits():
    out = _run("train", "--epochs", "8", "--threads", "1")
    assert out.returncode == 0, out.stderr
    acc = float(re.search(r"test accuracy: ([0-9.]+)", out.stdout).group(1))
    assert acc >= 0.88, out.stdout
    losses = _epoch_losses(out.stdout)
    assert len(losses) == 8 and losses[-1] < losses[0] / 3, out.stdout
    assert "Epoch 8/8" in out.stdout and ("ms/step" in out.stdout or "us/step" in out.stdout)


def test_train_lenet_and_plot(tmp_path):
    plot = tmp_path / "curves.png"
    out = _run("train", "--model", "lenet", "--epochs", "3", "--plot", str(plot))
    assert out.returncode == 0, out.stderr
    assert "lenet" in out.stdout and "test accuracy" in out.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_on_mnist(mnist_dir, monkeypatch):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    out = _run("train", "--dataset", "mnist", "--epochs", "1", "--verbose", "2")
    assert out.returncode == 0, out.stderr
    assert float(re.search(r"test accuracy: ([0-9.]+)", out.stdout).group(1)) >= 0.95


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--batch-size", "-3"], ["--model", "x"], ["--dataset", "cifar"],
                                 ["--learning-rate", "-1"]])
def test_train_rejects_bad_arguments(bad):
    out = _run("train", *bad)
    assert out.returncode == 2
    assert "error" in out.stderr


def test_runs_from_a_source_checkout_without_a_local_build(tmp_path):
    """`pip install . && python -m fastnn train` runs from the checkout, whose fastnn/ has no compiled _core: the
    package must find the installed extension."""
    import shutil

    import fastnn

    shutil.copytree(os.path.dirname(fastnn.__file__), tmp_path / "fastnn",
                    ignore=shutil.ignore_patterns("_core*", "__pycache__"))
    out = subprocess.run([sys.executable, "-m", "fastnn", "train", "--epochs", "1"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "test accuracy" in out.stdout


def test_version_flag():
    out = _run("--version")
    assert out.returncode == 0 and re.fullmatch(r"fastnn \d+\.\d+\.\d+\S*\n", out.stdout), out


def test_train_help_shows_every_default():
    out = _run("train", "--help")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # argparse wraps lines
    for default in ("(default: mlp)", "(default: digits)", "mlp/digits: 15", "mlp/mnist: 128", "(default: 0)",
                    "mlp/mnist: rmsprop", "--data-dir DIR"):
        assert default in text, (default, out.stdout)


@pytest.mark.parametrize("bad, message", [
    (["--epochs", "abc"], "invalid value for --epochs: 'abc' (expected a positive integer)"),
    (["--batch-size", "0"], "invalid value for --batch-size: '0' (expected a positive integer)"),
    (["--learning-rate", "nan"], "invalid value for --learning-rate: 'nan' (expected a positive number)"),
    (["--seed", "1.5"], "invalid value for --seed: '1.5' (expected an integer)"),
    (["--plot", "curves.txt"], "invalid value for --plot: 'curves.txt' (the file name must end in one of"),
    (["--plot", "/no/such/folder/curves.png"], "the folder '/no/such/folder' does not exist"),
    (["--dataset", "mnist", "--data-dir", "/no/such/folder"], "invalid value for --data-dir: '/no/such/folder'"),
    (["--data-dir", "."], "--data-dir applies to --dataset mnist"),
])
def test_bad_options_fail_in_one_line_before_training(bad, message):
    out = _run("train", *bad)
    assert out.returncode == 2, out
    assert message in out.stderr and "_positive" not in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and "Epoch" not in out.stdout, out


def test_plot_without_matplotlib_fails_before_training(tmp_path):
    blocker = tmp_path / "matplotlib"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib is blocked for this test')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "fastnn", "train", "--plot", str(tmp_path / "c.png")],
                         capture_output=True, text=True, timeout=300, env=env, cwd=os.path.dirname(__file__))
    assert out.returncode == 2, out
    assert "--plot needs matplotlib" in out.stderr and "Epoch" not in out.stdout, out


def test_validation_columns_come_from_a_split_of_the_training_data():
    out = _run("train", "--epochs", "2", "--verbose", "2", "--threads", "1")
    assert out.returncode == 0, out.stderr
    assert "1293 train + 144 validation / 360 test" in out.stdout, out.stdout
    assert "val_accuracy" in out.stdout


def test_train_on_mnist_from_data_dir(mnist_dir, monkeypatch):
    monkeypatch.delenv("FASTNN_MNIST_DIR", raising=False)
    monkeypatch.setenv("FASTNN_HOME", "/nonexistent-fastnn-home")  # nothing cached: the data must come from --data-dir
    out = _run("train", "--dataset", "mnist", "--data-dir", mnist_dir, "--epochs", "1", "--verbose", "0")
    assert out.returncode == 0, out.stderr
    assert "54000 train + 6000 validation / 10000 test" in out.stdout, out.stdout
