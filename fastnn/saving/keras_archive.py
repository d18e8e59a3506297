"""Keras 3 `.keras` archives: the zip that `keras.Model.save("m.keras")` writes and `keras.models.load_model` reads.

An archive holds `metadata.json`, `config.json` (the model as Keras serializes it: `module`, `class_name`,
`config`, `build_config`, `compile_config`) and `model.weights.h5` (the weights in Keras 3's layout, see
`keras_h5`). fastnn writes and reads Sequential and functional models (Keras 3's functional config: each layer with
its `inbound_nodes`, `input_layers`/`output_layers`; multi-input/multi-output, shared layers, nested Sequential and
functional models as layers) of the layers both libraries have; their configs use the same argument names, so the
translation is generic: Keras' extra wrapping (`module`, `registered_name`, dtype policies) is added or removed, and a
Keras-only option is dropped when it is at its default and refused otherwise.

Subclassed models and custom layers are written as Keras writes custom objects (their module, `get_config()` and
registered name, plus the build input shape of a model) and read back through the registry
(`register_keras_serializable`) or `custom_objects`; Keras needs a matching class registered under the same name on
its side. Their weights follow Keras' attribute walk (see `keras_h5`).

A compiled model's archive holds its `compile_config` (optimizer, losses and loss weights, metrics, per output as
lists or dicts) and the optimizer's state under `optimizer/vars` in Keras' layout (step, learning rate, slots in
Keras' creation order over the trainable variables in Keras' order), so a model loaded compiled, by Keras or fastnn,
trains on where it stopped. Limits: the optimizer state is written and read for SGD, Adam, AdamW, RMSprop, Adagrad
and Adamax at a constant learning rate without EMA or gradient accumulation; with other optimizers, options or a
learning-rate schedule the archive holds the compile settings only and the optimizer starts fresh.

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
from .keras_h5 import _h5py, keras_h5_bytes, read_keras_h5, read_keras_optimizer_variables
from .serialization import (
    _public_class,
    deserialize_object,
    get_registered_name,
    get_registered_object,
    registered_module,
    weight_budget,
)

__all__ = ["save_keras_archive", "load_keras_archive", "is_keras_archive", "keras_trainable_variables"]

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
    return _keras_config(layer.get_config())


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


def _is_model(obj, kind):
    return isinstance(obj, getattr(registered_module("functional" if kind == "Functional" else "models"), kind))


def _keras_spec(layer):
    """A layer (or nested model) as Keras serializes it in a model config: fastnn's own layers as Keras' (same
    class names), Sequential and functional models in Keras' formats, and any other class (a subclassed model, a
    custom layer) as Keras writes custom objects: its module, `get_config()`, and its registered name (see
    `register_keras_serializable`), which Keras looks the class up by when it loads the archive."""
    cls = type(layer)
    if cls.get_config is registered_module("models").Sequential.get_config:
        return _keras_sequential(layer)
    if cls.get_config is registered_module("functional").Functional.get_config:
        return _keras_functional(layer)
    layers = registered_module("layers")
    if cls.__name__ in layers.__all__ and getattr(layers, cls.__name__) is cls:
        return {"module": "keras.layers", "class_name": cls.__name__, "registered_name": None,
                "config": _keras_layer_config(layer)}
    spec = {"module": cls.__module__, "class_name": cls.__name__, "config": _keras_layer_config(layer),
            "registered_name": get_registered_name(cls)}
    shape = layer.get_build_config()["input_shape"] if _is_model(layer, "Model") else None
    if shape is not None:
        spec["build_config"] = {"input_shape": shape}
    return spec


def _keras_sequential(model):
    input_shape = model.get_build_config()["input_shape"]
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
               "config": {"batch_shape": input_shape, "dtype": "float32", "name": "input_layer"}}]
    layers += [_keras_spec(layer) for layer in model.layers]
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": model.name, "trainable": model.trainable, "dtype": "float32", "layers": layers,
                       "build_input_shape": input_shape},
            "build_config": {"input_shape": input_shape}}


def _keras_functional(model):
    """Keras 3's functional config: each layer with its `inbound_nodes` (the calls, as `__keras_tensor__`
    references `[layer name, node index, tensor index]`), and `input_layers`/`output_layers` likewise."""
    calls = model._keras_nodes()

    def history(t, offset=0):
        if t.layer is None:
            return [t.name, 0, 0]
        return [t.layer.name, offset + next(i for i, c in enumerate(calls[id(t.layer)]) if c is t), 0]

    def reference(t):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": "float32", "keras_history": history(t)}}

    layers = []
    for op in model._keras_operations():
        if not hasattr(op, "get_config"):  # an input KerasTensor: Keras' InputLayer
            layers.append({"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                           "config": {"batch_shape": list(op.shape), "dtype": "float32", "sparse": False,
                                      "ragged": False, "name": op.name},
                           "name": op.name, "inbound_nodes": []})
            continue
        nodes = [{"args": [[reference(p) for p in t.inputs] if isinstance(t.inputs, (list, tuple))
                           else reference(t.inputs)], "kwargs": {}} for t in calls[id(op)]]
        layers.append({**_keras_spec(op), "name": op.name, "inbound_nodes": nodes})

    def structure(tensors, keys, single):
        # (Keras counts a functional model's own first node here, but not in `inbound_nodes`)
        refs = [history(t, 1 if t.layer is not None and _is_model(t.layer, "Functional") else 0) for t in tensors]
        return dict(zip(keys, refs)) if keys is not None else refs[0] if single else refs
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": model.name, "trainable": model.trainable, "layers": layers,
                       "input_layers": structure(model.inputs, model._input_keys, model._single_input),
                       "output_layers": structure(model.outputs, model._output_keys, model._single_output)},
            "build_config": {"input_shape": None}}


def keras_trainable_variables(model):
    """A model's trainable variables in the order Keras 3 lists them (a functional model's by its Keras layer
    order, nested models likewise): the order of the optimizer's slots in `.keras` archives.

    Args:
        model: a fastnn model or layer.

    Returns:
        list of Variables.

    Example:

    >>> len(keras_trainable_variables(model)) == len(model.trainable_weights)
    True
    """
    if not (_is_model(model, "Sequential") or _is_model(model, "Functional")):
        return list(model.trainable_weights)
    out, seen = [], set()
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        for w in keras_trainable_variables(layer):
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
    return out


def _keras_objects(value, module):
    """Compile arguments as Keras writes them: names as they are, objects wrapped, lists/dicts element-wise."""
    if isinstance(value, list):
        return [_keras_objects(v, module) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        return _keras_object(value, module)
    if isinstance(value, dict):
        return {k: _keras_objects(v, module) for k, v in value.items()}
    return value


def _keras_compile_config(config):
    return {"optimizer": _keras_object(config["optimizer"], "keras.optimizers"),
            "loss": _keras_objects(config["loss"], "keras.losses"), "loss_weights": config.get("loss_weights"),
            "metrics": _keras_objects(config["metrics"], "keras.metrics") or None,
            "weighted_metrics": _keras_objects(config.get("weighted_metrics"), "keras.metrics") or None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def keras_archive_bytes(model):
    """Serializes a Sequential or functional model as a Keras 3 `.keras` archive.

    Args:
        model: a built fastnn `Sequential` or functional (`Model(inputs, outputs)`) model; nested models as
            layers included.

    Returns:
        bytes, the zip archive.

    Raises:
        ValueError: the model is not built, or is a subclassed model.
        ImportError: h5py is not installed.

    Example:

    >>> atomic_write_bytes("m.keras", keras_archive_bytes(model))
    """
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: call it on data or build(shape) before saving")
    config = _keras_spec(model)
    optimizer_variables = None
    compile_config = model.get_compile_config()
    if compile_config is not None:
        config["compile_config"] = _keras_compile_config(compile_config)
        store = {}
        if model.optimizer.save_keras_variables(store, keras_trainable_variables(model)):
            optimizer_variables = (model.optimizer.name, store)
    metadata = {"keras_version": "3.0.0", "fastnn_version": version_module.VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_METADATA, json.dumps(metadata))
        archive.writestr(_CONFIG, json.dumps(config))
        archive.writestr(_WEIGHTS, keras_h5_bytes(model, optimizer_variables))
    return buffer.getvalue()


def save_keras_archive(model, filepath):
    """Saves a model as a Keras 3 `.keras` archive that `keras.models.load_model` loads.

    Args:
        model: a built fastnn `Sequential` or functional model.
        filepath: str or os.PathLike, usually ending in `.keras`.

    Raises:
        ValueError: the model is not built, or is a subclassed model.
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
    cls = get_registered_object(value["class_name"], custom_objects) or _public_class(modules, value["class_name"])
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


