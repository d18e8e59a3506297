"""The C++ / Python kernel boundary (issue 14): one name per kernel family from csrc/ to fastnn/kernels/ to
tests/csrc/, Python objects touched only in the binding files, and the compiled `_core` imported only by
fastnn/kernels/."""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CSRC = ROOT / "csrc"
FAMILIES = ("gemm", "elementwise", "softmax_xent", "conv2d", "pool", "optimizers")
# families whose Python wrappers share a module with a sibling family (depthwise convolution in kernels/conv2d.py)
# and whose bindings live in a named namespace of their bind file
LATER_FAMILIES = {"batch_norm": "batch_norm", "depthwise_conv2d": "conv2d", "embedding": "embedding",
                  "recurrent": "recurrent"}


def test_kernel_families_line_up_from_csrc_to_tests():
    # a kernel family is a csrc/<family>_impl.h compiled per ISA; probe (the bench's FMA-peak loop) is not one
    impl = {p.name[: -len("_impl.h")] for p in CSRC.glob("*_impl.h")} - {"probe"}
    assert impl == set(FAMILIES) | set(LATER_FAMILIES)
    entry = (CSRC / "bindings.cpp").read_text()
    for family, module in LATER_FAMILIES.items():
        for path in (CSRC / f"{family}.h", CSRC / f"{family}.cpp", CSRC / f"bind_{family}.cpp",
                     ROOT / "fastnn" / "kernels" / f"{module}.py", ROOT / "tests" / "csrc" / f"test_{family}.py"):
            assert path.is_file(), path
        assert f"bind_{family}(m);" in entry, family
    for family in FAMILIES:
        for path in (CSRC / f"{family}.h", CSRC / f"{family}.cpp", CSRC / f"bind_{family}.cpp",
                     ROOT / "fastnn" / "kernels" / f"{family}.py", ROOT / "tests" / "csrc" / f"test_{family}.py"):
            assert path.is_file(), path
        assert f"bind_{family}(m);" in entry, family
        assert f"void bind_{family}(py::module_& m) {{" in (CSRC / f"bind_{family}.cpp").read_text()


def test_only_binding_files_touch_python_objects():
    binding = re.compile(r"^(bindings\.cpp|bind_common\.h|bind_\w+\.cpp)$")
    python = re.compile(r"#include\s*[<\"](pybind11/|Python\.h)|\bpy::|\bPy[A-Z]\w*\(")
    offenders = [p.name for p in sorted(CSRC.iterdir())
                 if p.suffix in (".cpp", ".h") and not binding.match(p.name) and python.search(p.read_text())]
    assert offenders == []


def _imports_core(tree, package):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[-1] == "_core" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[-1] == "_core" or any(a.name == "_core" for a in node.names):
                return True
    return False


def test_only_fastnn_kernels_imports_core():
    offenders = []
    for path in sorted((ROOT / "fastnn").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith("fastnn/kernels/") and _imports_core(ast.parse(path.read_text()), rel):
            offenders.append(rel)
    assert offenders == []
