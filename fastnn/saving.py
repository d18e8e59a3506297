"""Saving and loading: weights files and whole-model files, both `.npz` archives read with allow_pickle=False
(a file can never run code), written atomically (temporary file in the target folder, fsync, rename), so an
interrupted save leaves the previous file intact.

- weights file: `__fastnn__` = b"weights", then `weight_000`, `weight_001`, ... in `model.weights` order.
- model file: `__fastnn__` = b"model", `__config__` = the architecture (and compile settings) as JSON bytes, the
  weights as above, and optionally the training state: the optimizer's (`optimizer_iterations`,
  `optimizer_slot_<w>_<s>`) and fastnn's global random state (`__random_state__`, JSON), so that a model loaded from
  a checkpoint and trained on with `fit(..., initial_epoch=e)` shuffles, drops out and updates exactly as the
  uninterrupted run would have.
"""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from . import random as random_module

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "serialize_object", "deserialize_object",
           "atomic_write_bytes"]

_FORMAT_VERSION = 1


# ------------------------------------------------------------------------------------------- files
def _filepath(filepath):
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"`filepath` must be a str or os.PathLike, received {filepath!r}")
    return os.fspath(filepath)


def _existing_file(path, kind):
    if os.path.isdir(path):
        raise IsADirectoryError(f"`filepath` {path!r} is a directory, not a fastnn {kind} file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path!r}")


def atomic_write_bytes(path, data):
    """Write `data` to `path` so readers see either the old file or the complete new one."""
    path = _filepath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path!r}: it is a directory (give a file name inside it)")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        except OSError:  # some filesystems do not support fsync on directories
            pass
        finally:
            os.close(dir_fd)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _read_npz(path, kind):
    path = _filepath(path)
    _existing_file(path, kind)
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as archive:  # our handle: always closed
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as e:
        raise ValueError(f"{path!r} is not a readable fastnn {kind} file (truncated or another format: {e})") \
            from None
    marker = arrays.get("__fastnn__")
    if marker is None or marker.dtype != np.uint8:
        raise ValueError(f"{path!r} is not a fastnn {kind} file (no fastnn marker)")
    found = bytes(marker).decode("ascii", "replace")
    if found != kind:
        raise ValueError(f"{path!r} is a fastnn {found} file, not a {kind} file")
    return arrays


def _marker(kind):
    return np.frombuffer(kind.encode("ascii"), np.uint8)


def _weights_dict(model):
    return {f"weight_{i:03d}": np.asarray(w.numpy()) for i, w in enumerate(model.weights)}


def _weights_from(arrays, path):
    names = sorted(name for name in arrays if name.startswith("weight_"))
    return [arrays[name] for name in names]


# ------------------------------------------------------------------------------------------- weights
def save_weights(model, filepath, overwrite=True):
    filepath = _filepath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    if filepath.endswith(".h5"):
        atomic_write_bytes(filepath, _keras_h5_bytes(model))
        return
    atomic_write_bytes(filepath, _npz_bytes({"__fastnn__": _marker("weights"), **_weights_dict(model)}))


def load_weights(model, filepath):
    if _filepath(filepath).endswith(".h5"):
        return _load_keras_h5(model, filepath)
    arrays = _read_npz(filepath, "weights")
    values = _weights_from(arrays, filepath)
    if not model.built or len(model.weights) == 0:
        raise ValueError(f"model {model.name!r} has no weights yet: build it (call it on data or build(shape)) "
                         "before load_weights")
    model.set_weights(values)


# ------------------------------------------------------------------------------------------- Keras .weights.h5
# Keras 3's layout: a Sequential or functional model stores each layer under layers/<snake class name>[_<n>]
# (numbered per class in model order), a subclassed model under its attribute names; a layer's own variables
# are <group>/vars/0, 1, ... in creation order.
def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Keras .h5 weights need h5py: pip install 'fastnn[h5]' (or h5py)") from None
    return h5py


