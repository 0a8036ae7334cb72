"""Writing `.keras` files as Keras 3 writes them, so real Keras loads them."""

import datetime
import io
import json
import os
import tempfile
import zipfile

from rkeras.backend.keras_tensor import KerasTensor
from rkeras.saving import weights_h5
from rkeras.utils import tree

# The Keras version whose file format this writer follows.
KERAS_FORMAT_VERSION = "3.15.1"


def _dtype_policy(name):
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": name},
        "registered_name": None,
    }


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _build_config(layer):
    if hasattr(layer, "get_build_config"):
        return layer.get_build_config()
    nodes = [n for n in layer._inbound_nodes if n.input_tensors]
    if not nodes:
        return None
    shapes = [list(t.shape) for t in nodes[0].input_tensors]
    return {"input_shape": shapes[0] if len(shapes) == 1 else shapes}


def serialize_layer(layer):
    """A layer's Keras config envelope."""
    from rkeras.layers.core.input_layer import InputLayer
    from rkeras.models.functional import Functional
    from rkeras.models.sequential import Sequential

    if isinstance(layer, (Sequential, Functional)):
        return serialize_model(layer, compile_config=False)
    name = type(layer).__name__
    if name in ("OpLayer", "Lambda"):
        raise NotImplementedError(
            f"Saving a model with a {name} layer ('{layer.name}') to a .keras file is not "
            "supported; use layers with configs, or save_weights."
        )
    config = dict(layer.get_config())
    config.pop("batch_input_shape", None)
    if not isinstance(layer, InputLayer):
        config["dtype"] = _dtype_policy(config.get("dtype", "float32"))
    builtin = type(layer).__module__.startswith("rkeras.")
    envelope = {
        "module": "keras.layers" if builtin else type(layer).__module__,
        "class_name": name,
        "config": _jsonable(config),
        "registered_name": None if builtin else getattr(type(layer), "_registered_name", name),
    }
    build = _build_config(layer)
    if build is not None and not isinstance(layer, InputLayer):
        envelope["build_config"] = build
    return envelope


def _history_of(tensor, node_indices):
    layer, node_index, tensor_index = tensor._keras_history
    return [layer.name, node_indices[(id(layer), node_index)], tensor_index]


def _encode_args(value, node_indices):
    if isinstance(value, KerasTensor):
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(value.shape),
                "dtype": value.dtype,
                "keras_history": _history_of(value, node_indices),
            },
        }
    if isinstance(value, (list, tuple)):
        return [_encode_args(v, node_indices) for v in value]
    if isinstance(value, dict):
        return {k: _encode_args(v, node_indices) for k, v in value.items()}
    return _jsonable(value)


def _endpoint_spec(structure, node_indices, offsets):
    def leaf(t):
        name, node_index, tensor_index = _history_of(t, node_indices)
        return [name, node_index + offsets.get(name, 0), tensor_index]

    if isinstance(structure, KerasTensor):
        return leaf(structure)
    if isinstance(structure, dict):
        return {k: _endpoint_spec(v, node_indices, offsets) for k, v in structure.items()}
    return [_endpoint_spec(v, node_indices, offsets) for v in structure]


def serialize_model(model, compile_config=True):
    """A Sequential or Functional model's Keras config envelope."""
    from rkeras.models.functional import Functional
    from rkeras.models.sequential import Sequential

    if isinstance(model, Sequential):
        layers = []
        if model._input_layer is not None:
            layers.append(serialize_layer(model._input_layer))
        layers.extend(serialize_layer(layer) for layer in model.layers)
        config = {
            "name": model.name,
            "trainable": model.trainable,
            "dtype": _dtype_policy(model.dtype),
            "layers": layers,
        }
        envelope = {
            "module": "keras",
            "class_name": "Sequential",
            "config": config,
            "registered_name": None,
        }
        if model._input_layer is not None:
            shape = list(model._input_layer.batch_shape)
            config["build_input_shape"] = shape
            envelope["build_config"] = {"input_shape": shape}
    elif isinstance(model, Functional):
        node_indices = {}
        per_layer = {}
        for node in model._nodes:
            layer = node.layer
            index = layer._inbound_nodes.index(node)
            node_indices[(id(layer), index)] = per_layer.get(id(layer), 0)
            per_layer[id(layer)] = per_layer.get(id(layer), 0) + 1
        layers = []
        for layer in model.layers:
            entry = serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [
                {
                    "args": _encode_args(list(node.call_args), node_indices),
                    "kwargs": _encode_args(dict(node.call_kwargs), node_indices),
                }
                for node in model._nodes
                if node.layer is layer and node.input_tensors
            ]
            layers.append(entry)
        # Keras's +1 node offset for nested Functional models, in endpoints only.
        offsets = {layer.name: 1 for layer in model.layers if isinstance(layer, Functional)}
        config = {
            "name": model.name,
            "trainable": model.trainable,
            "layers": layers,
            "input_layers": _endpoint_spec(model._inputs_struct, node_indices, offsets),
            "output_layers": _endpoint_spec(model._outputs_struct, node_indices, offsets),
        }
        envelope = {
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": config,
            "registered_name": "Functional",
            "build_config": {"input_shape": None},
        }
    else:
        envelope = _subclassed_envelope(model)
    envelope["compile_config"] = _compile_config(model) if compile_config else {}
    return envelope


def _subclassed_envelope(model):
    """A subclassed model: its class (by module and registered name), its
    `get_config()` and the input shape it was built with."""
    from rkeras.backend.keras_tensor import UNKNOWN_DIM

    cls = type(model)
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError(
            f"Model {model.name!r} ({cls.__name__}) has not been built: call it on data (or "
            "fit it) before saving, so its weights exist."
        )
    shape = tree.map_structure(lambda d: None if d == UNKNOWN_DIM else d, shape)
    return {
        "module": cls.__module__,
        "class_name": cls.__name__,
        "config": _jsonable(model.get_config()),
        "registered_name": getattr(cls, "_registered_name", cls.__name__),
        "build_config": {"input_shape": _jsonable(shape)},
    }


def _compile_config(model):
    from rkeras import losses, optimizers

    if not getattr(model, "compiled", False):
        return {}
    passed = model._compile_config
    loss = passed["loss"]
    if isinstance(loss, losses.Loss):
        loss = losses.serialize(loss)
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _jsonable(loss) if isinstance(loss, (str, dict, list, type(None))) else None,
        "loss_weights": passed["loss_weights"],
        "metrics": _serialize_metrics(passed["metrics"]),
        "weighted_metrics": _serialize_metrics(passed["weighted_metrics"]),
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def _serialize_metrics(spec):
    """Metric names stay strings; metric objects become their envelopes."""
    from rkeras.saving.serialization import serialize_keras_object

    return None if spec is None else serialize_keras_object(spec)


def save_model(model, filepath):
    """Writes `model` to a `.keras` file, atomically (temporary file, then rename)."""
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension to the "
            f"filepath. Received: filepath={filepath}"
        )
    config = json.dumps(serialize_model(model))
    metadata = json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        weights_h5.write_to_file(model, f)
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(suffix=".keras.tmp", dir=directory)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr("metadata.json", metadata)
            archive.writestr("config.json", config)
            archive.writestr("model.weights.h5", buffer.getvalue())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
