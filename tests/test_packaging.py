"""The distribution a user or a release gets: `pip wheel .` and the sdist carry the licence, the right name and
metadata, and only what a user needs; the cibuildwheel configuration is valid (its build identifiers can be listed
without Docker)."""
import importlib.util
import pathlib
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _checkout_or_skip():
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "csrc").is_dir():
        pytest.skip(f"no source checkout above {ROOT} (tests run from an installed copy)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    _checkout_or_skip()
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = out.glob("fastnn_cpu-*.whl")
    return path


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    _checkout_or_skip()
    if importlib.util.find_spec("build.__main__") is None:  # (a checkout's build/ folder is no `build` package)
        pytest.skip("the sdist check needs the `build` package (in the test extra)")
    out = tmp_path_factory.mktemp("sdist")
    run = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = out.glob("fastnn_cpu-*.tar.gz")
    return path


def _metadata(text):
    return [line for line in text.splitlines() if ": " in line]


def test_wheel_holds_the_package_the_extension_and_the_licence(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("fastnn/_core") and n.endswith((".so", ".pyd")) for n in names), names
    assert "fastnn/datasets/data/digits.npz" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert not any(n.startswith(("tests/", "bench/", "csrc/")) for n in names), names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    lines = _metadata(meta)
    assert "Name: fastnn-cpu" in lines  # `fastnn` on the package index is an unrelated project
    assert "License-Expression: MIT" in lines
    assert "Requires-Dist: numpy>=1.24" in lines
    assert any(line.startswith("Classifier: Programming Language :: Python :: 3.13") for line in lines)


def test_sdist_holds_what_a_build_needs_and_not_ci_or_bench_results(sdist):
    with tarfile.open(sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    for needed in ("pyproject.toml", "CMakeLists.txt", "LICENSE", "README.md", "csrc/gemm.cpp", "fastnn/__init__.py",
                   "fastnn/datasets/data/digits.npz", "tests/conftest.py"):
        assert needed in names, needed
    assert not any(n.startswith((".ci/", "bench/", "docs/", "scripts/", "build/")) for n in names), \
        sorted(n for n in names if n.startswith((".ci/", "bench/", "docs/", "scripts/", "build/")))


def test_cibuildwheel_configuration_lists_the_release_wheels():
    _checkout_or_skip()
    pytest.importorskip("cibuildwheel", reason="cibuildwheel is not installed (it is in the test extra)")
    identifiers = {}
    for platform in ("linux", "macos"):
        run = subprocess.run([sys.executable, "-m", "cibuildwheel", "--print-build-identifiers", "--platform", platform,
                              str(ROOT)],
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert run.returncode == 0, run.stdout + run.stderr
        identifiers[platform] = set(run.stdout.split())
    for version in ("cp39", "cp313"):
        assert f"{version}-manylinux_x86_64" in identifiers["linux"], identifiers["linux"]
        assert f"{version}-manylinux_aarch64" in identifiers["linux"], identifiers["linux"]
        assert f"{version}-macosx_arm64" in identifiers["macos"], identifiers["macos"]
    assert not any("musllinux" in i or "i686" in i for i in identifiers["linux"])


def test_wheel_is_typed(wheel):
    # PEP 561: the marker tells type checkers to read fastnn's own annotations (the classifier says "Typing :: Typed")
    assert "fastnn/py.typed" in zipfile.ZipFile(wheel).namelist()
