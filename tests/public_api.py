"""The public API, as the docs promise it: every class and function named in `fastnn.__all__` and, recursively, in
the `__all__` of each public fastnn module it names (layers, models, optimizers and optimizers.schedules, losses,
metrics, ..., kernels, distributed). Shared by tests/test_docstrings.py and tests/test_docs.py."""
import inspect
import types

import fastnn


def _public_names(module):
    """A module's `__all__`; for one without (fastnn.datasets.mnist, ...), the public names it defines itself."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name in vars(module) if not name.startswith("_")
            and getattr(getattr(module, name), "__module__", None) == module.__name__]


def _is_public_module(obj):
    return isinstance(obj, types.ModuleType) and obj.__name__.startswith("fastnn.")


def public_objects():
    """{id(obj): (obj, [every public dotted path that names it])}, classes and functions only, in walk order."""
    found = {}
    seen_modules = set()

    def walk(module, prefix):
        seen_modules.add(module.__name__)
        for name in _public_names(module):
            obj = getattr(module, name)
            path = f"{prefix}.{name}"
            if isinstance(obj, types.ModuleType):
                if _is_public_module(obj) and obj.__name__ not in seen_modules:
                    walk(obj, path)
                continue
            if inspect.isclass(obj) or inspect.isroutine(obj):
                paths = found.setdefault(id(obj), (obj, []))[1]
                paths.append(path)
                # where it is defined names it too (`fastnn.kernels.conv2d.conv2d`: the package attribute
                # `conv2d` is the function, and documentation tools see the module of that name there)
                home = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
                if home.startswith("fastnn.") and home not in paths:
                    paths.append(home)

    walk(fastnn, "fastnn")
    return found


def public_modules():
    """{name: module} for every public fastnn module reached from `fastnn.__all__`."""
    modules = {}

    def walk(module):
        modules[module.__name__] = module
        for name in _public_names(module):
            obj = getattr(module, name)
            if _is_public_module(obj) and obj.__name__ not in modules:
                walk(obj)

    walk(fastnn)
    return modules
