"""Keras 3 `.keras` archives: the zip that `keras.Model.save("m.keras")` writes and `keras.models.load_model` reads.

An archive holds `metadata.json`, `config.json` (the model as Keras serializes it: `module`, `class_name`,
`config`, `build_config`, `compile_config`) and `model.weights.h5` (the weights in Keras 3's layout, see
`keras_h5`). fastnn writes and reads Sequential models of the layers both libraries have; their configs use the same
argument names, so the translation is generic: Keras' extra wrapping (`module`, `registered_name`, dtype
policies) is added or removed, and a Keras-only option is dropped when it is at its default and refused otherwise.

Limits: fastnn writes no `compile_config` (Keras loads the model uncompiled; the weights and predictions are equal)
and reads no optimizer state from Keras archives (with `compile=True` the model is compiled with the saved
optimizer's settings and starts from a fresh optimizer state). Functional and subclassed models are refused with a
ValueError that says so (use fastnn's `.npz` model files for them).

Reading treats the archive as untrusted, as the other formats: members are size-checked before they are read, the
config is parsed with depth limits, the model rebuilt from it may not create more weights than the weights member
could hold, and the weights are checked against the model (see `keras_h5`) before any is set.
"""
import datetime
import inspect
import io
import json
import zipfile

import numpy as np

from .. import version as version_module
from .files import _existing_file, _filepath, _parse_json, atomic_write_bytes
from .keras_h5 import _h5py, keras_h5_bytes, read_keras_h5
from .serialization import _public_class, deserialize_object, registered_module, weight_budget

__all__ = ["save_keras_archive", "load_keras_archive", "is_keras_archive"]

_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MAX_JSON_BYTES = 16 << 20
_HDF5_OVERHEAD = 16 << 20  # groups, attributes and dataset headers of a weights member, beyond the values
_MAX_WEIGHTS_BYTES = 1 << 34  # 16 GiB: far beyond the models fastnn trains, short of a bomb's declared size
# Keys Keras writes around or inside configs that carry no meaning for fastnn
_WRAPPING = ("module", "registered_name", "build_config", "compile_config", "shared_object_id")
# Config keys of wrapper layers that hold a whole layer (Bidirectional's `layer` and `backward_layer`)
_LAYER_KEYS = ("layer", "backward_layer")
_ROLES = {"_initializer": "keras.initializers", "_regularizer": "keras.regularizers",
          "_constraint": "keras.constraints"}
# Keras-only options with a default other than None/False/0 (fastnn's layers behave as at these values)
# Keras-only options at the values that mean "off" in Keras (a config with them is read; any other value is refused)
_KERAS_DEFAULTS = {"groups": 1, "data_format": "channels_last", "renorm_momentum": 0.99}
# Errors a damaged (or hostile) config can raise while the model is rebuilt from it
_REBUILD_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError,
                   OverflowError)


# ------------------------------------------------------------------------------------------- writing
def _keras_object(value, module):
    """fastnn's {"class_name", "config"} as Keras writes it."""
    return {"module": module, "class_name": value["class_name"], "config": value["config"], "registered_name": None}


def _keras_layer_config(layer):
    config = _keras_config(layer.get_config())
    for key, child in getattr(layer, "_keras_children", list)():  # a wrapper's sublayers (TimeDistributed's layer)
        config[key] = _keras_object({"class_name": type(child).__name__, "config": _keras_layer_config(child)},
                                    "keras.layers")
    return config


def _keras_config(config):
    config = dict(config)
    config.pop("input_shape", None)  # Keras takes the input shape from the InputLayer (and warns on this key)
    for key, value in config.items():
        role = next((module for suffix, module in _ROLES.items() if key.endswith(suffix)), None)
        if role is not None and isinstance(value, dict) and "class_name" in value:
            config[key] = _keras_object(value, role)
        elif key in _LAYER_KEYS and isinstance(value, dict) and isinstance(value.get("config"), dict):
            config[key] = _keras_object({"class_name": value["class_name"], "config": _keras_config(value["config"])},
                                        "keras.layers")
    return config


def keras_archive_bytes(model):
    """Serializes a Sequential model as a Keras 3 `.keras` archive.

    Args:
        model: a built fastnn `Sequential` model.

    Returns:
        bytes, the zip archive.

    Raises:
        ValueError: the model is not built, or is not a Sequential model.
        ImportError: h5py is not installed.

    Example:

    >>> atomic_write_bytes("m.keras", keras_archive_bytes(model))
    """
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: call it on data or build(shape) before saving")
    if not isinstance(model, registered_module("models").Sequential) or type(model).get_config is not \
            registered_module("models").Sequential.get_config:
        raise ValueError(f"fastnn writes .keras archives of Sequential models; model {model.name!r} is a "
                         f"{type(model).__name__}: save it with the .npz extension (fastnn's model file)")
    input_shape = model.get_build_config()["input_shape"]
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
               "config": {"batch_shape": input_shape, "dtype": "float32", "name": "input_layer"}}]
    for layer in model.layers:
        layers.append({"module": "keras.layers", "class_name": type(layer).__name__, "registered_name": None,
                       "config": _keras_layer_config(layer)})
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": model.name, "trainable": model.trainable, "dtype": "float32", "layers": layers,
                         "build_input_shape": input_shape},
              "build_config": {"input_shape": input_shape}}
    metadata = {"keras_version": "3.0.0", "fastnn_version": version_module.VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_METADATA, json.dumps(metadata))
        archive.writestr(_CONFIG, json.dumps(config))
        archive.writestr(_WEIGHTS, keras_h5_bytes(model))
    return buffer.getvalue()


