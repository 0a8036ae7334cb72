"""Functional models: a graph of layer calls from inputs to outputs."""

from rkeras.backend.keras_tensor import KerasTensor
from rkeras.layers.core.input_layer import InputLayer
from rkeras.models.model import Model
from rkeras.utils import tree


def _nodes_in_order(outputs):
    """Nodes reachable from `outputs`, each after the nodes it depends on."""
    ordered, done, visiting = [], set(), set()

    def visit(node):
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("The layer graph has a cycle")
        visiting.add(id(node))
        for parent in node.parent_nodes:
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        ordered.append(node)

    for t in outputs:
        if t._keras_history is None:
            raise ValueError(
                f"Output tensor {t} is not the output of a layer. Functional model outputs "
                "must come from layers called on `keras.Input` tensors."
            )
        layer, node_index, _ = t._keras_history
        visit(layer._inbound_nodes[node_index])
    return ordered


class Functional(Model):
    """A model defined by connecting `Input`s to outputs through layers.

    Args:
        inputs: a KerasTensor, or a list or dict of them, from `keras.Input`.
        outputs: the KerasTensors the model returns (same nesting as wanted).
        name: the model name.
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_inputs = tree.flatten(inputs)
        for t in flat_inputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"All `inputs` values must be KerasTensors. Received: inputs={inputs} "
                    f"including invalid value {t} of type {type(t)}"
                )
        self._nodes = _nodes_in_order(tree.flatten(outputs))
        reached = {id(t) for node in self._nodes for t in node.outputs}
        for t in flat_inputs:
            if id(t) not in reached:
                raise ValueError(f"Input {t} is not connected to the outputs")
        seen = set()
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                self._layers.append(node.layer)
        self.built = True

    @property
    def inputs(self):
        return tree.flatten(self._inputs_struct)

    @property
    def outputs(self):
        return tree.flatten(self._outputs_struct)

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self.inputs]

    def _feed(self, inputs):
        """Maps model inputs (a tensor, list or dict) onto the Input tensors."""
        structure = self._inputs_struct
        if isinstance(structure, dict):
            if not isinstance(inputs, dict):
                raise ValueError(
                    f"Model '{self.name}' expects a dict of inputs with keys "
                    f"{sorted(structure)}, got {type(inputs).__name__}"
                )
            return {id(structure[k]): inputs[k] for k in structure}
        flat = tree.flatten(structure)
        if isinstance(inputs, dict):
            values = [inputs[t._keras_history[0].name] for t in flat]
        else:
            values = tree.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(values) != len(flat):
            raise ValueError(
                f'Layer "{self.name}" expects {len(flat)} input(s), but it received '
                f"{len(values)} input tensors."
            )
        return {id(t): v for t, v in zip(flat, values, strict=True)}

    def call(self, inputs, training=None, mask=None):
        values = self._feed(inputs)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            if _is_plain_call(node):
                # One tensor in, one out (Sequential models): no tree walks.
                value = values[id(node.call_args[0])]
                if training is None:
                    outputs = node.layer(value)
                else:
                    outputs = node.layer(value, training=training)
                if len(node.outputs) == 1 and not isinstance(outputs, (list, tuple, dict)):
                    values[id(node.outputs[0])] = outputs
                    continue
                for t, out in zip(node.outputs, tree.flatten(outputs), strict=True):
                    values[id(t)] = out
                continue

            def resolve(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            args = tree.map_structure(resolve, node.call_args)
            kwargs = tree.map_structure(resolve, dict(node.call_kwargs))
            if training is not None:
                kwargs["training"] = training
            outputs = node.layer(*args, **kwargs)
            for t, value in zip(node.outputs, tree.flatten(outputs), strict=True):
                values[id(t)] = value
        return tree.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def build(self, input_shape):
        self.built = True


def _is_plain_call(node):
    """Whether `node` called its layer on one KerasTensor and nothing else."""
    plain = getattr(node, "_plain", None)
    if plain is None:
        args = node.call_args
        plain = len(args) == 1 and isinstance(args[0], KerasTensor) and not node.call_kwargs
        node._plain = plain
    return plain