def _layer_from_keras(spec, modules, custom_objects):
    """A layer or nested model from its Keras spec (`{"class_name", "config", ...}`)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ValueError(f"a layer must be saved as a JSON object, found {spec!r}"[:200])
    name, layer_config = spec.get("class_name"), spec["config"]
    if name == "Sequential" and not (custom_objects or {}).get(name):
        return _sequential_from_keras(layer_config, modules, custom_objects)
    if name in ("Functional", "Model") and isinstance(layer_config.get("layers"), list):
        return _functional_from_keras(layer_config, modules, custom_objects)
    layers = registered_module("layers")
    cls = get_registered_object(spec.get("registered_name") or name, custom_objects) or get_registered_object(
        name, custom_objects) or (getattr(layers, name, None) if name in layers.__all__ else None)
    if not isinstance(cls, type) or not issubclass(cls, layers.Layer):
        raise ValueError(f"Unknown layer {name!r} in the saved config: fastnn has no such layer (pass your "
                         f"own in custom_objects={{'{name}': ...}})")
    plain = _fastnn_config(cls, layer_config, f"layer {layer_config.get('name', name)!r}")
    for key, value in plain.items():
        if key in _LAYER_KEYS and isinstance(value, dict) and isinstance(value.get("config"), dict):
            plain[key] = _layer_from_keras(value, modules, custom_objects)  # a wrapper's layer (Bidirectional, ...)
        elif isinstance(value, dict) and "class_name" in value:
            plain[key] = _nested(value, modules, custom_objects, f"{key} of layer {plain.get('name')!r}")
    layer = cls.from_config(plain)
    shape = (spec.get("build_config") or {}).get("input_shape")
    if isinstance(layer, registered_module("models").Model) and shape is not None and not layer.built:
        layer.build_from_config({"input_shape": tuple(shape)})  # a subclassed model: built by a call on zeros
    return layer


def _sequential_from_keras(config, modules, custom_objects):
    layers = registered_module("layers")
    if not isinstance(config.get("layers"), list):
        raise ValueError("a Sequential model's 'layers' must be a list")
    model = registered_module("models").Sequential(name=config.get("name"))
    for spec in config["layers"]:
        if isinstance(spec, dict) and spec.get("class_name") == "InputLayer":
            model.add(layers.Input(batch_shape=tuple((spec.get("config") or {})["batch_shape"])))
        else:
            model.add(_layer_from_keras(spec, modules, custom_objects))
    shape = config.get("build_input_shape")
    if shape is not None and not model.built:
        model.build_from_config({"input_shape": tuple(shape)})
    return model


def _history(value):
    """`[layer name, node index, tensor index]` from a `__keras_tensor__` reference (or a bare such list)."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        value = (value.get("config") or {}).get("keras_history")
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value[1:])):
        raise ValueError(f"expected a tensor reference [layer name, node index, tensor index], found {value!r}"[:200])
    return value


