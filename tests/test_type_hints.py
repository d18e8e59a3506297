"""Every public function and every public class' own `__init__` (tests/public_api.py) annotates each named
parameter and the return, so editors and type checkers see the API the docs describe (`fastnn` ships `py.typed`).
The annotations must also resolve: `typing.get_type_hints` evaluates them (they are strings under
`from __future__ import annotations`, so a misspelt or unimported name would only surface here).

`python tests/test_type_hints.py` prints the coverage."""
import inspect
import pathlib
import sys
import typing

import pytest
from public_api import public_objects


def _callables():
    """(dotted path, function) for each public function and each public class' own __init__."""
    found = []
    for obj, paths in public_objects().values():
        if inspect.isclass(obj):
            init = vars(obj).get("__init__")
            if init is not None and inspect.isfunction(init):
                found.append((f"{paths[0]}.__init__", init))
        elif inspect.isfunction(obj):
            found.append((paths[0], obj))
    return found


def _missing(path, fn):
    """The parameter names (and "return") without an annotation."""
    signature = inspect.signature(fn)
    missing = [p.name for p in signature.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


CALLABLES = _callables()


def test_there_is_an_api_to_check():
    assert len(CALLABLES) > 300, len(CALLABLES)


def test_every_public_signature_is_annotated():
    missing = {path: names for path, fn in CALLABLES if (names := _missing(path, fn))}
    assert not missing, "\n".join(f"{path}: {names}" for path, names in missing.items())


@pytest.mark.skipif(sys.version_info < (3, 10), reason="`X | Y` annotations evaluate only on Python >= 3.10")
def test_annotations_resolve():
    unresolved = {}
    for path, fn in CALLABLES:
        try:
            typing.get_type_hints(fn)
        except Exception as exc:  # noqa: BLE001  (any failure to evaluate is what this test reports)
            unresolved[path] = f"{type(exc).__name__}: {exc}"
    assert not unresolved, "\n".join(f"{path}: {err}" for path, err in unresolved.items())


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    done = sum(not _missing(path, fn) for path, fn in CALLABLES)
    print(f"annotated public signatures: {done}/{len(CALLABLES)}")
