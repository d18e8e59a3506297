"""Keras `.weights.h5` files: fastnn models read and write the weights files Keras 3 writes (`model.save_weights(
"x.weights.h5")`), in Keras 3's layout. h5py is an optional dependency, imported only when such a file is used.

Keras 3's layout: a Sequential or functional model stores each layer under layers/<snake class name>[_<n>]
(numbered per class in model order), a subclassed model under its attribute names; a layer's own variables are
<group>/vars/0, 1, ... in creation order (what `Layer.save_own_variables` writes).

Reading treats the file as untrusted: it never reads another file (external storage, external or soft links and
virtual datasets are refused), refuses compressed datasets, and checks every dataset's shape and dtype before
reading it; every value is read before any layer is changed.
"""
import io

import numpy as np

from .files import _existing_file, _filepath
from .serialization import registered_module, to_snake_case


def _h5py():
    try:
        import h5py  # noqa: PLC0415  (optional dependency: imported only when an .h5 file is used)
    except ImportError:
        raise ImportError("Keras .h5 weights need h5py: pip install 'fastnn[h5]' (or h5py)") from None
    return h5py


def _numbered(counts, base, prefix=""):
    n = counts.get(base, 0)
    counts[base] = n + 1
    return f"{prefix}layers/{base}" + (f"_{n}" if n else "")


def _h5_groups(model, prefix=""):
    """[(group path, layer or None)] in Keras' layout (None: a group with no variables of its own)."""
    sequential, functional = registered_module("models").Sequential, registered_module("functional").Functional
    if not isinstance(model, (sequential, functional)):
        return _attribute_groups(model, prefix)
    counts, out = {}, []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            out.append((_numbered(counts, "input_layer", prefix), None))
        else:
            out += _layer_groups(_numbered(counts, to_snake_case(type(layer).__name__), prefix), layer)
    return out


def _layer_groups(path, layer):
    """A layer's groups: a nested Sequential or functional model nests its layers under `<path>/layers/...`; a
    layer that names its sublayers in `_keras_h5_children()` stores each under `<path>/<name>`; a layer or
    subclassed model with sublayers keeps its own variables in `<path>/vars` and its sublayers under their
    attribute names, as Keras walks them; any other layer is the one group `<path>`."""
    sequential, functional = registered_module("models").Sequential, registered_module("functional").Functional
    if isinstance(layer, (sequential, functional)):
        return [(path, None)] + _h5_groups(layer, path + "/")
    children = getattr(layer, "_keras_h5_children", None)
    if children is not None:  # a wrapper that names its sublayers as Keras stores them (a recurrent layer's cell,
        out = [(path, _OwnVariables(layer))]  # Bidirectional's forward/backward_layer, TimeDistributed's layer)
        for name, child in children():
            out += _layer_groups(f"{path}/{name}", child)
        return out
    if layer.flatten_layers(recursive=False):
        return [(path, _OwnVariables(layer))] + _attribute_groups(layer, path + "/")
    return [(path, layer)]


def _attribute_groups(obj, prefix):
    """A subclassed model's or composite layer's sublayers as Keras 3 walks them: public attributes in sorted order
    (a list/tuple/dict of layers is a folder of `<snake class name>[_<n>]` groups), a model's `layers` list
    among them storing every layer not stored yet under `layers/<snake class name>[_<n>]`."""
    layer_class = registered_module("layers").Layer
    sublayers = obj.flatten_layers(recursive=False)
    attributes = {}
    for name, value in vars(obj).items():
        items = list(value.values()) if isinstance(value, dict) else value
        if name.startswith("_"):
            continue
        if isinstance(value, layer_class) or (isinstance(items, (list, tuple)) and items and all(
                isinstance(v, layer_class) for v in items)):
            attributes[name] = value
    names = set(attributes) | ({"layers"} if isinstance(obj, registered_module("models").Model) else set())
    visited, out = set(), []
    for name in sorted(names):
        if name == "layers":
            members = [(prefix + "layers/", sublayers)]
        elif isinstance(attributes[name], layer_class):
            if id(attributes[name]) not in visited:
                visited.add(id(attributes[name]))
                out += _layer_groups(prefix + name, attributes[name])
            continue
        else:
            value = attributes[name]
            members = [(prefix + name + "/", list(value.values()) if isinstance(value, dict) else value)]
        for folder, layers in members:
            counts = {}
            for layer in layers:
                base = to_snake_case(type(layer).__name__)
                n = counts.get(base, 0)
                counts[base] = n + 1
                if id(layer) not in visited:
                    visited.add(id(layer))
                    out += _layer_groups(folder + base + (f"_{n}" if n else ""), layer)
    return out