def _functional_from_keras(config, modules, custom_objects):
    """Keras 3's functional config (`layers` with `inbound_nodes`, `input_layers`, `output_layers`) as a fastnn
    functional model: the layers are called on their inbound tensors once these exist, as Keras replays them."""
    layers, functional = registered_module("layers"), registered_module("functional").Functional
    created, pending, tensors = {}, [], {}  # name -> layer; (name, node data) to call; (name, node) -> tensor
    for spec in config["layers"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
            raise ValueError(f"a layer must be saved as a JSON object, found {spec!r}"[:200])
        name = spec.get("name", spec["config"].get("name"))
        if not isinstance(name, str) or name in created:
            raise ValueError(f"layer names must be unique strings, found {name!r}")
        if spec.get("class_name") == "InputLayer":
            tensors[(name, 0)] = layers.Input(batch_shape=tuple(spec["config"]["batch_shape"]), name=name)
            created[name] = None
            continue
        created[name] = _layer_from_keras(spec, modules, custom_objects)
        nodes = spec.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f"the inbound_nodes of layer {name!r} must be a list")
        pending += [(name, node) for node in nodes]
    calls = {}
    while pending:  # each pass calls every layer whose inbound tensors exist (in order), until none is left
        waiting = []
        for name, node in pending:
            args = node.get("args") if isinstance(node, dict) else None
            if not isinstance(args, list) or len(args) != 1:
                raise ValueError(f"layer {name!r}: fastnn replays calls with one (tensor or list) argument, found "
                                 f"{node!r}"[:200])
            listed = isinstance(args[0], list)  # a list of tensors (Keras 3 writes each as a __keras_tensor__)
            refs = [_history(r) for r in args[0]] if listed else [_history(args[0])]
            keys = [(r[0], r[1]) for r in refs]  # (Keras counts a nested functional model's calls from 0 here)
            if any(r[2] != 0 for r in refs):
                raise ValueError(f"layer {name!r} takes output {refs} of a layer with several outputs, which "
                                 "fastnn's functional models do not have")
            if any(w == name for w, _ in waiting) or not all(k in tensors for k in keys):
                waiting.append((name, node))  # (a layer's calls keep their order: Keras' node indices)
                continue
            inputs = [tensors[k] for k in keys]
            index = calls.get(name, 0)
            calls[name] = index + 1
            tensors[(name, index)] = created[name](inputs if listed else inputs[0])
        if len(waiting) == len(pending):
            raise ValueError(f"the model's graph cannot be rebuilt: layer {waiting[0][0]!r} waits for tensors no "
                             "layer produces")
        pending = waiting

    def structure(value):
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            name, node, _ = _history(value)
            key = (name, node - (1 if isinstance(created.get(name), functional) else 0))
            if key not in tensors:
                raise ValueError(f"the model's inputs/outputs name {value!r}, which no layer produces")
            return tensors[key]
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        if isinstance(value, list):
            return [structure(v) for v in value]
        raise ValueError(f"expected tensor references for the model's inputs/outputs, found {value!r}"[:200])
    return registered_module("models").Model(structure(config.get("input_layers")),
                                            structure(config.get("output_layers")), name=config.get("name"))


