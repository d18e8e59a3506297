"""The functional form `fastnn.Model(inputs, outputs)`: a graph of layer calls on KerasTensors (linear or
branching, with merge layers), run in topological order. Shared layers (one layer called twice) share weights."""

from ..keras_tensor import Input, KerasTensor
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


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._graph_inputs = _as_list(inputs)
        self._graph_outputs = _as_list(outputs)
        self._single_output = not isinstance(outputs, (list, tuple))
        self._single_input = not isinstance(inputs, (list, tuple))
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
        self.built = True

    @property
    def layers(self):
        return list(self._tracked_layers)

    @property
    def inputs(self):
        return list(self._graph_inputs)

    @property
    def outputs(self):
        return list(self._graph_outputs)

    def call(self, inputs, training=None):
        given = _as_list(inputs)
        if len(given) != len(self._graph_inputs):
            raise ValueError(f"model {self.name!r} expects {len(self._graph_inputs)} input(s), received "
                             f"{len(given)}")
        values = {id(t): x for t, x in zip(self._graph_inputs, given)}
        for t in self._nodes:
            if t.layer is None:
                continue
            args = [values[id(p)] for p in t.inputs] if isinstance(t.inputs, (list, tuple)) else values[id(t.inputs)]
            values[id(t)] = t.layer(args, training=training)
        outs = [values[id(t)] for t in self._graph_outputs]
        return outs[0] if self._single_output else outs

    def __call__(self, inputs, training=None, **kwargs):
        if not self._single_input and not isinstance(inputs, (list, tuple)):
            raise ValueError(f"model {self.name!r} has {len(self._graph_inputs)} inputs: pass a list")
        if self._single_input and not isinstance(inputs, (list, tuple)):
            return self.call(inputs, training=training)
        return self.call(list(inputs), training=training)

    def compute_output_shape(self, input_shape):
        return self._graph_outputs[0].shape

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
            "nodes": [{"input_shape": list(t.shape)} if t.layer is None else
                      {"layer": layer_ids[id(t.layer)],
                       "inputs": [index[id(p)] for p in _as_list(t.inputs)],
                       "list_input": isinstance(t.inputs, (list, tuple))} for t in self._nodes],
            "inputs": [index[id(t)] for t in self._graph_inputs],
            "outputs": [index[id(t)] for t in self._graph_outputs],
            "single_input": self._single_input, "single_output": self._single_output,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        built_layers = [deserialize_layer(spec, custom_objects) for spec in config["layers"]]
        tensors = []
        for node in config["nodes"]:
            if "layer" not in node:
                tensors.append(Input(batch_shape=tuple(node["input_shape"])))
            else:
                parents = [tensors[i] for i in node["inputs"]]
                tensors.append(built_layers[node["layer"]](parents if node["list_input"] else parents[0]))
        inputs = [tensors[i] for i in config["inputs"]]
        outputs = [tensors[i] for i in config["outputs"]]
        return cls(inputs[0] if config["single_input"] else inputs,
                   outputs[0] if config["single_output"] else outputs, name=config.get("name"))


class _InputRow:
    """Stands in for Keras' InputLayer row in summary()."""

    built = True

    def __init__(self, tensor):
        self.name = tensor.name

    def count_params(self):
        return 0


_InputRow.__name__ = "InputLayer"