def save_keras_archive(model, filepath):
    """Saves a Sequential model as a Keras 3 `.keras` archive that `keras.models.load_model` loads.

    Args:
        model: a built fastnn `Sequential` model.
        filepath: str or os.PathLike, usually ending in `.keras`.

    Raises:
        ValueError: the model is not a built Sequential model.
        ImportError: h5py is not installed.

    Example:

    >>> save_keras_archive(model, "model.keras")  # then keras.models.load_model("model.keras")
    """
    filepath = _filepath(filepath)
    _h5py()  # fail before anything is written
    atomic_write_bytes(filepath, keras_archive_bytes(model))


# ------------------------------------------------------------------------------------------- reading
def is_keras_archive(filepath):
    """Tells whether a file is a zip archive holding Keras' `config.json` (what `.keras` files are).

    Args:
        filepath: str or os.PathLike of an existing regular file.

    Returns:
        bool.

    Example:

    >>> is_keras_archive("model.keras")
    True
    """
    try:
        with zipfile.ZipFile(_filepath(filepath)) as archive:
            return _CONFIG in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _plain(value):
    """A Keras-serialized value (config dict, dtype policy, nested object) as fastnn's config value."""
    if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
        return (value.get("config") or {}).get("name", "float32")
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return {"class_name": value["class_name"], "config": value["config"]}
    return value


def _accepted(cls):
    """The keyword arguments `cls(...)` accepts: its own and, through **kwargs, its base classes'."""
    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters.values()
        names |= {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return names


def _fastnn_config(cls, config, what):
    """A Keras config for `cls`, with Keras-only options dropped when at their defaults (refused otherwise)."""
    accepted, out = _accepted(cls), {}
    for key, value in config.items():
        if key in accepted:
            out[key] = _plain(value)
        elif value not in (None, False, 0, [], {}) and value != _KERAS_DEFAULTS.get(key):
            raise ValueError(f"{what} sets {key}={value!r}, which fastnn's {cls.__name__} does not support")
    return out


def _nested(value, modules, custom_objects, what):
    """An initializer, regularizer or constraint from its Keras config (Keras-only options at defaults dropped)."""
    cls = (custom_objects or {}).get(value["class_name"]) or _public_class(modules, value["class_name"])
    config = value["config"] if isinstance(value["config"], dict) else {}
    if isinstance(cls, type):
        config = _fastnn_config(cls, config, what)
        # a wrapped layer's own nested objects (TimeDistributed's Dense and its initializers) the same way
        config = {key: _nested(item, modules, custom_objects, what) if isinstance(item, dict) and "class_name" in item
                  else item for key, item in config.items()}
    return deserialize_object({"class_name": value["class_name"], "config": config}, modules, custom_objects)


def _read_member(archive, name, limit, filepath):
    info = next((i for i in archive.infolist() if i.filename == name), None)
    if info is None:
        raise ValueError(f"{filepath!r} is not a Keras archive (no {name})")
    if info.file_size > limit or info.flag_bits & 0x1:
        raise ValueError(f"{filepath!r}: {name} is encrypted or declares {info.file_size} bytes, more than the "
                         f"{limit} such a member may hold")
    try:
        with archive.open(info) as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise ValueError(f"{filepath!r} is a damaged Keras archive ({name}: {e})") from None
    if len(data) != info.file_size:
        raise ValueError(f"{filepath!r} is a damaged Keras archive ({name} holds {len(data)} of {info.file_size} "
                         "bytes)")
    return data


class _Budget:
    def __init__(self, values, filepath):
        self.left, self.filepath = values, filepath

    def take(self, values, name):
        if values > self.left:
            raise ValueError(f"its layers create more weight values than {self.filepath!r} holds (weight {name!r} "
                             f"of {values} values)")
        self.left -= values


def _keras_layer(name, layer_config, layers, modules, custom_objects):
    """A fastnn layer from a Keras layer's class name and config (a wrapper's inner layers likewise)."""
    cls = (custom_objects or {}).get(name) or (getattr(layers, name, None) if name in layers.__all__ else None)
    if not isinstance(cls, type) or not issubclass(cls, layers.Layer):
        raise ValueError(f"Unknown layer {name!r} in the saved config: fastnn has no such layer (pass your "
                         f"own in custom_objects={{'{name}': ...}})")
    plain = _fastnn_config(cls, layer_config, f"layer {layer_config.get('name', name)!r}")
    for key, value in plain.items():
        if key in _LAYER_KEYS and isinstance(value, dict) and isinstance(value.get("config"), dict):
            plain[key] = _keras_layer(value.get("class_name"), value["config"], layers, modules, custom_objects)
        elif isinstance(value, dict) and "class_name" in value:
            plain[key] = _nested(value, modules, custom_objects, f"{key} of layer {plain.get('name')!r}")
    return cls.from_config(plain)


def _rebuild(config, filepath, custom_objects, weight_values):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{filepath!r} has a damaged {_CONFIG}: expected a Keras model config (an object with "
                         "'class_name' and 'config')")
    if config["class_name"] != "Sequential" or not isinstance(config.get("config"), dict) or not isinstance(
            config["config"].get("layers"), list):
        raise ValueError(f"{filepath!r} holds a Keras {config['class_name']!r} model: fastnn reads .keras archives "
                         "of Sequential models")
    models, layers = registered_module("models"), registered_module("layers")
    modules = [layers, registered_module("initializers"), registered_module("regularizers"),
               registered_module("constraints")]
    token = weight_budget.set(_Budget(weight_values, filepath))
    try:
        model = models.Sequential(name=config["config"].get("name"))
        for spec in config["config"]["layers"]:
            if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
                raise ValueError(f"a layer must be saved as a JSON object, found {spec!r}"[:200])
            name, layer_config = spec.get("class_name"), spec["config"]
            if name == "InputLayer":
                shape = layer_config.get("batch_shape")
                model.add(layers.Input(batch_shape=tuple(shape)))
                continue
            model.add(_keras_layer(name, layer_config, layers, modules, custom_objects))
        shape = (config.get("build_config") or {}).get("input_shape") or config["config"].get("build_input_shape")
        if shape is not None and not model.built:
            model.build_from_config({"input_shape": tuple(shape)})
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r}: cannot rebuild the model from its Keras config ({type(e).__name__}: "
                         f"{e})") from e
    finally:
        weight_budget.reset(token)
    return model


