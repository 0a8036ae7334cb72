"""Reading `.keras` files (Keras 3's zip of `config.json`, `metadata.json`
and `model.weights.h5`).

The file is untrusted: only the expected members are read, each with a
size limit, and nothing in it runs code (`safe_mode`: no Lambda bytecode).
"""

import io
import json
import os
import zipfile

from rkeras.backend.keras_tensor import KerasTensor
from rkeras.saving import weights_h5
from rkeras.utils import tree

_MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
_MAX_JSON_BYTES = 64 << 20
_MAX_WEIGHTS_BYTES = 8 << 30
# Keys Keras 3.15 writes that rkeras's constructors do not take.
_IGNORED_KEYS = {"shared_object_id", "registered_name"}


def _layer_classes():
    from rkeras import layers, models
    from rkeras.layers.layer import Layer

    classes = {
        name: obj
        for name, obj in vars(layers).items()
        if isinstance(obj, type) and issubclass(obj, Layer)
    }
    classes.update(
        {
            "Sequential": models.Sequential,
            "Functional": models.Functional,
            "Model": models.Functional,
        }
    )
    return classes


def _read_member(archive, name, limit):
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ValueError(
            f"The member {name!r} of the .keras file is {info.file_size} bytes, over the "
            f"limit of {limit}; the file is not a model rkeras can load."
        )
    return archive.read(name)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by Keras 3 (or rkeras) as a `.keras` file.

    Args:
        filepath: path to the `.keras` file.
        custom_objects: a dict mapping names to custom classes or functions.
        compile: whether to restore the compiled state (optimizer, loss,
            metrics and the optimizer's variables).
        safe_mode: refuse to load Lambda layers holding Python bytecode.

    Returns:
        The model, with its weights.
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(".h5") or filepath.endswith(".hdf5"):
        from rkeras.saving import legacy_h5

        return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)
    if not filepath.endswith(".keras"):
        raise ValueError(
            "File format not supported: filepath=" + filepath + ". Keras 3 only supports V3 "
            "`.keras` files and legacy H5 format files (`.h5` extension)."
        )
    try:
        archive = zipfile.ZipFile(filepath)
        archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f"{filepath} is not a valid .keras file (a zip archive): {e}") from e
    with archive:
        names = set(archive.namelist())
        unexpected = sorted(n for n in names - _MEMBERS if not n.startswith("assets/"))
        if unexpected or any(".." in n or n.startswith("/") for n in names):
            raise ValueError(
                f"{filepath} has unexpected members {unexpected}; a .keras file holds only "
                f"{sorted(_MEMBERS)}."
            )
        if "config.json" not in names:
            raise ValueError(f"{filepath} has no config.json; it is not a .keras model file.")
        try:
            config = json.loads(_read_member(archive, "config.json", _MAX_JSON_BYTES))
        except json.JSONDecodeError as e:
            raise ValueError(f"{filepath}: config.json is not valid JSON: {e}") from e
        if config.get("class_name") in ("Sequential", "Functional", "Model"):
            model = deserialize_model(config, custom_objects or {}, safe_mode)
        else:
            model = deserialize_layer(config, custom_objects or {}, safe_mode)
        if compile and config.get("compile_config"):
            _compile_from_config(model, config["compile_config"])
        if "model.weights.h5" in names:
            data = _read_member(archive, "model.weights.h5", _MAX_WEIGHTS_BYTES)
            import h5py

            try:
                weights = h5py.File(io.BytesIO(data), "r")
            except OSError as e:
                raise ValueError(f"{filepath}: model.weights.h5 is damaged: {e}") from e
            with weights:
                weights_h5.load_from_file(model, f=weights)
    return model


def _clean(config):
    config = {k: v for k, v in config.items() if k not in _IGNORED_KEYS}
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
    return config


def _op_layer(envelope):
    """A `keras.ops` operation Keras recorded in a functional graph (such as
    the `NotEqual` behind `Embedding(mask_zero=True)`), as the same
    function of `rkeras.ops`; only names in that namespace resolve."""
    from rkeras import ops
    from rkeras.layers.core.op_layer import OpLayer
    from rkeras.utils.naming import to_snake_case

    name = to_snake_case(envelope["class_name"])
    fn = getattr(ops, name, None)
    if name.startswith("_") or not callable(fn):
        raise ValueError(
            f"Could not locate class '{envelope['class_name']}': rkeras.ops has no operation "
            f"'{name}' to stand in for Keras's {envelope.get('module')}.{envelope['class_name']}"
        )
    return OpLayer(fn, name=(envelope.get("config") or {}).get("name"))