def _rebuild(config, filepath, custom_objects, weight_values):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{filepath!r} has a damaged {_CONFIG}: expected a Keras model config (an object with "
                         "'class_name' and 'config')")
    if config["class_name"] in ("Sequential", "Functional") and not (
            isinstance(config.get("config"), dict) and isinstance(config["config"].get("layers"), list)):
        raise ValueError(f"{filepath!r} has a damaged {_CONFIG}: a {config['class_name']} model without a list of "
                         "layers")
    if config["class_name"] not in ("Sequential", "Functional", "Model") and not isinstance(
            get_registered_object(config.get("registered_name") or config["class_name"], custom_objects) or
            get_registered_object(config["class_name"], custom_objects), type):
        raise ValueError(f"{filepath!r} holds a Keras {config['class_name']!r} model (registered as "
                         f"{config.get('registered_name')!r}): register your fastnn class under that name with "
                         "@fastnn.saving.register_keras_serializable or pass it in custom_objects")
    modules = [registered_module("layers"), registered_module("initializers"), registered_module("regularizers"),
               registered_module("constraints")]
    token = weight_budget.set(_Budget(weight_values, filepath))
    try:
        model = _layer_from_keras(config, modules, custom_objects)
        if not isinstance(model, registered_module("models").Model):
            raise ValueError(f"{config['class_name']!r} is not a Model")
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r}: cannot rebuild the model from its Keras config ({type(e).__name__}: "
                         f"{e})") from e
    finally:
        weight_budget.reset(token)
    return model


def _plain_tree(value):
    """Keras-serialized losses or metrics (lists and per-output dicts of them) as fastnn's config values."""
    if isinstance(value, list):
        return [_plain_tree(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _plain_tree(v) for k, v in value.items()}
    return _plain(value)


def _compile(model, spec, filepath, custom_objects):
    optimizers = registered_module("optimizers")
    try:
        optimizer = spec.get("optimizer")
        if isinstance(optimizer, dict):
            cls = optimizers.get(str(optimizer.get("class_name"))).__class__
            optimizer = cls.from_config(_fastnn_config(cls, optimizer.get("config") or {}, "the optimizer"))
        config = {"optimizer": optimizer, "loss": _plain_tree(spec.get("loss")),
                  "loss_weights": spec.get("loss_weights"), "metrics": _plain_tree(spec.get("metrics")) or [],
                  "weighted_metrics": _plain_tree(spec.get("weighted_metrics")) or []}
        model.compile_from_config(config, custom_objects)
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r} has compile settings fastnn cannot use ({type(e).__name__}: {e}); load it "
                         "with compile=False") from e


def load_keras_archive(filepath, custom_objects=None, compile=True):  # (Keras' name)
    """Loads a Sequential or functional model from a Keras 3 `.keras` archive (written by Keras or by fastnn).

    Args:
        filepath: str or os.PathLike.
        custom_objects: dict mapping class names in the config to your own classes.
        compile: whether to compile the model with the archive's compile settings and restore the optimizer's
            state (see the module docstring for which optimizers).

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
    if compile and isinstance(config.get("compile_config"), dict) and config["compile_config"]:  # {}: uncompiled
        _compile(model, config["compile_config"], filepath, custom_objects)
        state = read_keras_optimizer_variables(h5py.File(io.BytesIO(data), "r"), filepath)
        if state is not None:  # (an optimizer whose Keras layout fastnn does not reproduce starts fresh)
            try:
                model.optimizer.load_keras_variables(state, keras_trainable_variables(model))
            except ValueError as e:
                raise ValueError(f"{filepath!r} has an optimizer state fastnn cannot use ({e}); load it with "
                                 "compile=False") from None
    return model
