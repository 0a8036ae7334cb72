"""Registering custom classes so configs can name them."""

import threading

_GLOBAL = {}
_scopes = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Registers a class (or function) under `"package>name"` so saved
    configs can refer to it.

    Example:

    >>> @rkeras.saving.register_keras_serializable(package="demo")
    ... class Scale(rkeras.layers.Layer):
    ...     ...
    """

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if registered in _GLOBAL:
            raise ValueError(f"{registered} has already been registered to {_GLOBAL[registered]}")
        _GLOBAL[registered] = obj
        obj._registered_name = registered
        return obj

    return decorator


def get_custom_objects():
    """The global dict of registered objects (mutable, as in Keras)."""
    return _GLOBAL


def get_registered_name(obj):
    """`"package>Name"` for a registered object, else its name."""
    return getattr(obj, "_registered_name", None) or obj.__name__


def _scope_stack():
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def get_registered_object(name, custom_objects=None):
    """The object registered (or passed in a scope or `custom_objects`) as `name`."""
    for source in [custom_objects or {}, *reversed(_scope_stack()), _GLOBAL]:
        if name in source:
            return source[name]
    return None


class CustomObjectScope:
    """A scope in which `custom_objects` are visible to deserialization.

    Example:

    >>> with rkeras.saving.custom_object_scope({"Scale": Scale}):
    ...     model = rkeras.models.load_model("m.keras")
    """

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()
        return False


custom_object_scope = CustomObjectScope
