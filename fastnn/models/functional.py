"""The functional form `fastnn.Model(inputs, outputs)`: a graph of layer calls on KerasTensors (linear or
branching, with merge layers), run in topological order. Shared layers (one layer called twice) share weights."""

import numpy as np

from ..keras_tensor import Input, KerasTensor
from ..layers.input_layer import InputLayer
from ..ops import expand_dims, squeeze
from ..saving.serialization import deserialize_layer
from .model import Model

__all__ = ["Functional"]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _topological(outputs):
    """Every KerasTensor the outputs depend on, inputs first (depth-first post-order, deterministic)."""
    order, seen = [], set()

    def visit(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        for parent in _as_list(t.inputs) if t.layer is not None else []:
            visit(parent)
        order.append(t)
    for out in outputs:
        visit(out)
    return order


def _keras_operations(inputs, outputs):
    """The graph's operations (layers, and the input KerasTensors standing for InputLayers) in Keras 3's order
    (`keras.src.ops.function.map_graph`): by decreasing depth from the outputs, ties in first-visit order of a
    depth-first walk from the outputs. Keras numbers a model's layers in `.weights.h5` files by this order."""
    def operation(t):
        return t if t.layer is None else t.layer

    order, visited, indices = [], set(), {}

    def visit(t):
        if id(t) in visited:
            return
        visited.add(id(t))
        indices.setdefault(id(operation(t)), len(indices))
        for parent in _as_list(t.inputs) if t.layer is not None else []:
            visit(parent)
        order.append(t)
    for out in outputs:
        visit(out)
    node_depth, op_depth, ops = {}, {}, {}
    for t in reversed(order):
        op = operation(t)
        depth = max(node_depth.setdefault(id(t), 0), op_depth.get(id(op), 0))
        op_depth[id(op)], node_depth[id(t)], ops[id(op)] = depth, depth, op
        for parent in _as_list(t.inputs) if t.layer is not None else []:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:  # an input no output depends on still is an InputLayer of the model
        if id(t) not in op_depth:
            op_depth[id(t)], indices[id(t)], ops[id(t)] = 0, -1, t
    return [ops[key] for key in sorted(op_depth, key=lambda key: (-op_depth[key], indices[key]))]


def _flatten_io(io, what):
    """(list of KerasTensors, keys or None): `io` as given to Model(inputs, outputs) — one tensor, a list/tuple,
    or a dict (Keras keeps the dict's keys as the input/output names)."""
    if isinstance(io, dict):
        return list(io.values()), [str(k) for k in io]
    return _as_list(io), None


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._graph_inputs, self._input_keys = _flatten_io(inputs, "inputs")
        self._graph_outputs, self._output_keys = _flatten_io(outputs, "outputs")
        self._single_output = not isinstance(outputs, (list, tuple, dict))
        self._single_input = not isinstance(inputs, (list, tuple, dict))
        for t in self._graph_inputs + self._graph_outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) expects KerasTensors (from fastnn.layers.Input and layer "
                                f"calls), received {t!r}")
        if any(t.layer is not None for t in self._graph_inputs):
            raise ValueError("`inputs` must be the tensors returned by fastnn.layers.Input")
        self._nodes = _topological(self._graph_outputs)
        known = {id(t) for t in self._nodes}
        missing = [t.name for t in self._nodes if t.layer is None and all(t is not i for i in self._graph_inputs)]
        if missing or any(id(t) not in known for t in self._graph_inputs):
            raise ValueError(f"the outputs depend on inputs not passed to Model(inputs=...): {missing}")
        for t in self._nodes:
            if t.layer is not None and t.layer not in self._tracked_layers:
                self._tracked_layers.append(t.layer)
        self._build_shape = self._graph_inputs[0].shape
        self._input_layers = None
        self.built = True

    @property
    def layers(self):
        """The InputLayers and layers in Keras 3's order (by decreasing depth from the outputs, as
        `keras.Model.layers`; Keras numbers the layers of `.weights.h5` files by it)."""
        if self._input_layers is None:
            # (not tracked as sublayers: they hold no weights and are not part of get_config's layers)
            object.__setattr__(self, "_input_layers", [InputLayer._for_tensor(t) for t in self._graph_inputs])
        input_layers = {id(t): layer for t, layer in zip(self._graph_inputs, self._input_layers)}
        return [input_layers.get(id(op), op) for op in self._keras_operations()]

    def _keras_operations(self):
        """Layers and input KerasTensors in Keras 3's order (see `_keras_operations`)."""
        return _keras_operations(self._graph_inputs, self._graph_outputs)

    def _keras_nodes(self):
        """{id(layer): its calls in this graph (output KerasTensors) in call order}: Keras' node indices."""
        calls = {}
        for t in self._nodes:
            if t.layer is not None:
                calls.setdefault(id(t.layer), []).append(t)
        return {key: sorted(ts, key=lambda t: t._serial) for key, ts in calls.items()}

    @property
    def inputs(self):
        return list(self._graph_inputs)

    @property
    def outputs(self):
        return list(self._graph_outputs)

    @property
    def input_names(self):
        """The inputs' names: the dict keys when the inputs were given as a dict, else the Input names."""
        return list(self._input_keys) if self._input_keys is not None else [t.name for t in self._graph_inputs]

    @property
    def output_names(self):
        """The outputs' names (what multi-output logs and dict `y` are keyed by): the dict keys when the outputs
        were given as a dict, else the names of the layers that produce them (as Keras 3)."""
        if self._output_keys is not None:
            return list(self._output_keys)
        names = []
        for i, t in enumerate(self._graph_outputs):
            name = t.layer.name if t.layer is not None else t.name or f"output_{i}"
            names.append(name if name not in names else f"{name}_{i}")
        return names

    @property
    def _multi_input(self):
        return not self._single_input

    @property
    def _multi_output(self):
        return not self._single_output

    def _flat_inputs(self, inputs):
        """`inputs` (one value, a list/tuple, or a dict keyed by input names) as a list in input order."""
        if isinstance(inputs, dict):
            names = self.input_names
            unknown = [k for k in inputs if k not in names]
            if unknown or len(inputs) != len(names):
                raise ValueError(f"model {self.name!r} expects inputs keyed by {names}, received keys "
                                 f"{list(inputs)}")
            return [inputs[k] for k in names]
        given = _as_list(inputs)
        if len(given) != len(self._graph_inputs):
            raise ValueError(f"model {self.name!r} has {len(self._graph_inputs)} inputs {self.input_names}: pass "
                             f"a list (or a dict keyed by these names), received {len(given)} value(s)")
        return given

    def _adjust_input_rank(self, given):
        """Keras' leniency about a trailing axis of 1: an input one axis short of an `Input((28, 28, 1))` gains it,
        one with an extra trailing axis of 1 loses it (e.g. (n, 28, 28) images fed to a (28, 28, 1) model)."""
        adjusted = []
        for t, x in zip(self._graph_inputs, given):
            rank, ref = len(getattr(x, "shape", np.shape(x))), t.shape
            if rank == len(ref) + 1 and x.shape[-1] == 1:
                x = squeeze(x, axis=-1)
            elif rank == len(ref) - 1 and ref[-1] == 1:
                x = expand_dims(x, axis=-1)
            adjusted.append(x)
        return adjusted

    def call(self, inputs, training=None):
        given = self._adjust_input_rank(self._flat_inputs(inputs))
        values = {id(t): x for t, x in zip(self._graph_inputs, given)}
        for t in self._nodes:
            if t.layer is None:
                continue
            args = [values[id(p)] for p in t.inputs] if isinstance(t.inputs, (list, tuple)) else values[id(t.inputs)]
            values[id(t)] = t.layer(args, training=training)
        outs = [values[id(t)] for t in self._graph_outputs]
        if self._output_keys is not None:
            return dict(zip(self._output_keys, outs))
        return outs[0] if self._single_output else outs

    def __call__(self, inputs, training=None, **kwargs):
        if self._single_input and not isinstance(inputs, (list, tuple, dict)):
            if isinstance(inputs, KerasTensor) and self._single_output:
                return super().__call__(inputs, training=training, **kwargs)  # nested: this model is one layer
            return self.call(inputs, training=training)
        flat = self._flat_inputs(inputs)
        if self._single_output and flat and all(isinstance(t, KerasTensor) for t in flat):
            return super().__call__(flat, training=training, **kwargs)
        return self.call(flat, training=training)

    def compute_output_shape(self, input_shape):
        return (tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)[:1]
                + tuple(self._graph_outputs[0].shape[1:]))

    def _summary_rows(self):
        rows = [(_InputRow(t), t.shape) for t in self._graph_inputs]
        for t in self._nodes:
            if t.layer is not None:
                rows.append((t.layer, t.shape))
        return rows

    def _saved_input_shape(self):
        return list(self._graph_inputs[0].shape)

    # --- config: the graph as layer configs plus, per node, which earlier tensors feed it
    def get_config(self):
        index = {id(t): i for i, t in enumerate(self._nodes)}
        layer_ids = {id(layer): i for i, layer in enumerate(self._tracked_layers)}
        return {
            "name": self.name,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in self._tracked_layers],
            "nodes": [{"input_shape": list(t.shape), "name": t.name} if t.layer is None else
                      {"layer": layer_ids[id(t.layer)],
                       "inputs": [index[id(p)] for p in _as_list(t.inputs)],
                       "list_input": isinstance(t.inputs, (list, tuple))} for t in self._nodes],
            "inputs": [index[id(t)] for t in self._graph_inputs],
            "outputs": [index[id(t)] for t in self._graph_outputs],
            "single_input": self._single_input, "single_output": self._single_output,
            "input_keys": self._input_keys, "output_keys": self._output_keys,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls._from_graph_config(config, [deserialize_layer(spec, custom_objects) for spec in config["layers"]])

    @classmethod
    def _from_graph_config(cls, config, built_layers):
        """The model whose graph `config` describes, calling `built_layers` (one per entry of config["layers"])."""
        tensors = []
        for node in config["nodes"]:
            if "layer" not in node:
                tensors.append(Input(batch_shape=tuple(node["input_shape"]), name=node.get("name")))
            else:
                parents = [tensors[i] for i in node["inputs"]]
                tensors.append(built_layers[node["layer"]](parents if node["list_input"] else parents[0]))
        inputs = [tensors[i] for i in config["inputs"]]
        outputs = [tensors[i] for i in config["outputs"]]
        if config.get("input_keys"):
            inputs = dict(zip(config["input_keys"], inputs))
        elif config["single_input"]:
            inputs = inputs[0]
        if config.get("output_keys"):
            outputs = dict(zip(config["output_keys"], outputs))
        elif config["single_output"]:
            outputs = outputs[0]
        return cls(inputs, outputs, name=config.get("name"))


class _InputRow:
    """Stands in for Keras' InputLayer row in summary()."""

    built = True

    def __init__(self, tensor):
        self.name = tensor.name

    def count_params(self):
        return 0


_InputRow.__name__ = "InputLayer"