def deserialize_layer(envelope, custom_objects, safe_mode=True):
    """A layer from its Keras config envelope."""
    from rkeras.saving.object_registration import get_registered_object

    class_name = envelope["class_name"]
    cls = (
        get_registered_object(envelope.get("registered_name") or "", custom_objects)
        or get_registered_object(class_name, custom_objects)
        or _layer_classes().get(class_name)
    )
    if cls is None and str(envelope.get("module", "")).startswith("keras.src.ops."):
        return _op_layer(envelope)
    if cls is None:
        raise ValueError(
            f"Could not locate class '{class_name}'. Make sure custom classes are decorated "
            "with `@keras.saving.register_keras_serializable()` or passed in "
            "`custom_objects`."
        )
    if class_name in ("Sequential", "Functional", "Model"):
        return deserialize_model(envelope, custom_objects, safe_mode)
    from rkeras.models.model import Model

    if isinstance(cls, type) and issubclass(cls, Model):
        return _subclassed_model(cls, envelope)
    config = _clean(envelope.get("config", {}))
    if class_name == "Lambda" and safe_mode:
        raise ValueError(
            "Requested the deserialization of a `Lambda` layer whose `function` is a Python "
            "lambda. This carries a potential risk of arbitrary code execution and thus it is "
            "disallowed by default. If you trust the source of the artifact, you can override "
            "this error by passing `safe_mode=False` to the loading function, or calling "
            "`keras.config.enable_unsafe_deserialization()`."
        )
    if class_name in (
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dot",
    ):
        # Artefacts of Keras's merge base class.
        config.pop("kernel_initializer", None)
        config.pop("bias_initializer", None)
    layer = cls.from_config(config)
    build = envelope.get("build_config") or {}
    if not layer.built and build and hasattr(layer, "build_from_config"):
        layer.build_from_config(build)
    elif not layer.built and build.get("input_shape") is not None:
        shape = build["input_shape"]
        layer.build(tree.map_structure(lambda d: d, _shape(shape)))
        layer.built = True
    return layer


def _subclassed_model(cls, envelope):
    """Rebuilds a subclassed model from its config, then creates its weights
    by one call on a shape-only (meta) input of the recorded shape."""
    from rkeras.backend.keras_tensor import KerasTensor

    model = cls.from_config(_clean(envelope.get("config", {})))
    shape = (envelope.get("build_config") or {}).get("input_shape")
    if shape is not None:
        shapes = _shape(shape)
        if isinstance(shapes, list):
            model([KerasTensor(s).to_meta() for s in shapes])
        else:
            model(KerasTensor(shapes).to_meta())
    return model


def _shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        return [tuple(s) for s in shape]
    return tuple(shape)


def deserialize_model(envelope, custom_objects, safe_mode=True):
    """A Sequential or Functional model from its Keras config envelope."""
    from rkeras import models

    class_name = envelope["class_name"]
    config = envelope["config"]
    if class_name == "Sequential":
        layers = [
            deserialize_layer(layer, custom_objects, safe_mode)
            for layer in config.get("layers", [])
        ]
        model = models.Sequential(
            layers, trainable=config.get("trainable", True), name=config.get("name")
        )
        shape = config.get("build_input_shape") or (envelope.get("build_config") or {}).get(
            "input_shape"
        )
        if not model.built and shape is not None:
            model.build(tuple(shape))
        return model
    if class_name in ("Functional", "Model"):
        return _functional_from_config(config, custom_objects, safe_mode)
    raise ValueError(f"Unknown model class {class_name!r}")


def _functional_from_config(config, custom_objects, safe_mode):
    from rkeras import models

    layers = {}
    pending = []
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects, safe_mode)
        layers[entry["name"]] = layer
        for node_index, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((entry["name"], node_index, node))
    tensors = {}
    for name, layer in layers.items():
        if type(layer).__name__ == "InputLayer":
            tensors[(name, 0, 0)] = layer.output

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = tuple(value["config"]["keras_history"])
            if history not in tensors:
                raise KeyError(history)
            return tensors[history]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    # Replay each call once its inputs exist (Keras's queue).
    progress = True
    while pending and progress:
        progress = False
        for item in list(pending):
            name, node_index, node = item
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except KeyError:
                continue
            kwargs.pop("mask", None)
            outputs = layers[name](*args, **kwargs)
            for i, t in enumerate(tree.flatten(outputs)):
                tensors[(name, node_index, i)] = t
            pending.remove(item)
            progress = True
    if pending:
        raise ValueError(f"Could not rebuild the graph: unresolved calls of {pending[0][0]!r}")

    def endpoints(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            name, node_index, tensor_index = spec
            # The +1 node offset Keras writes for nested Functional models.
            if type(layers[name]).__name__ == "Functional":
                node_index -= 1
            return tensors[(name, node_index, tensor_index)]
        if isinstance(spec, dict):
            return {k: endpoints(v) for k, v in spec.items()}
        return [endpoints(s) for s in spec]

    inputs = endpoints(config["input_layers"])
    outputs = endpoints(config["output_layers"])
    assert all(isinstance(t, KerasTensor) for t in tree.flatten(outputs))
    return models.Functional(inputs, outputs, name=config.get("name"))


def _compile_from_config(model, compile_config):
    from rkeras import losses, optimizers

    loss = compile_config.get("loss")
    if isinstance(loss, dict) and "class_name" in loss:
        loss = losses.deserialize(loss)
    model.compile(
        optimizer=optimizers.get(compile_config.get("optimizer", "rmsprop")),
        loss=loss,
        loss_weights=compile_config.get("loss_weights"),
        metrics=compile_config.get("metrics"),
        weighted_metrics=compile_config.get("weighted_metrics"),
    )
    model.optimizer.build(model.trainable_weights)