def _h5_groups(model):
    """[(group path, layer)] in Keras' layout."""
    from .layers.layer import _snake_case  # noqa: PLC0415
    from .models import Sequential  # noqa: PLC0415
    from .models.functional import Functional  # noqa: PLC0415

    if isinstance(model, (Sequential, Functional)):
        counts, out = {}, []
        if isinstance(model, Functional):
            for _ in model.inputs:
                base = "input_layer"
                n = counts.get(base, 0)
                counts[base] = n + 1
                out.append((f"layers/{base}" + (f"_{n}" if n else ""), None))
        for layer in model.layers:
            base = _snake_case(type(layer).__name__)
            n = counts.get(base, 0)
            counts[base] = n + 1
            out.append((f"layers/{base}" + (f"_{n}" if n else ""), layer))
        return out
    # a subclassed model: Keras walks attributes in sorted order, and its `layers` list (reached between
    # attribute names) stores every layer not stored yet under layers/<snake class name>[_<n>]
    attributes = {name: value for name, value in vars(model).items()
                  if not name.startswith("_") and any(value is layer for layer in model._tracked_layers)}
    visited, out = set(), []
    for name in sorted(set(attributes) | {"layers"}):
        if name != "layers":
            if id(attributes[name]) not in visited:
                visited.add(id(attributes[name]))
                out.append((name, attributes[name]))
            continue
        counts = {}
        for layer in model._tracked_layers:
            base = _snake_case(type(layer).__name__)
            n = counts.get(base, 0)
            counts[base] = n + 1
            if id(layer) not in visited:
                visited.add(id(layer))
                out.append((f"layers/{base}" + (f"_{n}" if n else ""), layer))
    return out


def _keras_h5_bytes(model):
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = model.name
        for path, layer in _h5_groups(model):
            group = f.create_group(path + "/vars")
            group.attrs["name"] = path.rsplit("/", 1)[-1] if layer is None else layer.name
            for i, w in enumerate([] if layer is None else layer.weights):
                group.create_dataset(str(i), data=w.numpy())
    return buffer.getvalue()


def _load_keras_h5(model, filepath):
    h5py = _h5py()
    filepath = _filepath(filepath)
    _existing_file(filepath, "weights")
    if not model.built:
        raise ValueError(f"model {model.name!r} has no weights yet: build it before load_weights")
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath!r} is not a readable HDF5 weights file ({e})") from None
    with f:
        values = []
        for path, layer in _h5_groups(model):
            if layer is None or not layer.weights:
                continue
            group = f.get(path + "/vars")
            if group is None:
                raise ValueError(f"{filepath!r} has no weights for layer {layer.name!r} (expected group {path!r})")
            if len(group) != len(layer.weights):
                raise ValueError(f"{filepath!r} holds {len(group)} weights for layer {layer.name!r}, which has "
                                 f"{len(layer.weights)}")
            values.extend(np.asarray(group[str(i)]) for i in range(len(layer.weights)))
    model.set_weights(values)