class _OwnVariables:
    """A layer's own variables (not its sublayers'), as Keras' `save_own_variables` stores them for a layer
    with sublayers."""

    def __init__(self, layer):
        self.name, self._layer = layer.name, layer

    @property
    def weights(self):
        return list(self._layer._own_weights)

    def save_own_variables(self, store):
        for i, w in enumerate(self.weights):
            store[str(i)] = w.numpy()

    def load_own_variables(self, store):
        for i, w in enumerate(self.weights):
            w.assign(np.asarray(store[str(i)], dtype=w.dtype))


class _H5Store:
    """A Keras-style variable store writing into an h5py group (`store["0"] = array` creates dataset 0)."""

    def __init__(self, group):
        self._group = group

    def __setitem__(self, key, value):
        self._group.create_dataset(key, data=np.asarray(value))


def keras_h5_bytes(model, optimizer_variables=None):
    """Serializes a model's weights as a Keras 3 `.weights.h5` file.

    Args:
        model: a built fastnn model.
        optimizer_variables: None, or `(name, {"0": array, ...})`: the optimizer's state in Keras' layout, stored
            under `optimizer/vars` as Keras stores it in `.keras` archives.

    Returns:
        bytes, the HDF5 file (write it with `atomic_write_bytes`).

    Raises:
        ImportError: h5py is not installed.

    Example:

    >>> atomic_write_bytes("m.weights.h5", keras_h5_bytes(model))
    """
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = model.name
        for path, layer in _h5_groups(model):
            group = f.create_group(path + "/vars")
            group.attrs["name"] = path.rsplit("/", 1)[-1] if layer is None else layer.name
            if layer is not None:
                layer.save_own_variables(_H5Store(group))
        if optimizer_variables is not None:
            group = f.create_group("optimizer/vars")
            group.attrs["name"] = optimizer_variables[0]
            for key, value in optimizer_variables[1].items():
                group.create_dataset(key, data=np.asarray(value))
    return buffer.getvalue()


def read_keras_optimizer_variables(f, filepath):
    """The `optimizer/vars` datasets of an open Keras weights file (in a `.keras` archive), checked as weights are.

    Args:
        f: an open `h5py.File`.
        filepath: str, the file's name for error messages.

    Returns:
        dict mapping "0", "1", ... to numpy arrays, or None when the file holds no optimizer state.

    Raises:
        ValueError: the group or a dataset is damaged, not numeric, or points outside the file.

    Example:

    >>> read_keras_optimizer_variables(h5py.File(io.BytesIO(data), "r"), "m.keras")
    {'0': array(3), '1': array(0.001, dtype=float32), ...}
    """
    h5py = _h5py()
    try:
        with f:
            if "optimizer" not in f:
                return None
            group = _h5_local(h5py, f, "optimizer/vars", filepath, None)
            return {name: _h5_value(h5py, group, name, None, f"optimizer/vars/{name}", filepath)
                    for name in group}
    except OSError as e:
        raise ValueError(f"{filepath!r} is a damaged HDF5 weights file ({e})") from None


def load_keras_h5(model, filepath):
    """Loads a Keras 3 `.weights.h5` file (written by Keras or fastnn) into a built model.

    Args:
        model: a built fastnn model with the architecture the file was saved from.
        filepath: str or os.PathLike.

    Raises:
        ValueError: the model is not built, or the file is not such a weights file, is damaged, does not match
            the model, or points outside itself (links, external or virtual datasets): the message names the file.
        ImportError: h5py is not installed.
        FileNotFoundError / IsADirectoryError: `filepath` is missing or a directory.

    Example:

    >>> load_keras_h5(model, "m.weights.h5")
    """
    h5py = _h5py()
    filepath = _filepath(filepath)
    _existing_file(filepath, "weights")
    if not model.built:
        raise ValueError(f"model {model.name!r} has no weights yet: build it before load_weights")
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath!r} is not a readable HDF5 weights file ({e})") from None
    read_keras_h5(model, f, filepath)


