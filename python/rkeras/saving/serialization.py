"""`serialize_keras_object` / `deserialize_keras_object`: Keras's config
envelopes for any object rkeras knows how to describe."""

from rkeras.saving.object_registration import get_registered_object


def serialize_keras_object(obj):
    """The Keras config envelope of `obj` (a layer, model, optimizer, loss,
    metric, initializer, regularizer, constraint, schedule or function)."""
    from rkeras import (
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from rkeras.layers.layer import Layer
    from rkeras.optimizers import schedules
    from rkeras.saving.keras_writer import serialize_layer, serialize_model

    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    from rkeras.models.model import Model

    if isinstance(obj, Model):
        return serialize_model(obj, compile_config=False)
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    for family, module in (
        (optimizers.Optimizer, optimizers),
        (schedules.LearningRateSchedule, schedules),
        (losses.Loss, losses),
        (metrics.Metric, metrics),
        (initializers.Initializer, initializers),
        (regularizers.Regularizer, regularizers),
        (constraints.Constraint, constraints),
    ):
        if isinstance(obj, family):
            return module.serialize(obj)
    if callable(obj) and hasattr(obj, "__name__"):
        return {
            "module": getattr(obj, "__module__", None),
            "class_name": "function",
            "config": obj.__name__,
            "registered_name": getattr(obj, "_registered_name", obj.__name__),
        }
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object described by a Keras config envelope (or a plain value)."""
    from rkeras import (
        activations,
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from rkeras.optimizers import schedules
    from rkeras.saving.keras_file import deserialize_layer, deserialize_model

    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return found if found is not None else activations.get(config)
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    module = config.get("module") or ""
    class_name = config.get("class_name")
    if class_name == "function":
        name = config.get("registered_name") or config["config"]
        found = get_registered_object(name, custom_objects)
        return found if found is not None else activations.get(config["config"])
    registered = get_registered_object(config.get("registered_name") or "", custom_objects)
    if registered is not None and not module.startswith("keras"):
        return registered.from_config(config.get("config", {}))
    if class_name in ("Sequential", "Functional", "Model"):
        return deserialize_model(config, custom_objects or {}, safe_mode)
    by_module = {
        "keras.layers": lambda c: deserialize_layer(c, custom_objects or {}, safe_mode),
        "keras.optimizers": optimizers.deserialize,
        "keras.optimizers.schedules": schedules.deserialize,
        "keras.losses": losses.deserialize,
        "keras.metrics": metrics.deserialize,
        "keras.initializers": initializers.deserialize,
        "keras.regularizers": regularizers.deserialize,
        "keras.constraints": constraints.deserialize,
    }
    if module in by_module:
        return by_module[module](config)
    return deserialize_layer(config, custom_objects or {}, safe_mode)
