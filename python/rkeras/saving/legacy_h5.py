"""Reading Keras-2-style `.h5` files (`model.save("x.h5")`), as Keras 3 does.

Layer groups are keyed by layer name; each lists its datasets in the
attribute `weight_names` (trainable first). Layers with weights are paired
with groups with weights in order, as Keras's loader does.
"""

import json

import numpy as np


def _names(attrs, key):
    """An attribute that Keras may have split into `key0`, `key1`, ..."""
    if key in attrs:
        values = list(attrs[key])
    else:
        values, i = [], 0
        while f"{key}{i}" in attrs:
            values.extend(attrs[f"{key}{i}"])
            i += 1
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _decode(value):
    return value.decode() if isinstance(value, bytes) else value


def load_weights_from_group(model, group):
    """Assigns the weights under a legacy `model_weights` group (or root)."""
    layer_names = _names(group.attrs, "layer_names")
    stored = []
    for name in layer_names:
        weight_names = _names(group[name].attrs, "weight_names")
        values = [np.asarray(group[name][w]) for w in weight_names]
        if values:
            stored.append((name, values))
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(stored):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model expected "
            f"{len(layers)} layers with weights, found {len(stored)} saved layers."
        )
    for layer, (name, values) in zip(layers, stored, strict=True):
        ordered = layer.trainable_weights + layer.non_trainable_weights
        if len(ordered) != len(values):
            raise ValueError(
                f"Layer '{layer.name}' expected {len(ordered)} weights, but the saved weights "
                f"of '{name}' have {len(values)} elements."
            )
        for variable, value in zip(ordered, values, strict=True):
            if tuple(variable.shape) != value.shape:
                raise ValueError(
                    f"Layer '{layer.name}': weight '{variable.name}' has shape "
                    f"{tuple(variable.shape)}, but the saved weight has shape {value.shape}."
                )
            variable.assign(value)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a legacy `.h5` file, with weights and (optionally) its
    compiled state and optimizer weights."""
    import h5py

    from rkeras import losses, optimizers
    from rkeras.saving.keras_file import deserialize_model

    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"Could not read the HDF5 file {filepath!r}: {e}") from e
    with f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model config found in the file at {filepath}.")
        config = json.loads(_decode(f.attrs["model_config"]))
        model = deserialize_model(config, custom_objects or {}, safe_mode)
        load_weights_from_group(model, f["model_weights"])
        if compile and "training_config" in f.attrs:
            training = json.loads(_decode(f.attrs["training_config"]))
            optimizer = optimizers.get(training["optimizer_config"])
            loss = training.get("loss")
            if isinstance(loss, dict):
                loss = losses.deserialize(loss)
            model.compile(
                optimizer=optimizer,
                loss=loss,
                loss_weights=training.get("loss_weights"),
                metrics=training.get("metrics"),
                weighted_metrics=training.get("weighted_metrics"),
            )
            model.optimizer.build(model.trainable_weights)
            if "optimizer_weights" in f:
                group = f["optimizer_weights"]
                values = [np.asarray(group[n]) for n in _names(group.attrs, "weight_names")]
                variables = model.optimizer.variables
                if len(values) == len(variables):
                    for variable, value in zip(variables, values, strict=True):
                        variable.assign(value.astype(np.asarray(variable).dtype))
    return model


def _legacy_config(envelope):
    """Keras's legacy `model_config`: top-level layer entries carry only
    `class_name` and `config` (plus `name`/`inbound_nodes` in a Functional)."""
    config = dict(envelope["config"])
    layers = []
    for entry in config.get("layers", []):
        layers.append(
            {
                k: v
                for k, v in entry.items()
                if k in ("class_name", "config", "name", "inbound_nodes")
            }
        )
    config["layers"] = layers
    return {"class_name": envelope["class_name"], "config": config}


def save_model(model, filepath):
    """Writes `model` in the legacy `.h5` layout Keras 3 reads, atomically."""
    import os
    import tempfile

    import h5py

    from rkeras.saving.keras_writer import KERAS_FORMAT_VERSION, serialize_model

    envelope = serialize_model(model)
    compile_config = envelope.get("compile_config") or {}
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(suffix=".h5.tmp", dir=directory)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            # The layout and dtypes follow what Keras writes under JAX.
            f.attrs["backend"] = "jax"
            f.attrs["keras_version"] = KERAS_FORMAT_VERSION
            f.attrs["model_config"] = json.dumps(_legacy_config(envelope))
            if compile_config:
                training = {k: v for k, v in compile_config.items() if k != "optimizer"}
                optimizer = compile_config["optimizer"]
                training["optimizer_config"] = {
                    "class_name": optimizer["class_name"],
                    "config": optimizer["config"],
                }
                f.attrs["training_config"] = json.dumps(training)
            weights = f.create_group("model_weights")
            weights.attrs["backend"] = "jax"
            weights.attrs["keras_version"] = KERAS_FORMAT_VERSION
            weights.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
            for layer in model.layers:
                group = weights.create_group(layer.name)
                variables = layer.trainable_weights + layer.non_trainable_weights
                names = [f"{layer.name}/{v.name}" for v in variables]
                group.attrs["weight_names"] = np.array([n.encode() for n in names])
                for name, variable in zip(names, variables, strict=True):
                    group.create_dataset(name, data=np.asarray(variable))
            top = weights.create_group("top_level_model_weights")
            top.attrs["weight_names"] = np.array([], dtype="float64")
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and getattr(optimizer, "built", False):
                group = f.create_group("optimizer_weights")
                names = [
                    f"{optimizer.name}/{v.name}_{i}" for i, v in enumerate(optimizer.variables)
                ]
                group.attrs["weight_names"] = np.array([n.encode() for n in names])
                for name, variable in zip(names, optimizer.variables, strict=True):
                    group.create_dataset(name, data=np.asarray(variable))
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