def _compile(model, spec, filepath, custom_objects):
    optimizers = registered_module("optimizers")
    try:
        optimizer = spec.get("optimizer")
        if isinstance(optimizer, dict):
            cls = optimizers.get(str(optimizer.get("class_name"))).__class__
            optimizer = cls.from_config(_fastnn_config(cls, optimizer.get("config") or {}, "the optimizer"))
        config = {"optimizer": optimizer, "loss": _plain(spec.get("loss")),
                  "metrics": [_plain(m) for m in spec.get("metrics") or []],
                  "weighted_metrics": [_plain(m) for m in spec.get("weighted_metrics") or []]}
        model.compile_from_config(config, custom_objects)
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r} has compile settings fastnn cannot use ({type(e).__name__}: {e}); load it "
                         "with compile=False") from e


def load_keras_archive(filepath, custom_objects=None, compile=True):  # (Keras' name)
    """Loads a Sequential model from a Keras 3 `.keras` archive (written by Keras or by fastnn).

    Args:
        filepath: str or os.PathLike.
        custom_objects: dict mapping class names in the config to your own classes.
        compile: whether to compile the model with the archive's compile settings (the optimizer starts fresh).

    Returns:
        The model.

    Raises:
        ValueError: the file is not a Keras archive, is damaged, holds a model fastnn cannot build (the message
            says which layer or option), or its weights do not match the config.
        ImportError: h5py is not installed.

    Example:

    >>> model = load_keras_archive("model.keras")  # written by keras.Model.save
    """
    filepath = _filepath(filepath)
    _existing_file(filepath, "model")
    h5py = _h5py()
    try:
        archive = zipfile.ZipFile(filepath)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ValueError(f"{filepath!r} is not a readable Keras archive ({e})") from None
    with archive:
        config = _parse_json(_read_member(archive, _CONFIG, _MAX_JSON_BYTES, filepath),
                             f"{filepath!r} has a damaged {_CONFIG}")
        info = next((i for i in archive.infolist() if i.filename == _WEIGHTS), None)
        declared = 0 if info is None else info.file_size
        model = _rebuild(config, filepath, custom_objects, declared // 4)  # float32 values the member could hold
        # what the model's weights justify: their bytes, up to 3x for an optimizer's slots, plus HDF5's own data
        needed = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in model.weights)
        data = _read_member(archive, _WEIGHTS, min(_MAX_WEIGHTS_BYTES, 4 * needed + _HDF5_OVERHEAD), filepath)
    try:
        f = h5py.File(io.BytesIO(data), "r")
    except OSError as e:
        raise ValueError(f"{filepath!r}: {_WEIGHTS} is not a readable HDF5 file ({e})") from None
    read_keras_h5(model, f, filepath)
    if compile and isinstance(config.get("compile_config"), dict):
        _compile(model, config["compile_config"], filepath, custom_objects)
    return model
