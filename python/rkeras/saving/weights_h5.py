"""`.weights.h5` files in Keras 3's layout.

Keras walks the model's object graph: `.layers` of a model is the
container `layers`, whose children are named by class name in snake case
with a counter (`dense`, `dense_1`); a layer held in an attribute is named
by the attribute. Each object gets a group `<path>/vars` holding its own
variables as datasets `"0"`, `"1"`, ... with the object's name as the
attribute `name`. The optimizer's variables go to `optimizer/vars`.
"""

import os
import tempfile
import warnings

import numpy as np

from rkeras.layers.layer import Layer
from rkeras.utils.naming import to_snake_case

# Attributes of rkeras's own classes that are not saveable children.
_SKIPPED = {"_layers", "_graph", "_input_layer", "_stack", "_inbound_nodes", "output"}


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading weights needs h5py: pip install h5py") from e
    return h5py


def _own_variables(layer):
    return list(layer._own_trainable) + list(layer._own_non_trainable)


def _walk(obj, path, seen, visit):
    """Calls `visit(path, layer)` for `obj` and every layer below it, once each."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    visit(path, obj)
    prefix = f"{path}/" if path else ""
    if _is_graph_model(obj):
        _walk_container(list(obj.layers), f"{prefix}layers", seen, visit)
    names = sorted(vars(obj), key=lambda n: (n.startswith("_"), n))
    for name in names:
        if name in _SKIPPED:
            continue
        value = vars(obj)[name]
        if isinstance(value, Layer):
            _walk(value, f"{prefix}{name}", seen, visit)
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Layer) for v in value):
            _walk_container(list(value), f"{prefix}{name}", seen, visit)


def _is_graph_model(obj):
    from rkeras.models.functional import Functional
    from rkeras.models.sequential import Sequential

    return isinstance(obj, (Sequential, Functional))


def _walk_container(items, path, seen, visit):
    counts = {}
    for item in items:
        if not isinstance(item, Layer) or id(item) in seen:
            continue
        base = to_snake_case(type(item).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        _walk(item, f"{path}/{base if n == 0 else f'{base}_{n}'}", seen, visit)


def _layer_paths(model):
    """`(group path, layer)` for every layer of `model`, in Keras's order."""
    found = []
    _walk(model, "", set(), lambda path, layer: found.append((path, layer)))
    return found


def save_weights(model, filepath):
    """Writes `model`'s weights (and its optimizer's) to `filepath`.

    The file is written next to its destination and renamed into place, so
    an interrupted save never leaves a truncated file where the old one was.
    """
    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. Received: filepath=" + filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(suffix=".weights.h5.tmp", dir=directory)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            write_to_file(model, f)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_to_file(model, f):
    """Writes `model`'s weights and optimizer state into an open HDF5 file."""
    for path, layer in _layer_paths(model):
        group = f.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = layer.name
        for i, variable in enumerate(_own_variables(layer)):
            group.create_dataset(str(i), data=np.asarray(variable))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        group = f.require_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        for i, variable in enumerate(optimizer.variables):
            group.create_dataset(str(i), data=np.asarray(variable))


def _read_vars(group):
    if "vars" not in group:
        return []
    stored = group["vars"]
    return [np.asarray(stored[str(i)]) for i in range(len(stored))]


def load_weights(model, filepath, skip_mismatch=False):
    """Reads weights written by `save_weights` (rkeras or Keras 3).

    Raises:
        ValueError: when a layer's stored weights do not match its own in
            number or shape (naming the layer and both shapes), unless
            `skip_mismatch` is set, in which case that layer is skipped with
            a warning.
    """
    h5py = _h5py()
    try:
        f = h5py.File(filepath if hasattr(filepath, "read") else os.fspath(filepath), "r")
    except OSError as e:
        raise ValueError(f"Could not read weights file {filepath!r}: {e}") from e
    with f:
        if "layer_names" in f.attrs or "model_weights" in f:
            from rkeras.saving import legacy_h5

            legacy_h5.load_weights_from_group(
                model, f["model_weights"] if "model_weights" in f else f
            )
            return
        load_from_file(model, f, skip_mismatch)


def load_from_file(model, f, skip_mismatch=False):
    """Assigns the weights stored in an open HDF5 file to `model`."""
    for path, layer in _layer_paths(model):
        key = path or "/"
        if path and path not in f:
            _mismatch(skip_mismatch, f"Layer '{layer.name}' has no group {path!r} in the file.")
            continue
        stored = _read_vars(f[key])
        own = _own_variables(layer)
        if len(stored) != len(own):
            _mismatch(
                skip_mismatch,
                f"Layer '{layer.name}' expected {len(own)} variables, "
                f"but received {len(stored)} variables during loading.",
            )
            continue
        bad = [(v, s) for v, s in zip(own, stored, strict=True) if tuple(v.shape) != tuple(s.shape)]
        if bad:
            v, s = bad[0]
            _mismatch(
                skip_mismatch,
                f"Layer '{layer.name}': the stored value of weight "
                f"'{v.name}' has shape {tuple(s.shape)}, but the "
                f"weight has shape {tuple(v.shape)}.",
            )
            continue
        for variable, value in zip(own, stored, strict=True):
            variable.assign(value)
    _load_optimizer(model, f)


def _load_optimizer(model, f):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or "optimizer/vars" not in f:
        return
    stored = _read_vars(f["optimizer"])
    if not getattr(optimizer, "built", False):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    if len(stored) != len(variables):
        warnings.warn(
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(variables)} variables whereas the saved optimizer has {len(stored)} "
            "variables.",
            stacklevel=3,
        )
        return
    for variable, value in zip(variables, stored, strict=True):
        variable.assign(value.astype(np.asarray(variable).dtype))


def _mismatch(skip, message):
    if skip:
        warnings.warn(message + " Skipping it (skip_mismatch=True).", stacklevel=4)
        return
    raise ValueError(message)