# ------------------------------------------------------------------------------------------- objects
def serialize_object(obj):
    """None, a name string, or {"class_name", "config"} for objects with get_config (initializers, regularizers,
    constraints, losses, optimizers, schedules, layers)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        config = obj.get_config()
        return {"class_name": type(obj).__name__, "config": {k: serialize_object(v) if not isinstance(
            v, (list, tuple, dict)) else v for k, v in config.items()}}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"cannot serialize {obj!r}: give it a get_config() or use a built-in by name")
    return name


def deserialize_object(spec, modules, custom_objects=None):
    """The inverse of serialize_object: look the class up in custom_objects, then in `modules`."""
    if not isinstance(spec, dict):
        return spec
    name, config = spec.get("class_name"), dict(spec.get("config") or {})
    cls = (custom_objects or {}).get(name)
    for module in modules:
        if cls is None:
            cls = getattr(module, name, None)
    if cls is None:
        raise ValueError(f"Unknown object {name!r} in the saved config: pass it in custom_objects={{'{name}': ...}}")
    for key, value in config.items():
        if isinstance(value, dict) and "class_name" in value:
            config[key] = deserialize_object(value, modules, custom_objects)
    return cls.from_config(config)


# ------------------------------------------------------------------------------------------- whole models
def save_model(model, filepath, overwrite=True, include_optimizer=True):
    from . import models  # noqa: PLC0415

    filepath = _filepath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: call it on data or build(shape) before saving")
    config = {"format_version": _FORMAT_VERSION, "class_name": type(model).__name__,
              "config": model.get_config(), "build_input_shape": model._saved_input_shape(),
              "is_sequential": isinstance(model, models.Sequential)}
    arrays = {"__fastnn__": _marker("model"), **_weights_dict(model)}
    compiled = getattr(model, "_compiled", None)
    if compiled is not None:
        config["compile"] = {"optimizer": serialize_object(model.optimizer),
                             "loss": _loss_spec(compiled),
                             "metrics": [m if isinstance(m, str) else serialize_object(m)
                                         for m in compiled.metric_specs]}
        if include_optimizer:
            opt = model.optimizer
            arrays["optimizer_iterations"] = np.asarray(int(opt.iterations), np.int64)
            for i, w in enumerate(model.trainable_weights):
                entry = opt._slots.get(id(w))
                for j, slot in enumerate(entry[1] if entry else []):
                    arrays[f"optimizer_slot_{i:03d}_{j}"] = slot.numpy()
            # seeded Dropout / augmentation layers count their calls to vary the mask reproducibly
            counters = [getattr(layer, "_calls", None) for layer in model._all_layers()]
            arrays["__random_state__"] = _json_bytes({**random_module._get_state(), "layer_calls": counters})
    arrays["__config__"] = _json_bytes(config)
    atomic_write_bytes(filepath, _npz_bytes(arrays))


def _json_bytes(data):
    return np.frombuffer(json.dumps(data).encode("utf-8"), np.uint8)


def _json_entry(arrays, key, filepath, what):
    """The JSON stored under `key` by `_json_bytes`; a ValueError naming `what` if it is missing or damaged."""
    try:
        return json.loads(bytes(arrays[key]).decode("utf-8"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{os.fspath(filepath)!r} has a damaged {what} ({e})") from None


def _loss_spec(compiled):
    identifier = getattr(compiled, "loss_identifier", compiled.loss)
    if isinstance(identifier, str):
        return identifier
    return serialize_object(identifier)


def deserialize_layer(spec, custom_objects=None):
    """A layer from {"class_name", "config"} (fastnn.layers or custom_objects)."""
    from . import constraints, initializers, layers, regularizers  # noqa: PLC0415

    return deserialize_object(spec, [layers, initializers, regularizers, constraints], custom_objects)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002  (Keras' name)
    """The model saved by `model.save(filepath)`. With `compile=True` and a file saved with its optimizer (the
    default, and what `ModelCheckpoint` writes), the training state comes back too: optimizer step and slots, and
    the global random state at save time, so `fit(..., initial_epoch=e)` resumes exactly where the run stopped."""
    from . import constraints, initializers, layers, losses, metrics, models, optimizers, regularizers  # noqa

    arrays = _read_npz(filepath, "model")
    config = _json_entry(arrays, "__config__", filepath, "model config")
    modules = [layers, models, initializers, regularizers, constraints, losses, optimizers,
               optimizers.schedules, metrics]
    if config.get("is_sequential"):
        model = models.Sequential(name=config["config"].get("name"))
        for spec in config["config"]["layers"]:
            model.add(deserialize_object(spec, modules, custom_objects))
    elif config["class_name"] == "Functional":
        from .models.functional import Functional  # noqa: PLC0415

        model = Functional.from_config(config["config"], custom_objects)
    else:
        model = deserialize_object({"class_name": config["class_name"], "config": config["config"]}, modules,
                                   custom_objects)
    shape = config.get("build_input_shape")
    if shape is not None and not model.built:
        model._build_for_loading(tuple(shape))
    model.set_weights(_weights_from(arrays, filepath))
    if compile and "compile" in config:
        spec = config["compile"]
        optimizer = deserialize_object(spec["optimizer"], modules, custom_objects)
        loss = deserialize_object(spec["loss"], modules, custom_objects)
        metric_specs = [deserialize_object(m, modules, custom_objects) for m in spec["metrics"]]
        model.compile(optimizer=optimizer, loss=loss, metrics=metric_specs)
        if "optimizer_iterations" in arrays:
            model.optimizer.build(model.trainable_weights)
            model.optimizer.iterations.assign(int(arrays["optimizer_iterations"]))
            for i, w in enumerate(model.trainable_weights):
                for j, slot in enumerate(model.optimizer._slots[id(w)][1]):
                    key = f"optimizer_slot_{i:03d}_{j}"
                    if key in arrays:
                        slot.assign(arrays[key])
        if "__random_state__" in arrays:
            state = _json_entry(arrays, "__random_state__", filepath, "random state")
            try:
                random_module._set_state(state)
                for layer, calls in zip(model._all_layers(), state.get("layer_calls", [])):
                    if calls is not None and hasattr(layer, "_calls"):
                        layer._calls = int(calls)
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{os.fspath(filepath)!r} has a damaged random state ({e})") from None
    return model