def read_keras_h5(model, f, filepath):
    """Loads the weights of an open HDF5 file in Keras 3's layout into a built model, and closes the file.

    Args:
        model: a built fastnn model.
        f: an open `h5py.File` (a `.weights.h5` file, or the `model.weights.h5` of a `.keras` archive).
        filepath: str, the file's name for error messages.

    Raises:
        ValueError: the weights are missing, damaged, do not match the model, or point outside the file.

    Example:

    >>> read_keras_h5(model, h5py.File("m.weights.h5", "r"), "m.weights.h5")
    """
    h5py = _h5py()
    try:
        with f:
            stores = []
            for path, layer in _h5_groups(model):
                if layer is None or not layer.weights:
                    continue
                group = _h5_local(h5py, f, path + "/vars", filepath, layer)
                expected = [str(i) for i in range(len(layer.weights))]
                names = sorted(group.keys())  # link names only: nothing is resolved yet
                if len(names) != len(expected):
                    raise ValueError(f"{filepath!r} holds {len(names)} weights for layer {layer.name!r}, which has "
                                     f"{len(layer.weights)}")
                if names != sorted(expected):
                    raise ValueError(f"{filepath!r}: {path + '/vars'!r} holds {names[:8]}, expected the datasets "
                                     f"0 ... {len(expected) - 1}")
                stores.append((layer, {str(i): _h5_value(h5py, group, str(i), w, f"{path}/vars/{i}", filepath)
                                       for i, w in enumerate(layer.weights)}))
    except OSError as e:  # HDF5 errors inside a damaged file
        raise ValueError(f"{filepath!r} is a damaged HDF5 weights file ({e})") from None
    for layer, store in stores:  # every value is read and checked: now change the layers
        layer.load_own_variables(store)


def _h5_local(h5py, f, path, filepath, layer):
    """The group at `path`, reached through hard links only (a soft or external link is refused, not followed)."""
    node = f
    for depth, name in enumerate(path.split("/")):
        link = node.get(name, getlink=True)
        where = "/".join(path.split("/")[:depth + 1])
        if link is None:
            owner = "the optimizer" if layer is None else f"layer {layer.name!r}"
            raise ValueError(f"{filepath!r} has no weights for {owner} (expected group {path!r})")
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"{filepath!r}: {where!r} is a {type(link).__name__} to another location; fastnn reads "
                             "only data stored in the file itself")
        node = node[name]
        if not isinstance(node, h5py.Group):
            raise ValueError(f"{filepath!r}: {where!r} is not a group")
    return node


def _h5_value(h5py, group, name, variable, where, filepath):
    """The dataset `name` of `group` for `variable`, refused unless stored in this file with the variable's shape
    and a numeric dtype (checked before reading any data)."""
    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{filepath!r}: {where!r} is a {type(link).__name__} to another location; fastnn reads "
                         "only data stored in the file itself")
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"{filepath!r}: {where!r} is not a dataset")
    plist = dataset.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise ValueError(f"{filepath!r}: {where!r} is a virtual dataset (its data lives in other files): refused")
    if plist.get_external_count() > 0:
        raise ValueError(f"{filepath!r}: {where!r} keeps its data in external files: refused")
    if plist.get_nfilters() > 0:  # Keras and fastnn never compress weights: a filter can only be a bomb here
        raise ValueError(f"{filepath!r}: {where!r} is compressed or filtered, which Keras weights files never are")
    dtype, shape = dataset.dtype, dataset.shape
    if variable is None:  # an optimizer variable: its shape and kind are checked by the optimizer
        if dtype.kind not in "biuf" or dtype.fields is not None:
            raise ValueError(f"{filepath!r}: {where!r} has dtype {dtype}, which is not numeric")
        return np.asarray(dataset[()])
    if shape != variable.shape:
        raise ValueError(f"{filepath!r}: {where!r} has shape {shape}, but weight {variable.name!r} has shape "
                         f"{variable.shape}")
    if dtype.kind not in "biuf" or dtype.fields is not None or not np.can_cast(dtype, variable.dtype, "same_kind"):
        raise ValueError(f"{filepath!r}: {where!r} has dtype {dtype}, which does not convert to weight "
                         f"{variable.name!r}'s {np.dtype(variable.dtype)}")
    return np.asarray(dataset[()])


