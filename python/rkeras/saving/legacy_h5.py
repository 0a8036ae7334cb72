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
