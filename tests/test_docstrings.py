"""Every public class and function (tests/public_api.py: `fastnn.__all__` and each public module's `__all__`) has a
Keras-style docstring: a one-line summary, an `Args:` section when it takes arguments (a class: its `__init__`'s),
every named argument documented there, and for layers `Input shape:` and `Output shape:` sections. The docs site
(tests/test_docs.py) is generated from these docstrings.

`python tests/test_docstrings.py` prints the coverage: public names with a full docstring / all public names."""
import enum
import inspect
import re

import pytest
from public_api import public_objects

import fastnn

# Layers that take no input of their own: the shape sections do not apply.
NO_SHAPE_SECTIONS = {
    fastnn.layers.Layer,       # the base class: shapes are the subclass's
    fastnn.layers.InputLayer,  # holds the model's input; documented with `shape`/`batch_size` instead
}

_SECTION = re.compile(r"^(\w[\w ]*):\s*$")


def _docstring(obj):
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__  # a class's own, not inherited
    return inspect.cleandoc(doc) if doc else ""


def _signature_params(obj):
    """The arguments to document: a function's, or its class's `__init__`'s (a layer that inherits `Layer.__init__`,
    as the merge layers do, documents `**kwargs` only, as Keras does: the base arguments are documented on Layer)."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and target is object.__init__:
        return []
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return []
    params = [p for p in params if p.name not in ("self", "cls")]
    if inspect.isclass(obj) and issubclass(obj, enum.Enum):
        return []  # an enum is not constructed with arguments (`Enum(value)` looks a member up)
    if inspect.isclass(obj) and obj.__init__ is fastnn.layers.Layer.__init__ and obj is not fastnn.layers.Layer:
        return [p for p in params if p.kind is p.VAR_KEYWORD]
    return params


def _documented_args(doc):
    """The names listed in the Args: section (`name: ...`, `*args: ...`, `**kwargs: ...`)."""
    lines = doc.splitlines()
    try:
        start = lines.index("Args:") + 1
    except ValueError:
        return None
    names = set()
    for line in lines[start:]:
        if line and not line.startswith(" ") and _SECTION.match(line):
            break
        m = re.match(r"^ {4}(\*{0,2}\w+)(?: \([^)]*\))?:", line)
        if m:
            names.add(m.group(1).lstrip("*"))
    return names


def problems(obj):
    """What the docstring of `obj` lacks (empty when it is complete)."""
    doc = _docstring(obj)
    if not doc.strip():
        return ["no docstring"]
    found = []
    summary = doc.splitlines()[0].strip()
    if not summary or _SECTION.match(summary):
        found.append("no one-line summary")
    params = _signature_params(obj)
    if params:
        documented = _documented_args(doc)
        if documented is None:
            found.append("no Args: section")
        else:
            missing = [p.name for p in params if p.name not in documented]
            if missing:
                found.append(f"Args: does not document {missing}")
    if (inspect.isclass(obj) and issubclass(obj, fastnn.layers.Layer) and obj not in NO_SHAPE_SECTIONS
            and not issubclass(obj, fastnn.Model)):
        for section in ("Input shape:", "Output shape:"):
            if section not in doc.splitlines():
                found.append(f"no {section} section")
    return found


def coverage():
    """(names with a full docstring, all public names, {first path: problems} of the others)."""
    objects = public_objects()
    incomplete = {paths[0]: problems(obj) for obj, paths in objects.values() if problems(obj)}
    return len(objects) - len(incomplete), len(objects), incomplete


def _cases():
    return [pytest.param(obj, id=paths[0]) for obj, paths in public_objects().values()]


@pytest.mark.parametrize("obj", _cases())
def test_public_name_has_a_keras_style_docstring(obj):
    assert problems(obj) == []


def _examples():
    """Every ```python block of a public docstring, except those that say they run under `mpiexec` (the
    distributed tests run those programs as separate MPI jobs; in-process they would initialise MPI here)."""
    cases = []
    for obj, paths in public_objects().values():
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", _docstring(obj), re.S)):
            if not block.startswith("# launched as: mpiexec"):
                cases.append(pytest.param(block, id=f"{paths[0]}-{i}"))
    return cases


@pytest.mark.parametrize("code", _examples())
def test_docstring_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    exec(compile(code, "<docstring example>", "exec"), {"__name__": "__docstring_example__"})


def test_the_check_catches_a_missing_section():
    def documented(units, activation=None):
        """Makes a thing.

        Args:
            units: how many.
        """

    class NoShapes(fastnn.layers.Layer):
        """A layer.

        Args:
            **kwargs: base layer arguments.
        """

    assert problems(documented) == ["Args: does not document ['activation']"]
    assert problems(NoShapes) == ["no Input shape: section", "no Output shape: section"]


if __name__ == "__main__":
    done, total, incomplete = coverage()
    for path, issues in incomplete.items():
        print(f"{path}: {'; '.join(issues)}")
    print(f"docstring coverage: {done}/{total} public names have a full docstring ({100 * done / total:.0f}%)")
