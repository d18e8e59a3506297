"""fastnn's import graph (built statically by scripts/import_graph.py: every module's module-level and function-level
imports, relative imports resolved, a name imported through a package `__init__` followed to the module it comes
from) has no cycle and no arrow from a lower layer to a higher one, except the two arrows Keras has too; and every
import that still runs inside a function is one of those arrows or an optional dependency (issue 14)."""
import ast
import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "fastnn")

_spec = importlib.util.spec_from_file_location("import_graph", os.path.join(ROOT, "scripts", "import_graph.py"))
import_graph = importlib.util.module_from_spec(_spec)
sys.modules["import_graph"] = import_graph  # dataclasses look their module up while the class is built
_spec.loader.exec_module(import_graph)

# The layers, lowest first (Keras' order: backend/ops, then the numerics built on them, then layers, then models
# and trainers, then what drives a model from outside). A module may import modules of its own layer or of lower
# ones; a module not matched by a longer prefix takes its package's layer. Names are prefixes of dotted modules.
LAYERS = [
    # leaves: the compiled kernels and their wrappers, the argument checks, the symbolic KerasTensor, the
    # serialization registry every configurable object uses
    ["fastnn._core", "fastnn._validation", "fastnn._threads", "fastnn.version", "fastnn.keras_tensor",
     "fastnn.kernels", "fastnn.saving.serialization"],
    # tensors, variables, the recording core of autodiff, random numbers
    ["fastnn.dtypes", "fastnn.tensor", "fastnn.tensor_spec", "fastnn.variable", "fastnn._tape", "fastnn.random",
     "fastnn.module"],
    # the differentiable ops (the tensor's operators call them: an allowed arrow)
    ["fastnn.ops"],
    # GradientTape (its jacobians use ops) and fastnn.function
    ["fastnn.gradient_tape", "fastnn.polymorphic_function"],
    # what layers and models are configured with, data utilities, and files (the saving package finds classes
    # through the serialization registry, so it sits below the layers and models that save through it)
    ["fastnn.backend", "fastnn.activations", "fastnn.initializers", "fastnn.regularizers", "fastnn.constraints",
     "fastnn.losses", "fastnn.metrics", "fastnn.optimizers", "fastnn.utils", "fastnn.data", "fastnn.datasets",
     "fastnn.saving"],
    # layers, and the callbacks the trainers call
    ["fastnn.layers", "fastnn.callbacks"],
    # models and their training loops
    ["fastnn.models", "fastnn.trainers"],
    # what works on whole models from outside: data-parallel training
    ["fastnn.distributed"],
    # the package itself, which imports everything, and the command line, which uses all of it
    ["fastnn", "fastnn.__main__"],
]

# The two arrows that go the wrong way in Keras too, each imported inside a function: a Tensor's operators are ops
# (ops import the tensor module), and `Model(inputs, outputs)` returns the Functional subclass.
ALLOWED = import_graph.KERAS_ARROWS
assert {("fastnn.tensor", "fastnn.ops"), ("fastnn.models.model", "fastnn.models.functional")} == ALLOWED


# Imports that may stay inside functions: optional dependencies loaded on first use (not fastnn modules).
OPTIONAL = {"matplotlib", "h5py", "mpi4py", "urllib", "PIL"}


def layer_of(module):
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None or len(p) > len(best[1])):
                best = (rank, p)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_import_graph.py")
    return best[0]


@pytest.fixture(scope="module")
def graph():
    return import_graph.build(PACKAGE)


def checked_edges(edges):
    return [e for e in edges if (e.src, e.dst) not in ALLOWED]


def test_graph_sees_every_module(graph):
    modules, edges = graph
    assert "fastnn.layers.layer" in modules and "fastnn.ops.math_ops" in modules and "fastnn._core" in modules
    assert len(modules) > 90
    pairs = {(e.src, e.dst) for e in edges}
    # a relative import, a name re-exported by a package __init__, and a function-level import are all seen
    assert ("fastnn.layers.dense", "fastnn.layers.layer") in pairs
    assert ("fastnn.trainers.trainer", "fastnn.callbacks.callback_list") in pairs  # `from ..callbacks import ...`
    assert any(e.function_level and (e.src, e.dst) == ("fastnn.tensor", "fastnn.ops") or
               (e.src, e.dst) == ("fastnn.models.model", "fastnn.models.functional") and e.function_level
               for e in edges)


def test_every_module_has_a_layer(graph):
    modules, _ = graph
    for m in modules:
        layer_of(m)


def test_no_cycles(graph):
    modules, edges = graph
    assert import_graph.cycles(modules, checked_edges(edges)) == []


def test_no_arrow_to_a_higher_layer(graph):
    _, edges = graph
    wrong = sorted({f"{e.src}:{e.line} -> {e.dst}" for e in checked_edges(edges)
                    if layer_of(e.dst) > layer_of(e.src)})
    assert wrong == []


def test_function_level_imports_are_allowed_arrows_or_optional_dependencies():
    """A function-level import hides an arrow from import time; the ones left are the two allowed arrows, the
    and optional third-party packages, each with a comment saying why."""
    files = import_graph._modules(PACKAGE)
    found = []
    for module, path in files.items():
        if path == "<extension>":
            continue
        source = import_graph._read(path)
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    targets = [(a.name, None) for a in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    base = import_graph._resolve_base(module, inner, files)
                    targets = [(base, a.name) for a in inner.names]
                else:
                    continue
                for base, name in targets:
                    if base.split(".")[0] in OPTIONAL:
                        continue
                    dst = f"{base}.{name}" if f"{base}.{name}" in files else base
                    if (module, dst) in ALLOWED:
                        assert "#" in lines[inner.lineno - 1], f"{path}:{inner.lineno}: say why in a comment"
                        continue
                    found.append(f"{module}:{inner.lineno} imports {dst}")
    assert found == []
