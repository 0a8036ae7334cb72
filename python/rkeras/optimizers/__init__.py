"""Optimizers (`keras.optimizers`), updating variables through one fused
engine call per step."""

from rkeras.optimizers import schedules
from rkeras.optimizers.adadelta import Adadelta
from rkeras.optimizers.adagrad import Adagrad
from rkeras.optimizers.adam import Adam
from rkeras.optimizers.adamax import Adamax
from rkeras.optimizers.adamw import AdamW
from rkeras.optimizers.lion import Lion
from rkeras.optimizers.nadam import Nadam
from rkeras.optimizers.optimizer import Optimizer
from rkeras.optimizers.rmsprop import RMSprop
from rkeras.optimizers.sgd import SGD

ALL_OBJECTS = {
    Optimizer,
    Adam,
    SGD,
    RMSprop,
    Adadelta,
    AdamW,
    Adagrad,
    Adamax,
    Nadam,
    Lion,
}
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """Returns the optimizer configuration as a Python dict.

    Args:
        optimizer: An `Optimizer` instance to serialize.

    Returns:
        Python dict which contains the configuration of the optimizer (Keras's
        object envelope).
    """
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": "keras.optimizers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def _lookup(config, custom_objects):
    custom_objects = custom_objects or {}
    name = config["class_name"]
    return (
        custom_objects.get(name)
        or custom_objects.get(config.get("registered_name") or "")
        or ALL_OBJECTS_DICT.get(str(name).lower())
    )


def deserialize(config, custom_objects=None):
    """Returns a Keras optimizer object via its configuration.

    Class names are matched case-insensitively for built-in optimizers.

    Args:
        config: Optimizer configuration dictionary.
        custom_objects: Optional dictionary mapping names (strings) to custom
            objects (classes and functions) to be considered during
            deserialization.

    Returns:
        A Keras Optimizer instance.
    """
    cls = _lookup(config, custom_objects)
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {config}")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """Retrieves a Keras Optimizer instance.

    Args:
        identifier: Optimizer identifier, one of:
            - String: name of an optimizer
            - Dictionary: configuration dictionary.
            - Keras Optimizer instance (it will be returned unchanged).

    Returns:
        A Keras Optimizer instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _lookup(identifier, None)
        obj = deserialize(identifier) if cls is not None else identifier
    elif isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        obj = cls() if cls is not None else identifier
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
