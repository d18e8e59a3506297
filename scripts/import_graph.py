"""fastnn's import graph, built statically (ast, nothing is imported): module count, edges, cycles and the
function-level imports. `tests/test_import_graph.py` checks the same graph against the layering it defines.

    python scripts/import_graph.py [path/to/fastnn]     # default: the fastnn package beside this script

An edge A -> B means a statement in module A imports module B. `from pkg import name` points at `pkg.name` when
that is a module, else at the module `pkg/__init__.py` re-exports `name` from (so importing one name through a
package does not count as importing every module of the package), else at `pkg` itself. Imports under
`if TYPE_CHECKING:` are ignored (they never run).
"""
import ast
import os
import sys
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    line: int
    function_level: bool  # inside a def (runs at call time) rather than at import time


def _modules(package_dir):
    """{dotted module name: file path} for every .py file under `package_dir` (a package named after its folder)."""
    root = os.path.dirname(os.path.abspath(package_dir))
    out = {}
    for folder, _, files in os.walk(package_dir):
        for f in files:
            if not f.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, f), root)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            out[".".join(rel)] = os.path.join(folder, f)
    return out


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _is_package(name, files):
    return files.get(name, "").endswith("__init__.py")


def _resolve_base(module, node, files):
    """The absolute module a `from X import ...` names (relative levels resolved against `module`)."""
    if node.level == 0:
        return node.module
    package = module if _is_package(module, files) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _raw_imports(module, tree, files):
    """(target, name or None, line, function_level) for every import statement that can run."""
    out = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function)
                continue
            if isinstance(child, ast.Import):
                out.extend((alias.name, None, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve_base(module, child, files)
                out.extend((base, alias.name, child.lineno, in_function) for alias in child.names)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return out


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def build(package_dir):
    """(modules, edges): the sorted module names of the package at `package_dir` and the list of `Edge`s."""
    files = _modules(package_dir)
    top = os.path.basename(os.path.abspath(package_dir))
    trees = {m: ast.parse(_read(p), p) for m, p in files.items()}
    files[f"{top}._core"] = "<extension>"  # the compiled kernels: a module with no .py source
    raw = {m: _raw_imports(m, t, files) for m, t in trees.items()}

    # What each package __init__ re-exports at import time: {package: {name: module it comes from}}.
    reexports = defaultdict(dict)
    for m, imports in raw.items():
        if _is_package(m, files):
            for base, name, _, fn in imports:
                if name and not fn and name != "*":
                    reexports[m][name] = f"{base}.{name}" if f"{base}.{name}" in files else base

    def target(base, name):
        if not (base == top or base.startswith(top + ".")):
            return None
        if name and f"{base}.{name}" in files:
            return f"{base}.{name}"
        seen = set()
        while name and _is_package(base, files) and name in reexports[base] and base not in seen:
            seen.add(base)
            source = reexports[base][name]
            if source in files and not _is_package(source, files) or source == f"{base}.{name}":
                return source
            base = source  # re-exported from a subpackage: follow it there
        while base not in files and "." in base:  # `import fastnn.x.y` of a name that is not a module
            base = base.rpartition(".")[0]
        return base

    edges = []
    for m, imports in raw.items():
        for base, name, line, fn in imports:
            dst = target(base, name)
            if dst is not None and dst != m:
                edges.append(Edge(m, dst, line, fn))
    modules = sorted(set(files) | {e.dst for e in edges})
    return modules, edges


def cycles(modules, edges):
    """The strongly connected components with more than one module (each a sorted list), Tarjan's algorithm."""
    graph = defaultdict(set)
    for e in edges:
        graph[e.src].add(e.dst)
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in modules:
        if v not in index:
            strongconnect(v)
    return sorted(out)


# The two arrows against the layering that Keras has too: a Tensor's operators call ops (which import the tensor
# module), and `Model(inputs, outputs)` returns the Functional subclass.
KERAS_ARROWS = {("fastnn.tensor", "fastnn.ops"), ("fastnn.models.model", "fastnn.models.functional")}


def summary(package_dir):
    modules, edges = build(package_dir)
    pairs = {(e.src, e.dst) for e in edges}
    module_level = {(e.src, e.dst) for e in edges if not e.function_level}
    lines = [f"modules: {len(modules)}", f"edges (module pairs): {len(pairs)} ({len(module_level)} at import time)"]
    found = cycles(modules, edges)
    lines.append(f"cycles (strongly connected components): {len(found)}")
    lines += [f"  {len(c)} modules: {' '.join(c)}" for c in found]
    found = cycles(modules, [e for e in edges if not e.function_level])
    lines.append(f"cycles among import-time edges only: {len(found)}")
    lines += [f"  {len(c)} modules: {' '.join(c)}" for c in found]
    found = cycles(modules, [e for e in edges if (e.src, e.dst) not in KERAS_ARROWS])
    lines.append(f"cycles without the two arrows Keras has too (tensor -> ops, Model -> Functional): {len(found)}")
    lines += [f"  {len(c)} modules: {' '.join(c)}" for c in found]
    fn = sorted({(e.src, e.line, e.dst) for e in edges if e.function_level})
    lines.append(f"function-level imports of fastnn modules: {len(fn)}")
    lines += [f"  {src}:{line} -> {dst}" for src, line, dst in fn]
    return "\n".join(lines)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    print(summary(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "fastnn")))
